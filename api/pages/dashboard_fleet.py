"""The dashboard's fleet and coverage figures, from `loans.reports.fleet` and `.coverage`."""

from __future__ import annotations

from api.pages import charts, wording
from api.pages.dashboard_links import Links
from api.pages.dashboard_view import Cell, Figure, Section, Table, count, name, percent, shown
from loans.reports.coverage import CoverageReport
from loans.reports.fleet import STATE_LABELS, FleetReport

# The states drawn in the fleet's split (ceded devices left the fleet).
IN_FLEET = [state for state in STATE_LABELS if state != "ceded"]


def fleet_section(fleet: FleetReport, links: Links, several_places: bool) -> Section:
    section = Section("parc", "Parc d'appareils")
    section.intro = (
        f"{fleet.total} appareils dans le parc aujourd'hui (les appareils cédés n'en font plus "
        "partie). Un appareil prêté est compté ici comme prêté, pas en stock ; la liste des "
        "appareils « en stock » montre aussi les appareils prêtés, d'où l'absence de lien."
    )
    states = [c for c in fleet.by_state if c.key != "ceded" or c.count]
    section.figures.append(
        Figure(
            "parc-etats",
            "Appareils par état",
            Table(
                "Appareils par état, aujourd'hui",
                ["État", "Appareils"],
                [[name(c.label), count(c.count, links.by_state(c.key))] for c in states],
            ),
            charts.bars(
                "parc-etats",
                "Appareils par état",
                [charts.Bar(c.label, c.count) for c in states],
            ),
        )
    )
    if several_places:
        section.figures.append(_by_establishment(fleet, links))
    section.figures.append(
        Figure(
            "parc-modeles",
            "Appareils par modèle",
            Table(
                "Appareils du parc par modèle",
                ["Modèle", "Catégorie", "Appareils"],
                [
                    [
                        name(f"{m.manufacturer} {m.name}"),
                        name(wording.category_label(m.category)),
                        count(m.count, links.assets(model=m.model_id)),
                    ]
                    for m in fleet.by_model
                ],
            ),
            charts.bars(
                "parc-modeles",
                "Appareils par modèle",
                [charts.Bar(f"{m.manufacturer} {m.name}", m.count) for m in fleet.by_model],
            ),
        )
    )
    categories = [(wording.category_label(c.key), c.count) for c in fleet.by_category]
    section.figures.append(
        Figure(
            "parc-categories",
            "Appareils par catégorie",
            Table(
                "Appareils du parc par catégorie",
                ["Catégorie", "Appareils"],
                [[name(label), count(n)] for label, n in categories],
            ),
            charts.bars(
                "parc-categories",
                "Appareils par catégorie",
                [charts.Bar(label, n) for label, n in categories],
            ),
        )
    )
    years = [
        (str(y.year) if y.year else "non renseignée", y.count) for y in fleet.by_acquisition_year
    ]
    section.figures.append(
        Figure(
            "parc-annees",
            "Appareils par année d'acquisition",
            Table(
                "Appareils du parc par année d'acquisition",
                ["Année", "Appareils"],
                [[name(label), count(n)] for label, n in years],
            ),
            charts.bars(
                "parc-annees",
                "Appareils par année d'acquisition",
                [charts.Bar(label, n) for label, n in years],
            ),
        )
    )
    section.figures.append(_warranties(fleet, links))
    return section


def _by_establishment(fleet: FleetReport, links: Links) -> Figure:
    labels = [STATE_LABELS[s] for s in IN_FLEET]
    rows = []
    for place in fleet.by_establishment:
        uai = place.establishment_uai
        first = (
            name(place.establishment_name, links.dashboard(establishment=uai))
            if uai
            else name(place.establishment_name)
        )
        state_cells = [
            count(place.states.get(s, 0), links.by_state(s, uai) if uai else None) for s in IN_FLEET
        ]
        rows.append([first, count(place.total, links.assets(uai) if uai else None), *state_cells])
    drawn, note = shown(
        [p for p in fleet.by_establishment if p.total],
        lambda p: -p.total,
        "établissements au plus grand parc",
    )
    return Figure(
        "parc-etablissements",
        "Parc par établissement et par état",
        Table(
            "Appareils par établissement et par état (le nom ouvre le tableau de bord "
            "de l'établissement)",
            ["Établissement", "Parc", *labels],
            rows,
        ),
        charts.stacks(
            "parc-etablissements",
            "Parc par établissement et par état",
            labels,
            [
                charts.Stack(p.establishment_name, tuple(p.states.get(s, 0) for s in IN_FLEET))
                for p in drawn
            ],
        ),
        note=note,
    )


def _warranties(fleet: FleetReport, links: Links) -> Figure:
    w = fleet.warranties
    models = {m.model_id: f"{m.manufacturer} {m.name}" for m in fleet.by_model}
    return Figure(
        "garanties",
        f"Garanties finissant d'ici le {w.to_day:%d/%m/%Y}",
        Table(
            f"Appareils en stock ou en réparation dont la garantie finit entre le "
            f"{w.from_day:%d/%m/%Y} et le {w.to_day:%d/%m/%Y} (liste triée par fin de garantie)",
            ["Établissement", "Modèle", "Appareils"],
            [
                [
                    name(item.establishment_uai or "Stock régional"),
                    name(models.get(item.model_id, f"modèle n° {item.model_id}")),
                    count(
                        item.count,
                        links.assets(
                            item.establishment_uai, model=item.model_id, sort="warranty_end"
                        )
                        if item.establishment_uai
                        else None,
                    ),
                ]
                for item in w.items
            ],
            foot=[name("Total"), name(""), count(w.count)],
        ),
        note="La liste liée montre tous les appareils de ce modèle, la garantie la plus proche "
        "de sa fin d'abord.",
    )


def coverage_section(coverage: CoverageReport, links: Links, several_places: bool) -> Section:
    section = Section("couverture", "Couverture des élèves")
    section.intro = (
        "Élèves équipés : élèves inscrits ayant un appareil en main aujourd'hui (prêt en cours)."
    )
    if several_places:
        places = coverage.by_establishment
        drawn, note = shown(
            places,
            lambda p: (p.rate is None, p.rate or 0),
            "établissements les moins équipés",
        )
        section.figures.append(
            Figure(
                "couverture-etablissements",
                "Taux d'équipement par établissement",
                Table(
                    "Élèves inscrits et équipés, par établissement",
                    ["Établissement", "Élèves inscrits", "Élèves équipés", "Taux"],
                    [
                        [
                            name(
                                p.establishment_name,
                                links.dashboard(establishment=p.establishment_uai),
                            ),
                            count(p.enrolled),
                            count(p.equipped, links.loans(p.establishment_uai, state="active")),
                            Cell(percent(p.rate)),
                        ]
                        for p in places
                    ],
                ),
                charts.bars(
                    "couverture-etablissements",
                    "Taux d'équipement par établissement (en %)",
                    [charts.Bar(p.establishment_name, p.rate or 0, percent(p.rate)) for p in drawn],
                    maximum=100,
                ),
                note=note,
            )
        )
    section.figures.append(
        Figure(
            "couverture-niveaux",
            "Taux d'équipement par niveau",
            Table(
                "Élèves inscrits et équipés, par niveau de classe",
                ["Niveau", "Élèves inscrits", "Élèves équipés", "Taux"],
                [
                    [name(lv.label), count(lv.enrolled), count(lv.equipped), Cell(percent(lv.rate))]
                    for lv in coverage.by_level
                ],
                foot=[
                    name("Total"),
                    count(coverage.total.enrolled),
                    count(coverage.total.equipped, links.loans(state="active")),
                    Cell(percent(coverage.total.rate)),
                ],
            ),
            charts.bars(
                "couverture-niveaux",
                "Taux d'équipement par niveau (en %)",
                [charts.Bar(lv.label, lv.rate or 0, percent(lv.rate)) for lv in coverage.by_level],
                maximum=100,
            ),
        )
    )
    return section
