"""The dashboard's loan, incident, activity and campaign figures, from `loans.reports`."""

from __future__ import annotations

import datetime as dt

from api.pages import charts
from api.pages.dashboard_links import Links
from api.pages.dashboard_view import (
    Cell,
    Figure,
    Section,
    Table,
    count,
    decimal_fr,
    name,
    percent,
    shown,
)
from inventory.assets import CONDITIONS
from loans.campaign_progress import STEPS
from loans.campaigns import KINDS
from loans.reports.activity import ActivityReport
from loans.reports.campaigns import CampaignsReport
from loans.reports.incidents import Incidents, IncidentsReport
from loans.reports.loan_states import BUCKETS, LoanStatesReport

MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
          "nov.", "déc.")  # fmt: skip
STATUS = {"planned": "à venir", "running": "en cours", "ended": "terminée"}


def loans_section(loans: LoanStatesReport, links: Links, several_places: bool) -> Section:
    section = Section("prets", "Prêts en cours")
    t = loans.total
    kinds = [
        ("En cours (appareil remis)", t.active, links.loans(state="active")),
        ("En attente de signature", t.awaiting_signature, links.loans(state="pending")),
        ("En retard", t.overdue, links.loans(overdue=True)),
    ]
    section.figures.append(
        Figure(
            "prets-etats",
            "Prêts en cours, en attente de signature, en retard",
            Table(
                "Prêts ouverts aujourd'hui",
                ["Prêts", "Nombre"],
                [[name(label), count(n, href)] for label, n, href in kinds],
            ),
            charts.bars(
                "prets-etats", "Prêts ouverts", [charts.Bar(label, n) for label, n, _ in kinds]
            ),
            note="« En attente de signature » compte aussi les prêts en préparation.",
        )
    )
    ages = [(BUCKETS[key], t.overdue_by_age[key]) for key in BUCKETS]
    due = overdue_due_days(links.today)
    section.figures.append(
        Figure(
            "prets-retards",
            "Prêts en retard, selon la durée du retard",
            Table(
                "Prêts en retard par durée du retard",
                ["Retard", "Prêts"],
                [
                    [name(label), count(n, links.loans(overdue=True, due_between=due[key]))]
                    for key, (label, n) in zip(BUCKETS, ages, strict=True)
                ],
            ),
            charts.bars(
                "prets-retards", "Prêts en retard par durée", [charts.Bar(*a) for a in ages]
            ),
        )
    )
    if several_places:
        section.figures.append(
            Figure(
                "prets-etablissements",
                "Prêts par établissement",
                Table(
                    "Prêts ouverts par établissement",
                    ["Établissement", "En cours", "En attente de signature", "En retard"],
                    [
                        [
                            name(
                                p.establishment_name,
                                links.dashboard(establishment=p.establishment_uai),
                            ),
                            count(
                                p.counts.active, links.loans(p.establishment_uai, state="active")
                            ),
                            count(
                                p.counts.awaiting_signature,
                                links.loans(p.establishment_uai, state="pending"),
                            ),
                            count(p.counts.overdue, links.loans(p.establishment_uai, overdue=True)),
                        ]
                        for p in loans.by_establishment
                    ],
                ),
            )
        )
    return section


def overdue_due_days(today: dt.date) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """The due days of each bucket of `loans.reports.loan_states` (a loan is late by today
    minus its due day): 1–6 days, 7–30 days, more than 30 days."""
    day = dt.timedelta(days=1)
    return {
        "under_7": (today - 6 * day, today - day),
        "7_to_30": (today - 30 * day, today - 7 * day),
        "over_30": (None, today - 31 * day),
    }


def _incident_cells(f: Incidents, links: Links, uai: str | None, model: int | None) -> list[Cell]:
    def assets(state: str) -> str | None:
        return links.assets(uai, state=state, model=model)

    losses = links.loans(uai, state="lost", ended=True, model=model)
    thefts = links.loans(uai, state="stolen", ended=True, model=model)
    return [
        count(f.devices),
        count(f.losses, losses),
        count(f.thefts, thefts),
        count(f.repairs, assets("in_repair")),
        Cell(decimal_fr(f.loss_rate, 2)),
        Cell(decimal_fr(f.theft_rate, 2)),
        Cell(decimal_fr(f.repair_rate, 2)),
    ]


INCIDENT_HEAD = ["Appareils", "Pertes", "Vols", "Réparations", "Pertes /100", "Vols /100",
                 "Réparations /100"]  # fmt: skip


def _rate_bar(label: str, f: Incidents) -> charts.Bar:
    rate = round((f.loss_rate or 0) + (f.theft_rate or 0) + (f.repair_rate or 0), 2)
    return charts.Bar(label, rate, decimal_fr(rate, 2))


def incidents_section(report: IncidentsReport, links: Links, several_places: bool) -> Section:
    section = Section("incidents", "Retours et incidents sur la période")
    section.intro = (
        "Prêts terminés pendant la période ; taux pour 100 appareils du parc actuel. Une "
        "réparation est un retour en état D ou avec des dégâts notés : son nombre mène aux "
        "appareils en réparation aujourd'hui, la liste la plus proche."
    )
    conditions = [
        (key, f"{key} – {label}", report.returns_by_condition.get(key, 0))
        for key, label in CONDITIONS.items()
    ]
    if report.returns_by_condition.get(""):
        conditions.append(("", "état non noté", report.returns_by_condition[""]))
    returned = links.loans(state="returned", ended=True)
    section.figures.append(
        Figure(
            "retours",
            "Retours selon l'état de l'appareil",
            Table(
                "Appareils rendus pendant la période, par état au retour",
                ["État au retour", "Retours"],
                [
                    [
                        name(label),
                        # No filter for a condition not noted: no list.
                        count(
                            n,
                            links.loans(state="returned", ended=True, condition=key)
                            if key
                            else None,
                        ),
                    ]
                    for key, label, n in conditions
                ],
                foot=[name("Total"), count(report.returns, returned)],
            ),
            charts.bars(
                "retours", "Retours par état", [charts.Bar(label, n) for _, label, n in conditions]
            ),
        )
    )
    models = [(f"{m.manufacturer} {m.name}", m) for m in report.by_model]
    section.figures.append(
        Figure(
            "incidents-modeles",
            "Pertes, vols et réparations pour 100 appareils, par modèle",
            Table(
                "Incidents par modèle, et leurs taux pour 100 appareils",
                ["Modèle", *INCIDENT_HEAD],
                [
                    [name(label), *_incident_cells(m.figures, links, None, m.model_id)]
                    for label, m in models
                ],
            ),
            charts.bars(
                "incidents-modeles",
                "Incidents (pertes, vols, réparations) pour 100 appareils, par modèle",
                [_rate_bar(label, m.figures) for label, m in models],
            ),
        )
    )
    if several_places:
        places = report.by_establishment
        drawn, note = shown(
            places,
            lambda p: -_rate_bar("", p.figures).value,
            "établissements aux taux les plus hauts",
        )
        section.figures.append(
            Figure(
                "incidents-etablissements",
                "Pertes, vols et réparations pour 100 appareils, par établissement",
                Table(
                    "Incidents par établissement, et leurs taux pour 100 appareils",
                    ["Établissement", *INCIDENT_HEAD],
                    [
                        [
                            name(p.establishment_name),
                            *_incident_cells(p.figures, links, p.establishment_uai, None),
                        ]
                        for p in places
                    ],
                ),
                charts.bars(
                    "incidents-etablissements",
                    "Incidents pour 100 appareils, par établissement",
                    [_rate_bar(p.establishment_name, p.figures) for p in drawn],
                ),
                note=note,
            )
        )
    return section


def month_label(month: str) -> str:
    day = dt.date.fromisoformat(month + "-01")
    return f"{MONTHS[day.month - 1]} {day:%y}"


def _month_days(month: str, links: Links) -> tuple[dt.date, dt.date]:
    """The days of a month inside the dashboard's period."""
    first = dt.date.fromisoformat(month + "-01")
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return max(first, links.period_from), min(last, links.period_to)


def activity_section(activity: ActivityReport, links: Links) -> Section:
    section = Section("activite", "Remises et retours, mois par mois")
    months = activity.months
    section.figures.append(
        Figure(
            "activite-mois",
            "Appareils remis et rendus chaque mois",
            Table(
                "Remises et retours par mois (les retours mènent aux prêts rendus ce mois-là)",
                ["Mois", "Remises", "Retours"],
                [
                    [
                        name(month_label(m.month)),
                        count(m.handed_over),
                        count(
                            m.returned,
                            links.loans(
                                state="returned", ended_between=_month_days(m.month, links)
                            ),
                        ),
                    ]
                    for m in months
                ],
                foot=[
                    name("Total"),
                    count(sum(m.handed_over for m in months)),
                    count(sum(m.returned for m in months)),
                ],
            ),
            charts.columns(
                "activite-mois",
                "Remises et retours par mois",
                ["Remises", "Retours"],
                [month_label(m.month) for m in months],
                [(m.handed_over, m.returned) for m in months],
            ),
        )
    )
    return section


def campaigns_section(report: CampaignsReport, waiting: int) -> Section:
    section = Section("campagnes", "Campagnes de la période")
    section.intro = (
        f"{waiting} élève{'s' if waiting > 1 else ''} des distributions en cours "
        f"attend{'ent' if waiting > 1 else ''} encore un appareil."
    )
    items = report.items
    rows = []
    for c in items:
        unit = "élèves" if c.unit == "students" else "appareils"
        steps = ", ".join(f"{STEPS[c.kind][k]} : {n}" for k, n in c.counts.items())
        rows.append(
            [
                name(c.name, f"/campagnes/{c.campaign_id}"),
                name(c.establishment_name),
                name(KINDS.get(c.kind, c.kind)),
                name(STATUS.get(c.status, c.status)),
                Cell(f"{c.done} / {c.total} {unit}", f"/campagnes/{c.campaign_id}"),
                Cell(percent(c.rate)),
                Cell(steps, num=False, long=True),
            ]
        )
    section.figures.append(
        Figure(
            "campagnes",
            "Avancement des campagnes, côte à côte",
            Table(
                "Campagnes de la période et leur avancement (le nom ouvre la campagne)",
                ["Campagne", "Établissement", "Type", "Statut", "Fait", "Taux", "Étapes"],
                rows,
            ),
            charts.stacks(
                "campagnes",
                "Avancement des campagnes",
                ["fait", "reste à faire"],
                [charts.Stack(c.name, (c.done, c.total - c.done)) for c in items],
            )
            if items
            else None,
        )
    )
    return section
