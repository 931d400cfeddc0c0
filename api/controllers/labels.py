"""Labels: sheets of QR labels (PDF), one label again (PNG or SVG), binding a label printed
ahead to a device at intake, and a device's own code.

Rendering is CPU work (about 3 s for 10,000 labels): it runs in a worker thread so that the
event loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

import asyncio
import re
from functools import partial
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from api.accounts.staff import Principal
from api.bodies import QueryId
from api.clock import utcnow
from api.infra.security import EDIT_FLEET, FLEET_EDITORS
from api.jobs.answers import accepted, prefers_async
from api.jobs.kinds import label_arguments
from inventory import assets
from inventory.errors import NotFound
from inventory.views import AssetView
from labels import assignment, sheets
from labels.codes import label_url
from labels.stocks import STOCKS

_TEMPLATES = ", ".join(STOCKS)
_TAG_SEPARATORS = re.compile(r"[\s,;]+")
SHEET_PATH = "/api/v1/labels/sheet.pdf"
# The same sheet for the asset list's form: errors come back as a French page, not JSON.
SHEET_PAGE_PATH = "/etiquettes/planche.pdf"
# Up to this many labels the sheet is drawn in the request (about 0.1 s); more go to the job
# queue (api.jobs): 10,000 labels take about 3 s to draw.
INLINE_LABELS = 300


class BindIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]  # the code or its URL
    asset: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]  # tag or serial
    replace: bool = False


class LabelOut(msgspec.Struct, frozen=True):
    code: str
    url: str


class LabelledAssetOut(msgspec.Struct, frozen=True):
    code: str
    url: str
    asset: AssetView


def print_form(request: Request) -> dict | None:
    """What the asset list needs to offer printing the labels of its selection: where to send
    the form and the stocks to choose from; None for a role that may not print."""
    principal = request.scope.get("user")
    if not isinstance(principal, Principal) or principal.role not in FLEET_EDITORS:
        return None
    stocks = {key: stock.name for key, stock in STOCKS.items()}
    return {"action": SHEET_PAGE_PATH, "stocks": stocks, "max_labels": sheets.MAX_LABELS}


def _public_url(request: Request) -> str:
    # Item access: the app factory passes `state` as a plain dict.
    return request.app.state["settings"].public_url


def _tags(raw: str | None) -> tuple[str, ...] | None:
    """The listed tags; None when the parameter is absent (an empty list stays a list)."""
    if raw is None:
        return None
    return tuple(tag for tag in _TAG_SEPARATORS.split(raw) if tag)


class LabelController(Controller):
    path = "/api/v1/labels"
    tags = ["étiquettes"]
    guards = [EDIT_FLEET]

    @post("/bind", status_code=200, summary="Coller une étiquette vierge sur un appareil")
    async def bind(
        self, request: Request[Principal, None, None], data: JSONBody[BindIn]
    ) -> LabelledAssetOut:
        principal = request.user
        bound = await assignment.bind_code(
            principal.scope, principal.actor, utcnow(), data.code, data.asset, data.replace
        )
        return LabelledAssetOut(
            code=bound.code, url=label_url(_public_url(request), bound.code), asset=bound.asset
        )

    @get(
        "/{filename:str}",
        summary="Une étiquette seule, en PNG (300 dpi) ou en SVG",
        description="`/api/v1/labels/CODE.png` ou `CODE.svg`. Formats : " + _TEMPLATES,
        media_type="image/png",
    )
    async def single(
        self,
        request: Request[Principal, None, None],
        filename: FromPath[str],
        template: FromQuery[str] = "QL62",
    ) -> Response[bytes]:
        code, _, kind = filename.rpartition(".")
        if kind not in ("png", "svg") or not code:
            raise NotFound("Étiquette introuvable : demandez CODE.png ou CODE.svg.")
        stock = sheets.stock_for(template)
        content = await sheets.single_label(request.user.scope, _public_url(request), code)
        if kind == "svg":
            svg = sheets.label_svg(content, stock)
            # No script can run from it, even opened directly in a browser.
            headers = {"Content-Security-Policy": "default-src 'none'", "Cache-Control": "no-store"}
            return Response(svg.encode(), media_type="image/svg+xml", headers=headers)
        png = await asyncio.to_thread(sheets.label_png, content, stock)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@get(
    SHEET_PATH,
    guards=[EDIT_FLEET],
    tags=["étiquettes"],
    media_type="application/pdf",
    summary="Planche d'étiquettes QR (PDF)",
    description=(
        "Les appareils choisis (numéros d'inventaire, établissement, modèle, état, sans "
        "étiquette ; critères cumulés), ou `blank` étiquettes vierges d'une région. Les "
        "appareils sans code en reçoivent un. 10 000 étiquettes au plus. Au-delà de "
        f"{INLINE_LABELS} (ou avec `Prefer: respond-async`) : 202 Accepted et "
        "`Location: /api/v1/jobs/{id}`, à suivre jusqu'au fichier. Formats : " + _TEMPLATES
    ),
)
async def label_sheet(
    request: Request[Principal, None, None],
    template: Annotated[str, QueryParameter(description="Format : " + _TEMPLATES)] = "L7160",
    offset: Annotated[
        int, QueryParameter(description="Étiquettes déjà utilisées sur la 1re planche")
    ] = 0,
    calibration_x: Annotated[
        float, QueryParameter(description="Décalage horizontal (mm, vers la droite)")
    ] = 0.0,
    calibration_y: Annotated[
        float, QueryParameter(description="Décalage vertical (mm, vers le bas)")
    ] = 0.0,
    tags: Annotated[
        str | None, QueryParameter(description="Numéros d'inventaire, séparés par des virgules")
    ] = None,
    establishment: Annotated[str | None, QueryParameter(description="UAI")] = None,
    model: QueryId = None,
    location: QueryId = None,
    asset_state: Annotated[str | None, QueryParameter(name="state", description="État")] = None,
    q: Annotated[
        str | None, QueryParameter(description="Partie d'un numéro d'inventaire ou de série")
    ] = None,
    unlabelled: Annotated[
        bool, QueryParameter(description="Seulement les appareils sans étiquette")
    ] = False,
    blank: Annotated[int | None, QueryParameter(description="Nombre d'étiquettes vierges")] = None,
    region: Annotated[
        str | None, QueryParameter(description="Région des étiquettes vierges (code INSEE)")
    ] = None,
) -> Response[bytes]:
    stock = sheets.check_print_options(template, offset, (calibration_x, calibration_y))
    selection = sheets.Selection(
        tags=_tags(tags),
        establishment_uai=(establishment or "").strip() or None,
        model_id=model,
        state=(asset_state or "").strip() or None,
        search=(q or "").strip()[:80] or None,
        location_id=location,
        unlabelled=unlabelled,
        blank=blank,
        region_code=region,
    )
    now = utcnow()
    contents = await sheets.label_contents(request.user.scope, now, _public_url(request), selection)
    name = f"etiquettes-{stock.key}-{now.strftime('%Y%m%d-%H%M')}.pdf"
    calibration = (calibration_x, calibration_y)
    if prefers_async(request) or len(contents) > INLINE_LABELS:
        arguments = label_arguments(contents, stock.key, offset, calibration, name)
        return await accepted(request, "label_sheet", arguments)
    sheet = await asyncio.to_thread(partial(sheets.render, contents, stock, offset, calibration))
    return Response(
        sheet.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@get(
    "/api/v1/assets/{tag:str}/label",
    guards=[EDIT_FLEET],
    tags=["étiquettes"],
    summary="Le code d'étiquette d'un appareil (créé s'il n'en a pas)",
)
async def asset_label(request: Request[Principal, None, None], tag: FromPath[str]) -> LabelOut:
    scope = request.user.scope
    asset_id = await assets.asset_id(scope, tag)
    code = (await assignment.codes_for_assets(scope, [asset_id], utcnow()))[asset_id]
    return LabelOut(code=code, url=label_url(_public_url(request), code))


# The same sheet for the labels page's form: a page address (its errors are French pages),
# not an API operation, so kept out of the OpenAPI.
label_sheet_page = get(
    SHEET_PAGE_PATH,
    guards=[EDIT_FLEET],
    media_type="application/pdf",
    include_in_schema=False,
    name="label_sheet_page",
)(label_sheet.fn)

ROUTES = [LabelController, label_sheet, label_sheet_page, asset_label]
