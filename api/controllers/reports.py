"""Fleet reports as JSON: every figure group under /api/v1/reports/…, for a region, an
establishment, or (platform admin) every region, over a period.

Query parameters, the same for every report: `region` (INSEE code), `establishment` (UAI),
`from` and `to` (dates, Europe/Paris, both included; by default the current school year of
the region covered). Admins, region managers, heads and IT staff read reports; the caller's
scope decides the rows: a region or establishment they may not see is not found (404).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter

from api.accounts.staff import Principal
from api.bodies import UaiQuery
from api.clock import today
from api.infra.security import roles
from inventory.errors import Invalid
from loans.reports import target as targets
from loans.reports.activity import ActivityReport, activity_report
from loans.reports.campaigns import CampaignsReport, campaigns_report
from loans.reports.coverage import CoverageReport, coverage_report
from loans.reports.fleet import FleetReport, fleet_report
from loans.reports.incidents import IncidentsReport, incidents_report
from loans.reports.loan_states import LoanStatesReport, loan_states_report
from loans.reports.overview import Overview, overview

READ_REPORTS = roles("admin", "region_manager", "head", "it_staff")

RegionQuery = Annotated[
    str | None, QueryParameter(description="Code INSEE de la région (ex. 24)", max_length=10)
]
# Dates read here rather than by Litestar, so that a wrong one is named `from` or `to` (the
# parameter a client sent) and not after the handler's argument.
FromQuery = Annotated[
    str | None,
    QueryParameter(
        name="from",
        description="Premier jour de la période (AAAA-MM-JJ, Europe/Paris)",
        max_length=10,
    ),
]
ToQuery = Annotated[
    str | None,
    QueryParameter(
        name="to", description="Dernier jour de la période, inclus (AAAA-MM-JJ)", max_length=10
    ),
]


def _day(value: str | None, name: str, errors: dict[str, str]) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or value != day.isoformat():  # AAAA-MM-JJ only, not 20260901 nor weeks
        errors[name] = "date invalide : AAAA-MM-JJ attendu, par exemple 2026-09-01"
        return None
    return day


async def report_target(
    request: Request[Principal, None, None],
    region: str | None,
    establishment: str | None,
    period_from: str | None,
    period_to: str | None,
) -> targets.Target:
    errors: dict[str, str] = {}
    first, last = _day(period_from, "from", errors), _day(period_to, "to", errors)
    if errors:
        raise Invalid(errors)
    return await targets.resolve(
        request.user.scope,
        today(),
        region=region or None,
        establishment=establishment or None,
        period_from=first,
        period_to=last,
    )


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["rapports"]
    guards = [READ_REPORTS]

    @get("/overview", summary="Chiffres clés : parc, couverture, prêts, incidents, activité")
    async def get_overview(
        self,
        request: Request[Principal, None, None],
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> Overview:
        return await overview(
            await report_target(request, region, establishment, period_from, period_to)
        )

    @get(
        "/fleet",
        summary="Parc par état, modèle, catégorie, année d'acquisition ; garanties à échéance",
        description="Aujourd'hui (la période est sans effet) ; garanties finissant dans 6 mois.",
    )
    async def get_fleet(
        self,
        request: Request[Principal, None, None],
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> FleetReport:
        return await fleet_report(
            await report_target(request, region, establishment, period_from, period_to)
        )

    @get(
        "/coverage",
        summary="Élèves équipés / élèves inscrits, par établissement et par niveau",
        description="Aujourd'hui ; `waiting` : élèves des distributions en cours non équipés.",
    )
    async def get_coverage(
        self,
        request: Request[Principal, None, None],
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> CoverageReport:
        return await coverage_report(
            await report_target(request, region, establishment, period_from, period_to)
        )

    @get(
        "/loans",
        summary="Prêts en cours, en attente de signature, en retard (et depuis combien de temps)",
    )
    async def get_loans(
        self,
        request: Request[Principal, None, None],
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> LoanStatesReport:
        return await loan_states_report(
            await report_target(request, region, establishment, period_from, period_to)
        )

    @get(
        "/incidents",
        summary="Retours par état ; pertes, vols et réparations pour 100 appareils",
    )
    async def get_incidents(
        self,
        request: Request[Principal, None, None],
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> IncidentsReport:
        return await incidents_report(
            await report_target(request, region, establishment, period_from, period_to)
        )

    @get("/activity", summary="Remises et retours, mois par mois (Europe/Paris)")
    async def get_activity(
        self,
        request: Request[Principal, None, None],
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> ActivityReport:
        return await activity_report(
            await report_target(request, region, establishment, period_from, period_to)
        )

    @get("/campaigns", summary="Avancement des campagnes de la période, côte à côte")
    async def get_campaigns(
        self,
        request: Request[Principal, None, None],
        region: RegionQuery = None,
        establishment: UaiQuery = None,
        period_from: FromQuery = None,
        period_to: ToQuery = None,
    ) -> CampaignsReport:
        return await campaigns_report(
            await report_target(request, region, establishment, period_from, period_to)
        )


ROUTES = [ReportController]
