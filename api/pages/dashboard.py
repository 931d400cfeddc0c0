"""The dashboard: the fleet reports of a region, an establishment or (platform admin) every
region, over a period, as charts drawn on the server with their data tables.

`/tableau-de-bord?region=24&establishment=UAI&du=JJ/MM/AAAA&au=JJ/MM/AAAA`: the same target
as the JSON reports (`loans.reports.target.resolve`, the caller's scope applied once), so a
region or establishment out of scope is a 404 like an unknown one. Without parameters: the
whole scope of the caller (their region, their schools, every region for an admin) over the
current school year. A plain GET form, usable without JavaScript.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from api.accounts.staff import Principal
from api.clock import today
from api.controllers.reports import READ_REPORTS
from api.pages.dashboard_fleet import coverage_section, fleet_section
from api.pages.dashboard_links import DASHBOARD, Links, dashboard_url, lists_show_target
from api.pages.dashboard_loans import (
    activity_section,
    campaigns_section,
    incidents_section,
    loans_section,
)
from api.pages.dashboard_view import percent
from api.pages.formatting import number_fr
from api.pages.loan_forms import parse_day
from api.pages.rendering import page
from inventory import regions
from inventory.errors import Invalid
from loans.reports import target as targets
from loans.reports.activity import activity_report
from loans.reports.campaigns import campaigns_report
from loans.reports.coverage import coverage_report
from loans.reports.fleet import fleet_report
from loans.reports.incidents import incidents_report
from loans.reports.loan_states import loan_states_report

# What a form field may hold: anything longer is a mistake, answered as such.
Short = Annotated[str | None, QueryParameter(max_length=40, required=False)]


class DashboardPages(Controller):
    path = DASHBOARD
    include_in_schema = False
    guards = [READ_REPORTS]

    @get("/")
    async def dashboard(
        self,
        request: Request[Principal, None, None],
        region: Short = None,
        establishment: Short = None,
        du: Short = None,
        au: Short = None,
    ) -> Template:
        scope = request.user.scope
        chosen = {
            "region": (region or "").strip(),
            "establishment": (establishment or "").strip().upper(),
            "du": (du or "").strip(),
            "au": (au or "").strip(),
        }
        errors: dict[str, str] = {}
        first = parse_day(chosen["du"], "du", errors, required=False)
        last = parse_day(chosen["au"], "au", errors, required=False)
        target = None
        if not errors:
            try:
                target = await targets.resolve(
                    scope,
                    today(),
                    region=chosen["region"] or None,
                    establishment=chosen["establishment"] or None,
                    period_from=first,
                    period_to=last,
                )
            except Invalid as error:  # out of scope is NotFound: the 404 page, like unknown
                errors.update(_page_fields(error.errors))
        context: dict = {
            "chosen": chosen,
            "errors": errors,
            "regions": await regions.list_regions(scope),
            # The chosen region's schools only: an admin's list would hold a whole country.
            "establishments": await regions.list_establishments(
                scope, region_code=chosen["region"] or None
            ),
            "may_pick_region": scope.everything or len(scope.region_ids) > 1,
        }
        if target is not None:
            context.update(await _figures(scope, target))
        return page(request, "pages/dashboard.html", status=422 if errors else 200, **context)


def _page_fields(errors: dict[str, str]) -> dict[str, str]:
    """The report's parameter names (`from`, `to`) are the form's `du` and `au` here."""
    names = {"from": "du", "to": "au"}
    return {names.get(key, key): message for key, message in errors.items()}


async def _figures(scope, target: targets.Target) -> dict:
    echo = target.echo
    links = Links(
        whole=lists_show_target(scope, target),
        establishment=echo.establishment_uai,
        period_from=echo.period_from,
        period_to=echo.period_to,
        today=echo.today,
    )
    # Figures per establishment within one region; across regions the figures per region
    # stand in for them (a national page of 2,000 schools would be read by no one).
    several = echo.establishment_uai is None and len(target.places) > 1 and len(target.regions) < 2
    fleet = await fleet_report(target)
    coverage = await coverage_report(target)
    loans = await loan_states_report(target)
    incidents = await incidents_report(target)
    activity = await activity_report(target)
    campaigns = await campaigns_report(target)
    place = next((p for p in target.places.values() if p.uai == echo.establishment_uai), None)
    region_name = None
    if echo.region_code:
        region_name = next(
            (name for code, name in target.regions.values() if code == echo.region_code), None
        )
    t = loans.total
    key_figures = [
        ("Appareils dans le parc", number_fr(fleet.total), links.assets()),
        (
            "Élèves équipés",
            f"{number_fr(coverage.total.equipped)} sur "
            f"{number_fr(coverage.total.enrolled)} ({percent(coverage.total.rate)})",
            links.loans(state="active"),
        ),  # fmt: skip
        ("Élèves en attente d'un appareil", number_fr(coverage.waiting), "/campagnes"),
        ("Prêts en retard", number_fr(t.overdue), links.loans(overdue=True) if t.overdue else None),
        (
            "Retours sur la période",
            number_fr(incidents.returns),
            links.loans(state="returned", ended=True) if incidents.returns else None,
        ),
    ]
    regions_rows = []
    if target.everything or (echo.region_code is None and len(target.regions) > 1):
        coverage_of = {r.region_code: r for r in coverage.by_region}
        loans_of = {r.region_code: r.counts for r in loans.by_region}
        for row in fleet.by_region:
            regions_rows.append(
                {
                    "name": row.region_name,
                    "code": row.region_code,
                    "href": links.dashboard(region=row.region_code),
                    "devices": row.total,
                    "rate": percent(coverage_of[row.region_code].rate),
                    "active": loans_of[row.region_code].active,
                    "overdue": loans_of[row.region_code].overdue,
                }
            )
    return {
        "target": echo,
        "place": place,
        "region_name": region_name,
        "key_figures": key_figures,
        "regions_rows": regions_rows,
        "region_url": (
            dashboard_url(place.region_code, "", echo.period_from, echo.period_to)
            if place and scope.manages_region(place.region_id)
            else None
        ),
        "sections": [
            fleet_section(fleet, links, several),
            coverage_section(coverage, links, several),
            loans_section(loans, links, several),
            incidents_section(incidents, links, several),
            activity_section(activity, links),
            campaigns_section(campaigns, coverage.waiting),
        ],
    }


ROUTES = [DashboardPages]
