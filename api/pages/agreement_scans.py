"""`/conventions/depot`: the staff page to upload a scanned stack of signed conventions and
read what became of every page. A plain multipart form, no script: the answer is the report
itself (the stack is read while the page waits, about 45 ms a page, off the event loop)."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Template

from api.accounts.staff import Principal
from api.agreement_scans import BODY_LIMIT, FIELD, MAX_SCAN_BYTES, file_and_seal, uploaded_scan
from api.infra.security import LOAN_DESK
from api.pages.rendering import page
from inventory.errors import Invalid

PATH = "/conventions/depot"
TEMPLATE = "pages/agreement_scans.html"


def _page(request: Request, *, status: int = 200, **context) -> Template:
    return page(
        request,
        TEMPLATE,
        status=status,
        **{"report": None, "error": "", "field": FIELD, "max_megabytes": MAX_SCAN_BYTES >> 20}
        | context,
    )


@get(PATH, guards=[LOAN_DESK], include_in_schema=False, name="agreement_scans_form")
async def scans_form(request: Request[Principal, None, None]) -> Template:
    return _page(request)


@post(
    PATH,
    guards=[LOAN_DESK],
    include_in_schema=False,
    request_max_body_size=BODY_LIMIT,
    status_code=200,
    name="agreement_scans_upload",
)
async def scans_upload(request: Request[Principal, None, None]) -> Template:
    try:
        report = await file_and_seal(request, await uploaded_scan(request))
    except Invalid as refused:
        return _page(request, status=422, error=refused.fields.get(FIELD, refused.message))
    return _page(request, report=report)


ROUTES = [scans_form, scans_upload]
