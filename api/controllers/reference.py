"""Regions, establishments and device models."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.accounts.staff import Principal
from api.bodies import PathId, UaiText, set_fields
from api.clock import utcnow
from api.cursors import (
    DEFAULT_LIMIT,
    PAGED,
    CursorQuery,
    OptionalLimit,
    paged_response,
)
from api.infra.security import ADMIN_ONLY, EDIT_REFERENCE
from inventory import catalogue, reference_pages, regions
from inventory.views import DeviceModelView, EstablishmentView, RegionView

Str200 = Annotated[str, msgspec.Meta(max_length=200)]


WHOLE = "La liste entière sans `limit` ni `cursor` (elle est courte). "


class RegionIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(max_length=3)]
    name: Str200


class RegionPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Str200


class EstablishmentIn(msgspec.Struct, forbid_unknown_fields=True):
    uai: UaiText
    name: Str200
    city: Str200
    region_code: Annotated[str, msgspec.Meta(max_length=3)]
    contact_email: Str200 = ""
    contact_phone: Annotated[str, msgspec.Meta(max_length=40)] = ""


class EstablishmentPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Str200 | msgspec.UnsetType = msgspec.UNSET
    city: Str200 | msgspec.UnsetType = msgspec.UNSET
    contact_email: Str200 | msgspec.UnsetType = msgspec.UNSET
    contact_phone: Annotated[str, msgspec.Meta(max_length=40)] | msgspec.UnsetType = msgspec.UNSET
    head_name: Str200 | msgspec.UnsetType = msgspec.UNSET  # printed on agreements


class DeviceModelIn(msgspec.Struct, forbid_unknown_fields=True):
    manufacturer: Annotated[str, msgspec.Meta(max_length=100)]
    name: Annotated[str, msgspec.Meta(max_length=150)]
    category: str
    accessories: list[str] = []


class DeviceModelPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=150)] | msgspec.UnsetType = msgspec.UNSET
    category: str | msgspec.UnsetType = msgspec.UNSET
    accessories: list[str] | msgspec.UnsetType = msgspec.UNSET


class RegionController(Controller):
    path = "/api/v1/regions"
    tags = ["régions"]

    @get("/", description=WHOLE + PAGED)
    async def list_regions(
        self,
        request: Request[Principal, None, None],
        limit: OptionalLimit = None,
        cursor: CursorQuery = None,
    ) -> Response[list[RegionView]]:
        if limit is None and cursor is None:
            return Response(await regions.list_regions(request.user.scope))
        found = await reference_pages.region_page(
            request.user.scope, limit=limit or DEFAULT_LIMIT, cursor=cursor
        )
        return paged_response(request, found)

    @post("/", guards=[ADMIN_ONLY])
    async def create_region(
        self, request: Request[Principal, None, None], data: JSONBody[RegionIn]
    ) -> RegionView:
        return await regions.create_region(
            request.user.scope, data.code, data.name, actor=request.user.actor, now=utcnow()
        )

    @get("/{code:str}")
    async def get_region(
        self, request: Request[Principal, None, None], code: FromPath[str]
    ) -> RegionView:
        return await regions.get_region(request.user.scope, code)

    @patch("/{code:str}", guards=[ADMIN_ONLY])
    async def update_region(
        self,
        request: Request[Principal, None, None],
        code: FromPath[str],
        data: JSONBody[RegionPatch],
    ) -> RegionView:
        return await regions.rename_region(
            request.user.scope, code, data.name, actor=request.user.actor, now=utcnow()
        )


class EstablishmentController(Controller):
    path = "/api/v1/establishments"
    tags = ["établissements"]

    @get("/", description=WHOLE + PAGED)
    async def list_establishments(
        self,
        request: Request[Principal, None, None],
        region: FromQuery[str | None] = None,
        limit: OptionalLimit = None,
        cursor: CursorQuery = None,
    ) -> Response[list[EstablishmentView]]:
        if limit is None and cursor is None:
            return Response(await regions.list_establishments(request.user.scope, region))
        found = await reference_pages.establishment_page(
            request.user.scope, limit=limit or DEFAULT_LIMIT, cursor=cursor, region_code=region
        )
        return paged_response(request, found)

    @post("/", guards=[EDIT_REFERENCE])
    async def create_establishment(
        self, request: Request[Principal, None, None], data: JSONBody[EstablishmentIn]
    ) -> EstablishmentView:
        return await regions.create_establishment(
            request.user.scope,
            **msgspec.structs.asdict(data),
            actor=request.user.actor,
            now=utcnow(),
        )

    @get("/{uai:str}")
    async def get_establishment(
        self, request: Request[Principal, None, None], uai: FromPath[str]
    ) -> EstablishmentView:
        return await regions.get_establishment(request.user.scope, uai)

    @patch("/{uai:str}", guards=[EDIT_REFERENCE])
    async def update_establishment(
        self,
        request: Request[Principal, None, None],
        uai: FromPath[str],
        data: JSONBody[EstablishmentPatch],
    ) -> EstablishmentView:
        return await regions.update_establishment(
            request.user.scope, uai, set_fields(data), actor=request.user.actor, now=utcnow()
        )


class DeviceModelController(Controller):
    path = "/api/v1/device-models"
    tags = ["modèles"]

    @get("/", description=WHOLE + PAGED)
    async def list_device_models(
        self,
        request: Request[Principal, None, None],
        limit: OptionalLimit = None,
        cursor: CursorQuery = None,
    ) -> Response[list[DeviceModelView]]:
        if limit is None and cursor is None:
            return Response(await catalogue.list_device_models())
        found = await reference_pages.device_model_page(limit=limit or DEFAULT_LIMIT, cursor=cursor)
        return paged_response(request, found)

    @post("/", guards=[EDIT_REFERENCE])
    async def create_device_model(
        self, request: Request[Principal, None, None], data: JSONBody[DeviceModelIn]
    ) -> DeviceModelView:
        return await catalogue.create_device_model(
            request.user.scope,
            **msgspec.structs.asdict(data),
            actor=request.user.actor,
            now=utcnow(),
        )

    @get("/{model_id:int}")
    async def get_device_model(self, model_id: PathId) -> DeviceModelView:
        return await catalogue.get_device_model(model_id)

    @patch("/{model_id:int}", guards=[EDIT_REFERENCE])
    async def update_device_model(
        self,
        request: Request[Principal, None, None],
        model_id: PathId,
        data: JSONBody[DeviceModelPatch],
    ) -> DeviceModelView:
        return await catalogue.update_device_model(
            request.user.scope, model_id, set_fields(data), actor=request.user.actor, now=utcnow()
        )


ROUTES = [RegionController, EstablishmentController, DeviceModelController]
