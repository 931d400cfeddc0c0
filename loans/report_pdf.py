"""The PDF report of a region or an establishment over a period: a cover page, the key
figures, then each figure group with its chart (reportlab graphics) and its tables.

`gather` reads the figures (the six groups of `loans.reports`, the queries the JSON API runs)
on the loop; `render` lays them out, pure and synchronous (run it in a thread in a server).
The key figures are the overview's (`loans.reports.overview`), taken from the same reports.
A4, French, fonts embedded (`loans.pdf_pages`); the creation date is the figures' day, so the
same data gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Spacer

from loans import pdf_pages
from loans.report_charts import bar_chart, line_chart
from loans.report_layout import (
    count,
    day,
    decimal,
    grid,
    key_figures,
    para,
    percent,
    place_cells,
    place_columns,
)
from loans.reports.activity import ActivityReport, activity_report
from loans.reports.campaigns import CampaignsReport, campaigns_report
from loans.reports.coverage import CoverageReport, coverage_report
from loans.reports.fleet import STATE_LABELS, FleetReport, fleet_report
from loans.reports.incidents import Incidents, IncidentsReport, incidents_report
from loans.reports.loan_states import BUCKETS, LoanStatesReport, loan_states_report
from loans.reports.target import ReportTarget, Target, paris_midnight

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ReportData:
    target: ReportTarget
    place: str  # what the report is about, for its cover
    fleet: FleetReport
    coverage: CoverageReport
    loans: LoanStatesReport
    incidents: IncidentsReport
    activity: ActivityReport
    campaigns: CampaignsReport


STEPS = 7  # six figure groups, then the layout (the caller's last step)


def describe(target: Target) -> str:
    echo = target.echo
    if echo.establishment_uai:
        place = next(p for p in target.places.values() if p.uai == echo.establishment_uai)
        region = target.regions[place.region_id][1]
        return f"{place.name} ({place.uai}), région {region}"
    if echo.region_code:
        code, name = next(r for r in target.regions.values() if r[0] == echo.region_code)
        return f"Région {name} ({code})"
    return "Toutes les régions" if target.everything else "Votre périmètre"


async def gather(target: Target, progress: Progress | None = None) -> ReportData:
    """Every figure group of the report; `progress(done, STEPS)` after each."""
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, STEPS)

    fleet = await fleet_report(target)
    step()
    coverage = await coverage_report(target)
    step()
    loans = await loan_states_report(target)
    step()
    incidents = await incidents_report(target)
    step()
    activity = await activity_report(target)
    step()
    campaigns = await campaigns_report(target)
    step()
    return ReportData(
        target.echo, describe(target), fleet, coverage, loans, incidents, activity, campaigns
    )


def render(data: ReportData) -> bytes:
    echo = data.target
    period = f"du {day(echo.period_from)} au {day(echo.period_to)}"
    story: list[Flowable] = [
        *_cover(data, period),
        PageBreak(),
        para("Chiffres clés", "section"),
        key_figures(_key_figures(data)),
        *_fleet(data),
        *_coverage(data),
        *_loans(data),
        *_incidents(data),
        *_activity(data),
        *_campaigns(data),
    ]
    return pdf_pages.build(
        story,
        title=f"Rapport du parc — {data.place}",
        footer=f"ordipret — {data.place} — {period} — chiffres au {day(echo.today)}",
        issued=paris_midnight(echo.today),
    )


def _cover(data: ReportData, period: str) -> list[Flowable]:
    return [
        Spacer(1, 60 * mm),
        para("Rapport du parc numérique", "title"),
        Spacer(1, 6 * mm),
        para(data.place, "cover"),
        para(f"Période {period}", "meta"),
        para(f"Chiffres arrêtés au {day(data.target.today)}", "meta"),
        Spacer(1, 20 * mm),
        para(
            "Parc d'appareils, couverture des élèves, prêts en cours, retours et incidents, "
            "activité mois par mois et campagnes. Les états du parc, la couverture et les prêts "
            "en cours sont ceux du jour ; retours, incidents, activité et campagnes sont ceux "
            "de la période.",
            "meta",
        ),
    ]


def _key_figures(data: ReportData) -> list[tuple[str, str]]:
    fleet, coverage, loans = data.fleet, data.coverage.total, data.loans.total
    states = {row.key: row.count for row in fleet.by_state}
    incidents = data.incidents.total
    conditions = ", ".join(f"{k} : {n}" for k, n in data.incidents.returns_by_condition.items())
    return [
        ("Appareils du parc (hors cédés)", count(fleet.total)),
        ("Prêtés", count(states.get("lent", 0))),
        ("En stock", count(states.get("in_stock", 0))),
        ("En réparation", count(states.get("in_repair", 0))),
        (
            "Garanties finissant d'ici au " + day(fleet.warranties.to_day),
            count(fleet.warranties.count),
        ),
        ("Élèves inscrits", count(coverage.enrolled)),
        ("Élèves équipés", count(coverage.equipped)),
        ("Taux d'équipement", percent(coverage.rate)),
        ("Élèves en attente (distributions en cours)", count(data.coverage.waiting)),
        ("Prêts en cours", count(loans.active)),
        ("Prêts en attente de signature", count(loans.awaiting_signature)),
        ("Prêts en retard", count(loans.overdue)),
        ("Retours sur la période", f"{count(data.incidents.returns)} ({conditions})"),
        ("Pertes sur la période", _incident(incidents.losses, incidents.loss_rate)),
        ("Vols sur la période", _incident(incidents.thefts, incidents.theft_rate)),
        ("Réparations sur la période", _incident(incidents.repairs, incidents.repair_rate)),
        ("Remises sur la période", count(sum(m.handed_over for m in data.activity.months))),
        (
            "Campagnes en cours",
            count(sum(1 for c in data.campaigns.items if c.status == "running")),
        ),
    ]


def _incident(n: int, rate: float | None) -> str:
    return f"{count(n)} ({decimal(rate)} pour 100 appareils)"


def _fleet(data: ReportData) -> list[Flowable]:
    fleet = data.fleet
    states = [row for row in fleet.by_state if row.key != "ceded"]
    flows: list[Flowable] = [
        PageBreak(),
        para("Le parc aujourd'hui", "section"),
        bar_chart(
            pdf_pages.WIDTH,
            "Appareils par état",
            [row.label for row in states],
            [row.count for row in states],
        ),
        para("Par modèle", "subsection"),
        grid(
            ["Fabricant", "Modèle", "Catégorie", "Appareils"],
            [[m.manufacturer, m.name, m.category, count(m.count)] for m in fleet.by_model],
            [45, 70, 35, 24],
        ),
        para("Par année d'acquisition", "subsection"),
        grid(
            ["Année", "Appareils"],
            [[str(y.year or "inconnue"), count(y.count)] for y in fleet.by_acquisition_year],
            [40, 30],
        ),
    ]
    keys = [k for k in STATE_LABELS if k != "ceded"]
    flows += [
        para("Par établissement", "subsection"),
        grid(
            [*place_columns(), "Parc", *(SHORT_STATES.get(k, STATE_LABELS[k]) for k in keys)],
            [
                [*place_cells(p.region_code, p.establishment_uai, p.establishment_name)]
                + [count(p.total)]
                + [count(p.states.get(k, 0)) for k in keys]
                for p in fleet.by_establishment
            ],
            [12, 20, 44, 14, *([14] * len(keys))],
            small=True,
        ),
    ]
    return flows


# Column headers of the fleet by establishment: 14 mm each.
SHORT_STATES = {
    "in_repair": "en répar.",
    "retired": "réformés",
    "lent": "prêtés",
    "lost": "perdus",
    "stolen": "volés",
}


def _coverage(data: ReportData) -> list[Flowable]:
    coverage = data.coverage
    return [
        PageBreak(),
        para("Couverture des élèves", "section"),
        bar_chart(
            pdf_pages.WIDTH,
            "Élèves équipés, en % des inscrits, par niveau",
            [level.label for level in coverage.by_level],
            [level.rate or 0 for level in coverage.by_level],
            percent=True,
        ),
        grid(
            ["Niveau", "Inscrits", "Équipés", "Taux"],
            [
                [level.label, count(level.enrolled), count(level.equipped), percent(level.rate)]
                for level in coverage.by_level
            ],
            [50, 25, 25, 25],
        ),
        para("Par établissement", "subsection"),
        grid(
            [*place_columns(), "Inscrits", "Équipés", "Taux"],
            [
                [
                    *place_cells(p.region_code, p.establishment_uai, p.establishment_name),
                    count(p.enrolled),
                    count(p.equipped),
                    percent(p.rate),
                ]
                for p in coverage.by_establishment
            ],
            [14, 22, 70, 22, 22, 24],
        ),
    ]


def _loans(data: ReportData) -> list[Flowable]:
    return [
        para("Prêts en cours", "section"),
        grid(
            [*place_columns(), "En cours", "À signer", "En retard", *BUCKETS.values()],
            [
                [
                    *place_cells(p.region_code, p.establishment_uai, p.establishment_name),
                    count(p.counts.active),
                    count(p.counts.awaiting_signature),
                    count(p.counts.overdue),
                    *(count(p.counts.overdue_by_age[k]) for k in BUCKETS),
                ]
                for p in data.loans.by_establishment
            ],
            [12, 20, 46, 16, 16, 16, 16, 16, 16],
            small=True,
        ),
    ]


def _incident_cells(figures: Incidents) -> list[str]:
    return [
        count(figures.devices),
        count(figures.losses),
        count(figures.thefts),
        count(figures.repairs),
        decimal(figures.loss_rate),
        decimal(figures.theft_rate),
        decimal(figures.repair_rate),
    ]


INCIDENT_COLUMNS = [
    "Appareils",
    "Pertes",
    "Vols",
    "Répar.",
    "Pertes /100",
    "Vols /100",
    "Répar. /100",
]


def _incidents(data: ReportData) -> list[Flowable]:
    incidents = data.incidents
    conditions = incidents.returns_by_condition
    return [
        PageBreak(),
        para("Retours et incidents de la période", "section"),
        bar_chart(
            pdf_pages.WIDTH,
            "Retours par état de l'appareil (A comme neuf … D endommagé)",
            [k or "non noté" for k in conditions],
            list(conditions.values()),
        ),
        para("Par modèle", "subsection"),
        grid(
            ["Modèle", *INCIDENT_COLUMNS],
            [
                [f"{m.manufacturer} {m.name}", *_incident_cells(m.figures)]
                for m in incidents.by_model
            ],
            [48, 18, 16, 16, 16, 20, 20, 20],
            small=True,
        ),
        para("Par établissement", "subsection"),
        grid(
            [*place_columns(), *INCIDENT_COLUMNS],
            [
                [
                    *place_cells(p.region_code, p.establishment_uai, p.establishment_name),
                    *_incident_cells(p.figures),
                ]
                for p in incidents.by_establishment
            ],
            [10, 18, 34, 16, 14, 12, 14, 18, 18, 20],
            small=True,
        ),
    ]


def _month(month: str) -> str:
    year, number = month.split("-")
    return f"{number}/{year}"


def _activity(data: ReportData) -> list[Flowable]:
    months = data.activity.months
    return [
        PageBreak(),
        para("Activité mois par mois", "section"),
        line_chart(
            pdf_pages.WIDTH,
            "Remises et retours par mois",
            [_month(m.month) for m in months],
            [
                ("Remises", [m.handed_over for m in months]),
                ("Retours", [m.returned for m in months]),
            ],
        ),
        grid(
            ["Mois", "Remises", "Retours"],
            [[_month(m.month), count(m.handed_over), count(m.returned)] for m in months],
            [30, 30, 30],
        ),
    ]


KINDS = {"distribution": "distribution", "collection": "collecte"}
STATUSES = {"planned": "à venir", "running": "en cours", "ended": "terminée"}


def _campaigns(data: ReportData) -> list[Flowable]:
    items = data.campaigns.items
    flows: list[Flowable] = [para("Campagnes de la période", "section")]
    if not items:
        return [*flows, para("Aucune campagne pendant la période.")]
    rows = [
        [
            c.establishment_uai,
            c.name,
            KINDS.get(c.kind, c.kind),
            day(c.starts_on) + (f" – {day(c.ends_on)}" if c.ends_on else ""),
            STATUSES.get(c.status, c.status),
            f"{count(c.done)} / {count(c.total)}",
            percent(c.rate),
        ]
        for c in items
    ]
    widths = [20, 46, 22, 38, 18, 18, 14]
    return [
        *flows,
        grid(
            ["UAI", "Campagne", "Type", "Dates", "Statut", "Fait", "Taux"], rows, widths, small=True
        ),
    ]
