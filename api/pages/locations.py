"""Locations of a school (rooms, carts, storages) and the page that moves devices into one by
scanning them one after another.

The move page follows /scan's keyboard-wedge conventions without needing JavaScript: one
always-focused field that the scanner types into and validates with Enter; each scan is a POST
answered by a redirect back to the page (reloading never moves twice), which tells the outcome
and shows the running list of the devices moved there.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect

from api.accounts.staff import Principal
from api.bodies import MAX_DB_ID, PathId
from api.clock import utcnow
from api.infra.security import EDIT_FLEET, FLEET_EDITORS
from api.pages.rendering import page
from api.request_checks import SCANNER_INPUT
from inventory import locations, regions
from inventory.errors import Conflict, Invalid, NotFound
from labels.moves import move_scanned

MOVE = "/emplacements/ranger"


class LocationForm(msgspec.Struct):
    name: str = ""
    kind: str = "room"


class MoveForm(msgspec.Struct):
    code: str = ""


def school_path(uai: str) -> str:
    return f"/etablissements/{quote(uai, safe='')}/emplacements"


async def _school_page(
    request: Request[Principal, None, None],
    uai: str,
    *,
    status: int = 200,
    form: LocationForm | None = None,
    errors: dict[str, str] | None = None,
    created: str = "",
) -> Response:
    scope = request.user.scope
    establishment = await regions.get_establishment(scope, uai)
    return page(
        request,
        "pages/location_list.html",
        status=status,
        establishment=establishment,
        places=await locations.list_locations(scope, establishment.uai),
        kinds=locations.KINDS,
        may_edit=request.user.role in FLEET_EDITORS,
        form=form or LocationForm(),
        errors=errors or {},
        created=created,
    )


class SchoolLocationPages(Controller):
    path = "/etablissements/{uai:str}/emplacements"
    include_in_schema = False

    @get("/")
    async def location_list(
        self,
        request: Request[Principal, None, None],
        uai: FromPath[str],
        created: Annotated[str | None, QueryParameter(name="cree")] = None,
    ) -> Response:
        return await _school_page(request, uai, created=(created or "")[:80])

    @post("/", guards=[EDIT_FLEET])
    async def create_location(
        self,
        request: Request[Principal, None, None],
        uai: FromPath[str],
        data: URLEncodedBody[LocationForm],
    ) -> Response:
        principal = request.user
        try:
            made = await locations.create_location(
                principal.scope, principal.actor, utcnow(), uai, data.name, data.kind
            )
        except Invalid as error:
            return await _school_page(
                request, uai, status=error.status, form=data, errors=error.errors
            )
        except Conflict as error:
            errors = {error.field or "name": error.message}
            return await _school_page(request, uai, status=error.status, form=data, errors=errors)
        query = urlencode({"cree": made.name})
        return Redirect(f"{school_path(made.establishment_uai)}?{query}", status_code=303)


def _destination(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= MAX_DB_ID else None


async def _move_page(
    request: Request[Principal, None, None],
    location_id: int | None,
    *,
    status: int = 200,
    done: str = "",
    code_error: str = "",
    alert: str = "",
) -> Response:
    scope = request.user.scope
    place = await locations.get_location(scope, location_id) if location_id else None
    return page(
        request,
        "pages/location_move.html",
        status=status,
        place=place,
        places=await locations.list_locations(scope),
        moves=await locations.recent_moves(scope, place.id) if place else [],
        done=done,
        code_error=code_error,
        alert=alert,
    )


class MovePages(Controller):
    path = MOVE
    include_in_schema = False
    guards = [EDIT_FLEET]

    @get("/")
    async def move_page(
        self,
        request: Request[Principal, None, None],
        destination: Annotated[str | None, QueryParameter(name="vers")] = None,
        done: Annotated[str | None, QueryParameter(name="fait")] = None,
        before: Annotated[str | None, QueryParameter(name="avant")] = None,
    ) -> Response:
        location_id = _destination(destination)
        if destination and location_id is None:
            raise NotFound("Emplacement introuvable.")
        message = ""
        if done and location_id:
            place = await locations.get_location(request.user.scope, location_id)
            was = (before or "").strip()[:80]
            message = f"{done.strip()[:40]} rangé dans « {place.name} »" + (
                f" (venait de « {was} »)." if was else "."
            )
        return await _move_page(request, location_id, done=message)

    @post("/{location_id:int}", opt={SCANNER_INPUT: True})
    async def move(
        self,
        request: Request[Principal, None, None],
        location_id: PathId,
        data: URLEncodedBody[MoveForm],
    ) -> Response:
        principal = request.user
        await locations.get_location(principal.scope, location_id)  # 404 outside the scope
        try:
            moved = await move_scanned(
                principal.scope, principal.actor, utcnow(), location_id, data.code
            )
        except Invalid as error:
            code_error = error.errors.get("code", error.message)
            return await _move_page(request, location_id, status=422, code_error=code_error)
        except (NotFound, Conflict) as error:
            return await _move_page(request, location_id, status=error.status, alert=error.message)
        if not moved.moved:
            message = f"{moved.tag} est déjà rangé dans « {moved.after} » : rien à faire."
            return await _move_page(request, location_id, done=message)
        query = {"vers": location_id, "fait": moved.tag}
        if moved.before:
            query["avant"] = moved.before
        return Redirect(f"{MOVE}?{urlencode(query)}#code", status_code=303)


ROUTES = [SchoolLocationPages, MovePages]
