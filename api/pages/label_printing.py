"""`/arrivages/etiquettes`: print sheets of blank labels ahead of a delivery (until now the
`ordipret labels --blank` command only).

A POST with its CSRF token, not a GET link: printing creates the codes. A few hundred labels
are drawn at once (in a worker thread); more by the job queue (about 3 s for the maximum of
10,000 labels), the answer leading to the document's preparation page, as for the API.
"""

from __future__ import annotations

import asyncio
from functools import partial

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import URLEncodedBody

from api.accounts.staff import Principal
from api.clock import utcnow
from api.controllers.labels import INLINE_LABELS
from api.infra.security import EDIT_FLEET
from api.jobs.answers import accepted
from api.jobs.kinds import label_arguments
from api.pages.rendering import page
from inventory import regions
from inventory.errors import Invalid
from labels import assignment, sheets
from labels.stocks import STOCKS

PATH = "/arrivages/etiquettes"
DEFAULT_STOCK = "L7160"


class PrintForm(msgspec.Struct):
    template: str = DEFAULT_STOCK
    count: str = ""
    region: str = ""
    offset: str = "0"  # labels already used on the first sheet


def _count(raw: str) -> int | None:
    raw = raw.strip().replace(" ", "").replace("\u202f", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


class LabelPrintingPages(Controller):
    path = PATH
    include_in_schema = False
    guards = [EDIT_FLEET]

    async def _form(
        self,
        request: Request[Principal, None, None],
        *,
        status: int = 200,
        form: PrintForm | None = None,
        errors: dict | None = None,
    ) -> Response:
        return page(
            request,
            "pages/intake_labels.html",
            status=status,
            form=form or PrintForm(),
            errors=errors or {},
            stocks={key: stock for key, stock in STOCKS.items()},
            regions=await regions.list_regions(request.user.scope),
            max_labels=assignment.MAX_BLANK,
        )

    @get("/")
    async def form(self, request: Request[Principal, None, None]) -> Response:
        return await self._form(request)

    @post("/", status_code=200)
    async def print_sheet(
        self, request: Request[Principal, None, None], data: URLEncodedBody[PrintForm]
    ) -> Response:
        errors = {}
        count = _count(data.count)
        if count is None or not 1 <= count <= assignment.MAX_BLANK:
            errors["count"] = (
                f"Indiquez un nombre d'étiquettes entre 1 et {assignment.MAX_BLANK:,}".replace(
                    ",", "\u202f"
                )
                + " par planche."
            )
        offset = _count(data.offset or "0")
        if data.template not in STOCKS:
            errors["template"] = "Choisissez un format d'étiquettes dans la liste."
        else:
            try:
                sheets.check_print_options(data.template, offset or 0, (0.0, 0.0))
            except Invalid as error:
                errors.update({k: v[:1].upper() + v[1:] + "." for k, v in error.errors.items()})
            if offset is None:
                errors["offset"] = "Indiquez un nombre d'étiquettes déjà utilisées (0 par défaut)."
        if errors:
            return await self._form(request, status=422, form=data, errors=errors)
        assert count is not None and offset is not None
        stock = STOCKS[data.template]
        now = utcnow()
        selection = sheets.Selection(blank=count, region_code=data.region.strip() or None)
        try:
            contents = await sheets.label_contents(
                request.user.scope, now, request.app.state["settings"].public_url, selection
            )
        except Invalid as error:
            fields = {("count" if k == "blank" else k): v for k, v in error.errors.items()}
            fields = {k: v[:1].upper() + v[1:] + "." for k, v in fields.items()}
            return await self._form(request, status=422, form=data, errors=fields)
        name = f"etiquettes-vierges-{stock.key}-{now.strftime('%Y%m%d-%H%M')}.pdf"
        if len(contents) > INLINE_LABELS:
            arguments = label_arguments(contents, stock.key, offset, (0.0, 0.0), name)
            return await accepted(request, "label_sheet", arguments, page=True)
        sheet = await asyncio.to_thread(partial(sheets.render, contents, stock, offset))
        return Response(
            sheet.pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )


ROUTES = [LabelPrintingPages]
