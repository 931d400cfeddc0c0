"""Stocktake pages: the list with a form to open one, and the page of one stocktake where a
keyboard-wedge scanner types into an always-focused field.

With JavaScript, `static/stocktake.js` sends each scan to the JSON API and updates the counts
and lists in place; without it, each scan is a form POST answered by a redirect back to the
page (so that reloading never scans twice), which then tells the outcome of that scan.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect

from api.accounts.staff import Principal
from api.bodies import MAX_DB_ID, PathId, QueryId
from api.clock import PARIS, utcnow
from api.controllers.stocktakes import RUN_STOCKTAKES
from api.pages import wording
from api.pages.rendering import page
from inventory import locations, regions, stocktakes
from inventory.errors import Conflict, Invalid, NotFound
from labels.scan import scan_into_stocktake
from loans import desk

LIST = "/inventaires"
RUNNING_ROLES = ("admin", "region_manager", "it_staff")
CONFIRMED = "oui"


class OpenForm(msgspec.Struct):
    # Optional here so that an empty field gets a French message next to it, not a 400.
    establishment_uai: str = ""
    location_id: str = ""  # a location of the establishment; "": the whole establishment


class ScanForm(msgspec.Struct):
    code: str = ""


class ConfirmForm(msgspec.Struct):
    confirm: str = ""


def _can_run(request: Request[Principal, None, None]) -> bool:
    return request.user.role in RUNNING_ROLES


async def _list_page(
    request: Request[Principal, None, None],
    *,
    status: int = 200,
    form: OpenForm | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    scope = request.user.scope
    listed = await stocktakes.list_stocktakes(scope, limit=200)
    return page(
        request,
        "pages/stocktake_list.html",
        status=status,
        open_ones=[s for s in listed if s.is_open],
        closed_ones=[s for s in listed if not s.is_open],
        establishments=await regions.list_establishments(scope) if _can_run(request) else [],
        locations=await locations.list_locations(scope) if _can_run(request) else [],
        can_run=_can_run(request),
        form=form or OpenForm(),
        errors=errors or {},
    )


async def _detail_page(
    request: Request[Principal, None, None],
    stocktake_id: int,
    *,
    status: int = 200,
    **context,
) -> Response:
    scope = request.user.scope
    current = await stocktakes.stocktake_status(scope, stocktake_id)
    missing_in_place = [line for line in current.missing if line.state != "lost"]
    return page(
        request,
        "pages/stocktake_detail.html",
        status=status,
        current=current,
        stocktake=current.stocktake,
        can_run=_can_run(request),
        declarable=len(missing_in_place),
        state_label=wording.state_label,
        **context,
    )


class StocktakePages(Controller):
    path = LIST
    include_in_schema = False

    @get("/")
    async def stocktake_list(self, request: Request[Principal, None, None]) -> Response:
        return await _list_page(request)

    @post("/", guards=[RUN_STOCKTAKES])
    async def open_stocktake(
        self, request: Request[Principal, None, None], data: URLEncodedBody[OpenForm]
    ) -> Response:
        if not data.establishment_uai.strip():
            errors = {"establishment_uai": "Choisissez l'établissement à inventorier."}
            return await _list_page(request, status=422, form=data, errors=errors)
        location_id = None
        if data.location_id.strip():
            if not data.location_id.strip().isdigit() or int(data.location_id) > MAX_DB_ID:
                errors = {"location": "Emplacement inconnu : choisissez-le dans la liste."}
                return await _list_page(request, status=422, form=data, errors=errors)
            location_id = int(data.location_id)
        principal = request.user
        try:
            opened = await desk.open_stocktake(
                principal.scope,
                principal.actor,
                utcnow(),
                data.establishment_uai,
                location_id=location_id,
            )
        except Invalid as error:
            return await _list_page(request, status=error.status, form=data, errors=error.errors)
        except Conflict as error:
            errors = {error.field or "location": error.message}
            return await _list_page(request, status=error.status, form=data, errors=errors)
        return Redirect(f"{LIST}/{opened.id}", status_code=303)

    @get("/{stocktake_id:int}")
    async def stocktake_detail(
        self,
        request: Request[Principal, None, None],
        stocktake_id: PathId,
        scan_id: QueryId = None,
        done: FromQuery[str | None] = None,
    ) -> Response:
        last = None
        if scan_id is not None:
            try:
                last = await stocktakes.scan_result(request.user.scope, stocktake_id, scan_id)
            except NotFound:
                last = None
        return await _detail_page(request, stocktake_id, last=last, done=done)

    @post("/{stocktake_id:int}/scans", guards=[RUN_STOCKTAKES])
    async def record_scan(
        self,
        request: Request[Principal, None, None],
        stocktake_id: PathId,
        data: URLEncodedBody[ScanForm],
    ) -> Response:
        principal = request.user
        try:
            result = await scan_into_stocktake(
                principal.scope, principal.actor, utcnow(), stocktake_id, data.code
            )
        except Invalid as error:
            return await _detail_page(
                request, stocktake_id, status=error.status, code_error=error.errors.get("code", "")
            )
        except Conflict as error:
            return await _detail_page(
                request, stocktake_id, status=error.status, alert=error.message
            )
        return Redirect(f"{LIST}/{stocktake_id}?scan_id={result.id}#scanner", status_code=303)

    @post("/{stocktake_id:int}/cloture", guards=[RUN_STOCKTAKES])
    async def close_stocktake(
        self,
        request: Request[Principal, None, None],
        stocktake_id: PathId,
        data: URLEncodedBody[ConfirmForm],
    ) -> Response:
        if data.confirm != CONFIRMED:
            error = "Cochez la case pour confirmer la clôture."
            return await _detail_page(request, stocktake_id, status=422, close_error=error)
        principal = request.user
        try:
            await stocktakes.close_stocktake(
                principal.scope, principal.actor, utcnow(), stocktake_id
            )
        except Conflict as error:  # shown beside the button pressed, like a missing tick
            return await _detail_page(
                request, stocktake_id, status=error.status, close_error=error.message
            )
        return Redirect(f"{LIST}/{stocktake_id}?done=clos", status_code=303)

    @post("/{stocktake_id:int}/pertes", guards=[RUN_STOCKTAKES])
    async def declare_lost(
        self,
        request: Request[Principal, None, None],
        stocktake_id: PathId,
        data: URLEncodedBody[ConfirmForm],
    ) -> Response:
        if data.confirm != CONFIRMED:
            error = "Cochez la case pour confirmer la déclaration de perte."
            return await _detail_page(request, stocktake_id, status=422, lost_error=error)
        principal = request.user
        try:
            result = await stocktakes.declare_missing_lost(
                principal.scope, principal.actor, utcnow(), stocktake_id, None, PARIS
            )
        except Conflict as error:
            return await _detail_page(
                request, stocktake_id, status=error.status, alert=error.message
            )
        # Shown at once rather than after a redirect: sending it again declares nothing more.
        return await _detail_page(request, stocktake_id, declared=result)


ROUTES = [StocktakePages]
