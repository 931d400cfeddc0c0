"""Stocktakes (inventaires): open, scan, follow the counts, close, report, declare lost.

Open, scan, close and declare: admin, region manager, IT staff. Reading and the reports: any
role whose scope sees the establishment (a head of school reads, but does not count).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, JSONBody, QueryParameter

from api.accounts.staff import Principal
from api.bodies import DbId, PathId, Tag, Uai, UaiQuery
from api.clock import PARIS, utcnow
from api.cursors import LIST_DESCRIPTION, CursorQuery
from api.infra.security import roles
from api.jobs.answers import JobOut, accepted, prefers_async
from inventory import stocktake_report, stocktakes
from inventory.errors import Invalid
from inventory.stocktake_views import (
    DeclareResult,
    ScanResult,
    StocktakePage,
    StocktakeStatus,
    StocktakeView,
)
from labels.scan import scan_into_stocktake
from loans import desk

RUN_STOCKTAKES = roles("admin", "region_manager", "it_staff")
# Up to this many devices the PDF is drawn in the request (about 0.2 s); beyond, by the job
# queue (api.jobs): 1.7 s for 2,000 devices would hold the request.
INLINE_REPORT_LINES = 200


class StocktakeIn(msgspec.Struct, forbid_unknown_fields=True):
    establishment_uai: Uai
    # Room or cart; absent or empty: the whole establishment. 80 characters once spaces are
    # collapsed (checked by the domain).
    # A location's name (of /api/v1/establishments/{uai}/locations) or, better, its id: only
    # the devices of that location are then expected.
    location: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    location_id: DbId | None = None


class ScanIn(msgspec.Struct, forbid_unknown_fields=True):
    # What the scanner typed; trimmed, then 200 characters at most (checked by the domain).
    code: Annotated[str, msgspec.Meta(max_length=1000)]


class DeclareLostIn(msgspec.Struct, forbid_unknown_fields=True):
    tags: Annotated[list[Tag], msgspec.Meta(max_length=10_000)] | None = None
    every_missing: bool = msgspec.field(default=False, name="all")
    confirm: bool = False


def _attachment(content: bytes | str, media_type: str, name: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


class StocktakeController(Controller):
    path = "/api/v1/stocktakes"
    tags = ["inventaires"]

    @post("/", guards=[RUN_STOCKTAKES], summary="Ouvrir un inventaire")
    async def open_stocktake(
        self, request: Request[Principal, None, None], data: JSONBody[StocktakeIn]
    ) -> StocktakeView:
        principal = request.user
        # The devices lent to the school's students are not expected on its shelves.
        return await desk.open_stocktake(
            principal.scope,
            principal.actor,
            utcnow(),
            data.establishment_uai,
            data.location or "",
            location_id=data.location_id,
        )

    @get(
        "/",
        summary="Inventaires, les plus récents d'abord",
        description="Une page d'inventaires (un objet, plus une liste). " + LIST_DESCRIPTION,
    )
    async def list_stocktakes(
        self,
        request: Request[Principal, None, None],
        establishment: UaiQuery = None,
        open_only: Annotated[
            bool | None,
            QueryParameter(name="open", description="true : en cours ; false : clos"),
        ] = None,
        limit: FromQuery[int] = 50,
        cursor: CursorQuery = None,
    ) -> StocktakePage:
        return await stocktakes.stocktake_page(
            request.user.scope, establishment or None, open_only, limit, cursor
        )

    @get("/{stocktake_id:int}", summary="Un inventaire : compteurs et listes")
    async def get_stocktake(
        self, request: Request[Principal, None, None], stocktake_id: PathId
    ) -> StocktakeStatus:
        return await stocktakes.stocktake_status(request.user.scope, stocktake_id)

    @post(
        "/{stocktake_id:int}/scans",
        guards=[RUN_STOCKTAKES],
        summary="Enregistrer un scan",
        description="Le résultat (found, duplicate, unexpected, unknown) et les compteurs.",
    )
    async def record_scan(
        self,
        request: Request[Principal, None, None],
        stocktake_id: PathId,
        data: JSONBody[ScanIn],
    ) -> ScanResult:
        principal = request.user
        return await scan_into_stocktake(
            principal.scope, principal.actor, utcnow(), stocktake_id, data.code
        )

    @post("/{stocktake_id:int}/close", guards=[RUN_STOCKTAKES], status_code=200)
    async def close_stocktake(
        self, request: Request[Principal, None, None], stocktake_id: PathId
    ) -> StocktakeView:
        principal = request.user
        return await stocktakes.close_stocktake(
            principal.scope, principal.actor, utcnow(), stocktake_id
        )

    @post(
        "/{stocktake_id:int}/declare-lost",
        guards=[RUN_STOCKTAKES],
        status_code=200,
        summary="Déclarer perdus des appareils manquants (inventaire clos)",
        description=(
            "`tags` : ces appareils (tout ou rien) ; ou `all: true` : tous les manquants encore "
            "dans l'état de l'ouverture. `confirm: true` est obligatoire."
        ),
    )
    async def declare_lost(
        self,
        request: Request[Principal, None, None],
        stocktake_id: PathId,
        data: JSONBody[DeclareLostIn],
    ) -> DeclareResult:
        errors = {}
        if not data.confirm:
            errors["confirm"] = "confirmez la déclaration de perte (confirm: true)"
        if (data.tags is None) == (not data.every_missing):
            errors["tags"] = "indiquez soit la liste tags, soit all: true"
        if errors:
            raise Invalid(errors)
        principal = request.user
        return await stocktakes.declare_missing_lost(
            principal.scope, principal.actor, utcnow(), stocktake_id, data.tags, PARIS
        )

    @get(
        "/{stocktake_id:int}/report.pdf",
        media_type="application/pdf",
        summary="Le rapport d'inventaire en PDF",
        description=(
            f"Jusqu'à {INLINE_REPORT_LINES} appareils, le PDF tout de suite ; au-delà (ou avec "
            "`Prefer: respond-async`), 202 Accepted et `Location: /api/v1/jobs/{id}`, à suivre "
            "jusqu'au fichier."
        ),
        responses={202: ResponseSpec(JobOut, description="Document en préparation")},
    )
    async def pdf_report(
        self, request: Request[Principal, None, None], stocktake_id: PathId
    ) -> Response:
        scope = request.user.scope
        counts = (await stocktakes.get_stocktake(scope, stocktake_id)).counts  # out of scope: 404
        if prefers_async(request) or counts.found + counts.missing + counts.unexpected > (
            INLINE_REPORT_LINES
        ):
            return await accepted(request, "stocktake_report", {"stocktake_id": stocktake_id})
        status = await stocktakes.stocktake_status(scope, stocktake_id)
        # A few thousand rows take reportlab a noticeable moment: off the event loop.
        pdf = await asyncio.to_thread(stocktake_report.pdf_report, status, PARIS)
        name = stocktake_report.filename(status.stocktake, "pdf")
        return _attachment(pdf, "application/pdf", name)

    @get("/{stocktake_id:int}/report.csv", media_type="text/csv")
    async def csv_report(
        self, request: Request[Principal, None, None], stocktake_id: PathId
    ) -> Response:
        status = await stocktakes.stocktake_status(request.user.scope, stocktake_id)
        text = stocktake_report.csv_report(status, PARIS)
        name = stocktake_report.filename(status.stocktake, "csv")
        return _attachment(text.encode("utf-8"), "text/csv; charset=utf-8", name)


ROUTES = [StocktakeController]
