"""Declaring a device that is not lent lost or stolen: the same form as from a loan (date,
circumstances, the police report for a theft), reached from the scan card or the device's page.

A lent device is declared through its loan: these addresses lead there instead.
"""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.accounts.staff import Principal
from api.clock import today, utcnow
from api.infra.security import EDIT_FLEET
from api.pages.loan_forms import field_errors, parse_day, problem_status, text_of
from api.pages.rendering import page
from inventory import assets, incidents
from inventory.errors import DomainError, Invalid, NotFound
from inventory.views import AssetView
from loans.listing import open_loan_for_tag

LIST = "/appareils"
KINDS = {"perte": "lost", "vol": "stolen"}
TITLES = {"perte": "Déclarer une perte", "vol": "Déclarer un vol"}
DONE = {"perte": "perdu", "vol": "volé"}


def asset_path(tag: str) -> str:
    return f"{LIST}/{quote(tag, safe='')}"


def _form(
    request: Request, asset: AssetView, kind: str, *, status: int = 200, **context
) -> Template:
    return page(
        request,
        "pages/loan_incident.html",
        status=status,
        asset=asset,
        kind=kind,
        title=TITLES[kind],
        action=f"{asset_path(asset.tag)}/{kind}",
        today=today(),
        errors=context.pop("errors", {}),
        problem=context.pop("problem", ""),
        values=context.pop("values", {}),
    )


class AssetIncidentPages(Controller):
    path = LIST
    include_in_schema = False
    guards = [EDIT_FLEET]

    async def _asset(self, request: Request[Principal, None, None], tag: str, kind: str):
        if kind not in KINDS:
            raise NotFound("Cette adresse n'existe pas.")
        scope = request.user.scope
        asset = await assets.get_asset(scope, tag)
        loan = await open_loan_for_tag(scope, asset.tag)
        return asset, loan

    @get("/{tag:str}/{kind:str}")
    async def incident_form(
        self, request: Request[Principal, None, None], tag: FromPath[str], kind: FromPath[str]
    ) -> Template | Redirect:
        asset, loan = await self._asset(request, tag, kind)
        if loan is not None:  # lent: declared through its loan
            if request.user.role not in ("admin", "it_staff"):
                raise PermissionDeniedException("Réservé aux référents numériques.")
            return Redirect(f"/prets/{loan.id}/{kind}", status_code=303)
        return _form(request, asset, kind)

    @post("/{tag:str}/{kind:str}")
    async def declare(
        self, request: Request[Principal, None, None], tag: FromPath[str], kind: FromPath[str]
    ) -> Template | Redirect:
        principal = request.user
        asset, loan = await self._asset(request, tag, kind)
        if loan is not None:
            return Redirect(f"/prets/{loan.id}/{kind}", status_code=303)
        form = await request.form()
        values = {
            name: text_of(form, name, size)
            for name, size in (
                ("incident_on", 20),
                ("circumstances", 2000),
                ("police_report_ref", 60),
            )
        }
        errors: dict[str, str] = {}
        incident_on = parse_day(values["incident_on"], "incident_on", errors)
        if errors:
            return _form(request, asset, kind, status=422, errors=errors, values=values)
        try:
            done = await incidents.declare_missing(
                principal.scope,
                principal.actor,
                utcnow(),
                asset.tag,
                kind=KINDS[kind],
                incident_on=incident_on,
                circumstances=values["circumstances"],
                police_report_ref=values["police_report_ref"],
            )
        except DomainError as refused:
            return _form(
                request,
                asset,
                kind,
                status=problem_status(refused),
                errors=field_errors(refused),
                problem="" if isinstance(refused, Invalid) else refused.message,
                values=values,
            )
        return Redirect(f"{asset_path(done.tag)}?fait={kind}", status_code=303)


ROUTES = [AssetIncidentPages]
