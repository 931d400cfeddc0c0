"""Assets: list, create, read, update, history, CSV export and import."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from api.accounts.staff import Principal
from api.bodies import DbId, QueryId, Tag, set_fields
from api.clock import utcnow
from api.cursors import LIST_DESCRIPTION, CursorQuery, OffsetQuery
from api.errors import file_problem
from api.infra.security import EDIT_FLEET
from api.request_checks import BODY_TYPES, CSV_TYPES
from inventory import asset_export, asset_import, assets
from inventory.views import AssetEventView, AssetView, Page
from loans import desk


class AssetIn(msgspec.Struct, forbid_unknown_fields=True):
    tag: Tag
    serial: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    model_id: DbId
    establishment_uai: str | None = None
    region_code: str | None = None
    state: str = "in_stock"
    condition: str = "A"
    acquired_on: dt.date | None = None
    warranty_end: dt.date | None = None
    notes: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class AssetPatch(msgspec.Struct, forbid_unknown_fields=True):
    serial: Annotated[str, msgspec.Meta(min_length=1, max_length=80)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    model_id: DbId | msgspec.UnsetType = msgspec.UNSET
    establishment_uai: str | None | msgspec.UnsetType = msgspec.UNSET
    state: str | msgspec.UnsetType = msgspec.UNSET
    condition: str | msgspec.UnsetType = msgspec.UNSET
    acquired_on: dt.date | None | msgspec.UnsetType = msgspec.UNSET
    warranty_end: dt.date | None | msgspec.UnsetType = msgspec.UNSET
    notes: Annotated[str, msgspec.Meta(max_length=2000)] | msgspec.UnsetType = msgspec.UNSET


class ImportReportOut(msgspec.Struct):
    dry_run: bool
    rows: int
    created: int
    errors: list[asset_import.LineError]


def filters_from_query(
    state: str | None,
    establishment: str | None,
    model: int | None,
    q: str | None,
    location: int | None = None,
) -> assets.AssetFilters:
    return assets.AssetFilters(
        state=state or None,
        establishment_uai=establishment or None,
        model_id=model,
        search=q,
        location_id=location,
    )


class AssetController(Controller):
    path = "/api/v1/assets"
    tags = ["appareils"]

    @get("/", description=LIST_DESCRIPTION)
    async def list_assets(
        self,
        request: Request[Principal, None, None],
        asset_state: Annotated[
            str | None,
            QueryParameter(
                name="state",
                description="État : lent (un prêt ouvert), ou un état d'un appareil non prêté",
            ),
        ] = None,
        establishment: Annotated[
            str | None, QueryParameter(description="UAI de l'établissement")
        ] = None,
        model: QueryId = None,
        location: QueryId = None,
        q: Annotated[
            str | None, QueryParameter(description="Partie d'un numéro d'inventaire ou de série")
        ] = None,
        sort: FromQuery[str] = "tag",
        limit: FromQuery[int] = 50,
        offset: OffsetQuery = 0,
        cursor: CursorQuery = None,
    ) -> Page:
        filters = filters_from_query(asset_state, establishment, model, q, location)
        return await assets.list_assets(
            request.user.scope, filters, sort=sort, limit=limit, offset=offset, cursor=cursor
        )

    @get("/export.csv", media_type="text/csv")
    async def export_assets(
        self,
        request: Request[Principal, None, None],
        asset_state: Annotated[str | None, QueryParameter(name="state", description="État")] = None,
        establishment: FromQuery[str | None] = None,
        model: QueryId = None,
        location: QueryId = None,
        q: FromQuery[str | None] = None,
        sort: FromQuery[str] = "tag",
    ) -> Stream:
        filters = filters_from_query(asset_state, establishment, model, q, location)
        assets.check_filters(filters, sort, 1, 0)
        rows = asset_export.csv_lines(request.user.scope, filters, sort)
        stamp = utcnow().strftime("%Y%m%d-%H%M")
        return Stream(
            rows,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="appareils-{stamp}.csv"'},
        )

    @post("/", guards=[EDIT_FLEET])
    async def create_asset(
        self, request: Request[Principal, None, None], data: JSONBody[AssetIn]
    ) -> AssetView:
        principal = request.user
        return await assets.create_asset(
            principal.scope, principal.actor, utcnow(), msgspec.structs.asdict(data)
        )

    @post(
        "/import",
        guards=[EDIT_FLEET],
        status_code=200,
        summary="Import CSV d'appareils (tout ou rien)",
        description=(
            "Corps : le fichier CSV (text/csv). `dry_run=true` (par défaut) vérifie sans rien "
            "écrire et rend le rapport ; `dry_run=false` importe tout, ou rien et répond 422 "
            "avec les erreurs par ligne et colonne."
        ),
        request_max_body_size=32 * 1024 * 1024,  # 50,000 rows of a few hundred bytes
        opt={BODY_TYPES: CSV_TYPES},
    )
    async def import_assets(
        self, request: Request[Principal, None, None], dry_run: FromQuery[bool] = True
    ) -> ImportReportOut:
        principal = request.user
        report = await asset_import.import_assets(
            principal.scope, principal.actor, utcnow(), await request.body(), dry_run=dry_run
        )
        if report.errors and not dry_run:
            raise file_problem(report.errors)
        return ImportReportOut(
            dry_run=dry_run, rows=report.rows, created=report.created, errors=report.errors
        )

    @get("/{tag:str}")
    async def get_asset(
        self, request: Request[Principal, None, None], tag: FromPath[str]
    ) -> AssetView:
        return await assets.get_asset(request.user.scope, tag)

    @patch("/{tag:str}", guards=[EDIT_FLEET])
    async def update_asset(
        self,
        request: Request[Principal, None, None],
        tag: FromPath[str],
        data: JSONBody[AssetPatch],
    ) -> AssetView:
        principal = request.user
        changes = set_fields(data)
        # While lent, the device's state is refused: its fate is recorded on its loan.
        return await desk.update_asset(principal.scope, principal.actor, utcnow(), tag, changes)

    @get("/{tag:str}/history")
    async def asset_history(
        self, request: Request[Principal, None, None], tag: FromPath[str]
    ) -> list[AssetEventView]:
        return await assets.asset_history(request.user.scope, tag)


ROUTES = [AssetController]
