"""`/arrivages/import`: the CSV import of devices as a page, in two steps.

The upload answers with the dry run (`inventory.asset_import`, nothing written): errors per
line and column, or the rows that would be created, and a confirm button. Confirming imports
the very file previewed, kept on the server (`api.csv_uploads`), all or nothing; the result
page follows. Plain forms, no script.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import URLEncodedBody

from api.accounts.staff import Principal
from api.clock import utcnow
from api.csv_uploads import ASSET_CSV
from api.infra.security import EDIT_FLEET
from api.pages.rendering import page
from inventory import asset_import
from inventory.csv_format import COLUMNS
from inventory.errors import Conflict, Invalid, NotFound

PATH = "/arrivages/import"
TEMPLATE = "pages/intake_import.html"


class ConfirmForm(msgspec.Struct):
    token: str = ""


def _var_dir(request: Request):
    return request.app.state["settings"].var_dir


class AssetImportPages(Controller):
    path = PATH
    include_in_schema = False
    guards = [EDIT_FLEET]

    async def _page(self, request, *, status: int = 200, **context) -> Response:
        defaults = {"report": None, "dry_run": True, "errors": {}, "token": "", "name": ""}
        return page(
            request,
            TEMPLATE,
            status=status,
            field=ASSET_CSV.field,
            columns=COLUMNS,
            max_megabytes=ASSET_CSV.max_bytes >> 20,
            max_rows=asset_import.MAX_ROWS,
            preview_rows=asset_import.PREVIEW_ROWS,
            **(defaults | context),
        )

    @get("/")
    async def form(self, request: Request[Principal, None, None]) -> Response:
        return await self._page(request)

    @post("/", request_max_body_size=ASSET_CSV.body_limit, status_code=200)
    async def preview(self, request: Request[Principal, None, None]) -> Response:
        principal, var_dir = request.user, _var_dir(request)
        try:
            token, name = await ASSET_CSV.keep(request, var_dir, principal.account_id)
        except Invalid as error:
            return await self._page(request, status=422, errors=error.errors)
        data, _ = ASSET_CSV.kept(var_dir, token, principal.account_id)
        report = await asset_import.import_assets(
            principal.scope, principal.actor, utcnow(), data, dry_run=True
        )
        if report.errors:
            ASSET_CSV.forget(var_dir, token)  # nothing to confirm: the corrected file comes anew
            return await self._page(request, status=422, report=report, name=name)
        return await self._page(request, report=report, token=token, name=name)

    @post("/confirmer", status_code=200)
    async def confirm(
        self, request: Request[Principal, None, None], data: URLEncodedBody[ConfirmForm]
    ) -> Response:
        principal, var_dir = request.user, _var_dir(request)
        try:
            content, name = ASSET_CSV.kept(var_dir, data.token, principal.account_id)
        except NotFound as gone:
            return await self._page(request, status=404, errors={ASSET_CSV.field: gone.message})
        try:
            report = await asset_import.import_assets(
                principal.scope, principal.actor, utcnow(), content, dry_run=False
            )
        except Conflict as error:
            return await self._page(request, status=409, errors={ASSET_CSV.field: error.message})
        if report.errors:  # someone took some of these numbers since the preview
            ASSET_CSV.forget(var_dir, data.token)
            return await self._page(request, status=422, report=report, name=name)
        ASSET_CSV.forget(var_dir, data.token)
        return await self._page(request, report=report, dry_run=False, name=name)


ROUTES = [AssetImportPages]
