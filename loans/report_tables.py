"""The figures' own tables, for exports: each figure group's rows per establishment (or per
level, model, month, campaign) as a `Table`, computed by the figures' modules
(`loans.reports`) and laid out here with French headers. A few hundred rows at most: they
are built in memory and written like any table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from inventory.table_export import DATE, DECIMAL, INTEGER, Column, Table, rows_once
from loans.campaign_progress import STEPS
from loans.reports.activity import activity_report
from loans.reports.campaigns import campaigns_report
from loans.reports.coverage import coverage_report
from loans.reports.fleet import STATE_LABELS, fleet_report
from loans.reports.incidents import Incidents, incidents_report
from loans.reports.loan_states import BUCKETS, loan_states_report
from loans.reports.target import Target

PLACE = (
    Column("Région", width=8),
    Column("UAI", width=10),
    Column("Établissement", width=28),
)
RATE = "Taux (%)"
INCIDENTS = (
    Column("Appareils", INTEGER),
    Column("Pertes", INTEGER),
    Column("Vols", INTEGER),
    Column("Réparations", INTEGER),
    Column("Pertes pour 100", DECIMAL),
    Column("Vols pour 100", DECIMAL),
    Column("Réparations pour 100", DECIMAL),
)


def _incidents(figures: Incidents) -> list[object]:
    return [
        figures.devices,
        figures.losses,
        figures.thefts,
        figures.repairs,
        figures.loss_rate,
        figures.theft_rate,
        figures.repair_rate,
    ]


async def fleet_table(target: Target) -> Table:
    report = await fleet_report(target)
    states = list(STATE_LABELS)
    columns = (
        *PLACE,
        Column("Parc (hors cédés)", INTEGER),
        *(Column(STATE_LABELS[s].capitalize(), INTEGER) for s in states),
    )
    rows = [
        [p.region_code, p.establishment_uai or "", p.establishment_name, p.total]
        + [p.states.get(s, 0) for s in states]
        for p in report.by_establishment
    ]
    return Table("Parc par établissement", columns, rows_once(rows))


async def coverage_table(target: Target) -> Table:
    report = await coverage_report(target)
    columns = (
        *PLACE,
        Column("Inscrits", INTEGER),
        Column("Équipés", INTEGER),
        Column(RATE, DECIMAL),
    )
    rows = [
        [p.region_code, p.establishment_uai, p.establishment_name, p.enrolled, p.equipped, p.rate]
        for p in report.by_establishment
    ]
    return Table("Couverture par établissement", columns, rows_once(rows))


async def levels_table(target: Target) -> Table:
    report = await coverage_report(target)
    columns = (
        Column("Niveau", width=22),
        Column("Inscrits", INTEGER),
        Column("Équipés", INTEGER),
        Column(RATE, DECIMAL),
    )
    rows = [[level.label, level.enrolled, level.equipped, level.rate] for level in report.by_level]
    return Table("Couverture par niveau", columns, rows_once(rows))


async def loan_states_table(target: Target) -> Table:
    report = await loan_states_report(target)
    columns = (
        *PLACE,
        Column("En cours", INTEGER),
        Column("En attente de signature", INTEGER),
        Column("En retard", INTEGER),
        *(Column(f"Retard {label}", INTEGER) for label in BUCKETS.values()),
    )
    rows = [
        [
            p.region_code,
            p.establishment_uai,
            p.establishment_name,
            p.counts.active,
            p.counts.awaiting_signature,
            p.counts.overdue,
            *(p.counts.overdue_by_age[key] for key in BUCKETS),
        ]
        for p in report.by_establishment
    ]
    return Table("Prêts en cours par établissement", columns, rows_once(rows))


async def incidents_table(target: Target) -> Table:
    report = await incidents_report(target)
    rows = [
        [p.region_code, p.establishment_uai, p.establishment_name, *_incidents(p.figures)]
        for p in report.by_establishment
    ]
    return Table("Incidents par établissement", (*PLACE, *INCIDENTS), rows_once(rows))


async def models_table(target: Target) -> Table:
    report = await incidents_report(target)
    columns = (Column("Fabricant"), Column("Modèle", width=20), *INCIDENTS)
    rows = [[m.manufacturer, m.name, *_incidents(m.figures)] for m in report.by_model]
    return Table("Incidents par modèle", columns, rows_once(rows))


async def activity_table(target: Target) -> Table:
    report = await activity_report(target)
    columns = (Column("Mois", width=10), Column("Remises", INTEGER), Column("Retours", INTEGER))
    rows = [[m.month, m.handed_over, m.returned] for m in report.months]
    return Table("Activité mensuelle", columns, rows_once(rows))


KINDS = {"distribution": "distribution", "collection": "collecte"}
STATUSES = {"planned": "à venir", "running": "en cours", "ended": "terminée"}


async def campaigns_table(target: Target) -> Table:
    report = await campaigns_report(target)
    # One column per step of each kind ("missing" is not the same step in both kinds).
    steps = [(kind, key, label) for kind, labels in STEPS.items() for key, label in labels.items()]
    columns = (
        *PLACE,
        Column("Campagne", width=24),
        Column("Type", width=12),
        Column("Début", DATE, width=12),
        Column("Fin", DATE, width=12),
        Column("Statut", width=10),
        Column("Total", INTEGER),
        Column("Fait", INTEGER),
        Column(RATE, DECIMAL),
        *(Column(f"{KINDS[kind].capitalize()} : {label}", INTEGER) for kind, _, label in steps),
    )
    rows = [
        [
            c.region_code,
            c.establishment_uai,
            c.establishment_name,
            c.name,
            KINDS.get(c.kind, c.kind),
            c.starts_on,
            c.ends_on,
            STATUSES.get(c.status, c.status),
            c.total,
            c.done,
            c.rate,
            *(c.counts.get(key) if c.kind == kind else None for kind, key, _ in steps),
        ]
        for c in report.items
    ]
    return Table("Campagnes", columns, rows_once(rows))


# name in the export's address -> (file name in French, how the table is made)
FIGURE_TABLES: dict[str, tuple[str, Callable[[Target], Awaitable[Table]]]] = {
    "fleet": ("parc-par-etablissement", fleet_table),
    "coverage": ("couverture-par-etablissement", coverage_table),
    "levels": ("couverture-par-niveau", levels_table),
    "loan-states": ("prets-en-cours-par-etablissement", loan_states_table),
    "incidents": ("incidents-par-etablissement", incidents_table),
    "models": ("incidents-par-modele", models_table),
    "activity": ("activite-mensuelle", activity_table),
    "campaigns": ("campagnes", campaigns_table),
}


async def every_figure_table(target: Target) -> list[Table]:
    """Every figure table, for one workbook of a sheet each."""
    return [await make(target) for _, make in FIGURE_TABLES.values()]
