"""`/regions/{code}/annuaire`: a region manager (or an admin) imports the directory's AAF files.

Two steps, plain forms, no script: the upload answers with the dry run's report (nothing
written yet) and a confirm button; confirming imports the very files previewed, kept on the
server under the var directory between the two steps (`api.directory_uploads`: tied to the
account and the region, forgotten once imported or after a day). Re-uploading 300 MB of
exports to confirm would be slow on a school's connection, and could differ from what was
previewed.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody

from api.accounts.staff import Principal
from api.clock import utcnow
from api.controllers.directory_imports import IMPORT_DIRECTORY
from api.directory_uploads import BODY_LIMIT, FIELD, MAX_BYTES, forget, keep_uploads, kept_files
from api.pages.rendering import page
from inventory import regions
from inventory.errors import Invalid, NotFound
from loans.directory_import import import_directory

TEMPLATE = "pages/directory_import.html"


class ConfirmForm(msgspec.Struct):
    token: str = ""
    mode: str = ""


def _var_dir(request: Request):
    return request.app.state["settings"].var_dir


async def _region(request: Request[Principal, None, None], code: str):
    """The region, if the caller manages it; else the same 404 as an unknown one."""
    region = await regions.get_region(request.user.scope, code)
    if not request.user.scope.manages_region(region.id):
        raise NotFound(f"Région {code} introuvable.")
    return region


def _mode(raw: str) -> str | None:
    return raw if raw in ("complet", "delta") else None


class DirectoryImportPages(Controller):
    path = "/regions/{code:str}/annuaire"
    include_in_schema = False
    guards = [IMPORT_DIRECTORY]

    async def _page(self, request, region, *, status: int = 200, **context) -> Response:
        defaults = {"report": None, "errors": {}, "token": "", "mode": "", "field": FIELD}
        return page(
            request,
            TEMPLATE,
            status=status,
            region=region,
            max_megabytes=MAX_BYTES >> 20,
            **(defaults | context),
        )

    @get("/")
    async def form(self, request: Request[Principal, None, None], code: FromPath[str]) -> Response:
        return await self._page(request, await _region(request, code))

    @post("/", request_max_body_size=BODY_LIMIT, status_code=200)
    async def preview(
        self, request: Request[Principal, None, None], code: FromPath[str]
    ) -> Response:
        region = await _region(request, code)
        principal, var_dir = request.user, _var_dir(request)
        mode = str((await request.form()).get("mode") or "")
        try:
            token = await keep_uploads(request, var_dir, principal.account_id, region.code)
        except Invalid as error:
            return await self._page(request, region, status=422, errors=error.errors, mode=mode)
        try:
            report = await import_directory(
                principal.scope,
                principal.actor,
                utcnow(),
                region.code,
                kept_files(var_dir, token, principal.account_id, region.code),
                mode=_mode(mode),
                dry_run=True,
            )
        except Invalid as error:
            forget(var_dir, token)
            return await self._page(request, region, status=422, errors=error.errors, mode=mode)
        return await self._page(request, region, report=report, token=token, mode=report.mode)

    @post("/confirmer", status_code=200)
    async def confirm(
        self,
        request: Request[Principal, None, None],
        code: FromPath[str],
        data: URLEncodedBody[ConfirmForm],
    ) -> Response:
        region = await _region(request, code)
        principal, var_dir = request.user, _var_dir(request)
        try:
            files = kept_files(var_dir, data.token, principal.account_id, region.code)
        except NotFound as gone:
            return await self._page(request, region, status=404, errors={FIELD: gone.message})
        try:
            report = await import_directory(
                principal.scope,
                principal.actor,
                utcnow(),
                region.code,
                files,
                mode=_mode(data.mode),
                dry_run=False,
            )
        except Invalid as error:
            return await self._page(request, region, status=422, errors=error.errors)
        forget(var_dir, data.token)
        return await self._page(request, region, report=report)


ROUTES = [DirectoryImportPages]
