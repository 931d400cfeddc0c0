"""The key figures of every group on one page: what a region manager opens first, and what
the press asks. Each group is computed by its own module (its queries run one after the
other on the same target); `by_region` lines them up per region for the platform.
"""

from __future__ import annotations

import msgspec

from loans.campaigns import status_on
from loans.reports.activity import ActivityReport, activity_queries, activity_report
from loans.reports.campaigns import (
    campaigns_between,
    collection_sql,
    student_steps_sql,
)
from loans.reports.coverage import Coverage, coverage_queries, coverage_report
from loans.reports.fleet import (
    Count,
    fleet_report,
    groups_sql,
    lent_sql,
    models_sql,
    warranty_sql,
    warranty_window,
    years_sql,
)
from loans.reports.incidents import Incidents, devices_sql, ended_sql, incidents_report
from loans.reports.loan_states import (
    LoanCounts,
    loan_states_args,
    loan_states_report,
    loan_states_sql,
)
from loans.reports.target import ReportTarget, Target


class RegionKeyFigures(msgspec.Struct, frozen=True):
    region_code: str
    region_name: str
    devices: int
    coverage: Coverage
    loans: LoanCounts
    incidents: Incidents


class Overview(msgspec.Struct, frozen=True):
    target: ReportTarget
    devices: int  # in the fleet, ceded excluded
    by_state: list[Count]
    warranties_ending: int  # within six months, in stock or in repair
    coverage: Coverage
    waiting: int  # students of running distributions not equipped yet
    loans: LoanCounts
    returns: int
    returns_by_condition: dict[str, int]
    incidents: Incidents
    activity: ActivityReport
    campaigns_running: int
    by_region: list[RegionKeyFigures]


async def overview(target: Target) -> Overview:
    fleet = await fleet_report(target)
    coverage = await coverage_report(target)
    loans = await loan_states_report(target)
    incidents = await incidents_report(target)
    activity = await activity_report(target)
    period = await campaigns_between(target, target.echo.period_from, target.echo.period_to)
    today = target.echo.today
    coverage_of = {row.region_code: row for row in coverage.by_region}
    loans_of = {row.region_code: row.counts for row in loans.by_region}
    incidents_of = {row.region_code: row.figures for row in incidents.by_region}
    return Overview(
        target=target.echo,
        devices=fleet.total,
        by_state=fleet.by_state,
        warranties_ending=fleet.warranties.count,
        coverage=coverage.total,
        waiting=coverage.waiting,
        loans=loans.total,
        returns=incidents.returns,
        returns_by_condition=incidents.returns_by_condition,
        incidents=incidents.total,
        activity=activity,
        campaigns_running=sum(
            1 for c in period if status_on(c["starts_on"], c["ends_on"], today) == "running"
        ),
        by_region=[
            RegionKeyFigures(
                region_code=row.region_code,
                region_name=row.region_name,
                devices=row.total,
                coverage=Coverage(
                    coverage_of[row.region_code].enrolled,
                    coverage_of[row.region_code].equipped,
                    coverage_of[row.region_code].rate,
                ),
                loans=loans_of[row.region_code],
                incidents=incidents_of[row.region_code],
            )
            for row in fleet.by_region
        ],
    )


async def overview_queries(target: Target) -> list[tuple[str, list]]:
    """Every grouped query `overview` runs, with its arguments (Piccolo `{}` placeholders):
    what bench/reports.py times on its own, beside the HTTP answer (the few small reads of
    reference rows, device models and campaigns, are left out)."""
    first, last = warranty_window(target.echo.today)
    period = await campaigns_between(target, target.echo.period_from, target.echo.period_to)
    queries: list[tuple[str, list]] = [
        (groups_sql(target), []),
        (models_sql(target), []),
        (warranty_sql(target), [first, last]),
        (lent_sql(target), []),
        (years_sql(target), []),
        *coverage_queries(target),
        (loan_states_sql(target), loan_states_args(target.echo.today)),
        ended_sql(target),
        (devices_sql(target), []),
        *activity_queries(target),
    ]
    distributions = [c for c in period if c["kind"] == "distribution"]
    for by_class in (True, False):
        if places := {
            c["establishment"] for c in distributions if bool(c["class_names"]) == by_class
        }:
            queries.append((student_steps_sql(target, places, by_class), []))
    if collections := [c for c in period if c["kind"] == "collection"]:
        queries.append(collection_sql(collections))
    return queries
