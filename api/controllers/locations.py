"""Locations of a school (rooms, carts, storages) and moving devices into them by scanning."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import utcnow
from api.infra.security import EDIT_FLEET
from api.request_checks import SCANNER_INPUT
from inventory import locations
from inventory.locations import LocationView, Move
from labels.moves import move_scanned


class LocationIn(msgspec.Struct, forbid_unknown_fields=True):
    # 80 characters once spaces are collapsed (checked by the domain).
    name: Annotated[str, msgspec.Meta(max_length=200)]
    kind: Annotated[str, msgspec.Meta(max_length=20)] = "room"  # room, cart, storage


class MoveIn(msgspec.Struct, forbid_unknown_fields=True):
    # What the scanner typed: a label, an inventory number or a serial.
    code: Annotated[str, msgspec.Meta(max_length=1000)]


class SchoolLocationController(Controller):
    path = "/api/v1/establishments/{uai:str}/locations"
    tags = ["emplacements"]

    @get("/", summary="Emplacements d'un établissement (salles, chariots, réserves)")
    async def list_locations(
        self, request: Request[Principal, None, None], uai: FromPath[str]
    ) -> list[LocationView]:
        return await locations.list_locations(request.user.scope, uai)

    @post("/", guards=[EDIT_FLEET], summary="Créer un emplacement")
    async def create_location(
        self,
        request: Request[Principal, None, None],
        uai: FromPath[str],
        data: JSONBody[LocationIn],
    ) -> LocationView:
        principal = request.user
        return await locations.create_location(
            principal.scope, principal.actor, utcnow(), uai, data.name, data.kind
        )


class LocationController(Controller):
    path = "/api/v1/locations"
    tags = ["emplacements"]

    @get("/{location_id:int}", summary="Un emplacement")
    async def get_location(
        self, request: Request[Principal, None, None], location_id: PathId
    ) -> LocationView:
        return await locations.get_location(request.user.scope, location_id)

    @post(
        "/{location_id:int}/moves",
        guards=[EDIT_FLEET],
        status_code=200,
        summary="Ranger un appareil scanné dans cet emplacement",
        opt={SCANNER_INPUT: True},
    )
    async def move_here(
        self,
        request: Request[Principal, None, None],
        location_id: PathId,
        data: JSONBody[MoveIn],
    ) -> Move:
        principal = request.user
        return await move_scanned(
            principal.scope, principal.actor, utcnow(), location_id, data.code
        )


ROUTES = [SchoolLocationController, LocationController]
