"""`/verify/{public_id}`: where the QR code of a sealed convention or receipt leads, for anyone.

The page checks the document as ordipret keeps it (valid or altered), and tells which kind of
document it is, when and by whom it was sealed, and says plainly when the seal is only a
demonstration. Nothing personal beyond initials. A small form (`POST /verify`) checks a file
the visitor holds, such as the copy they were given.

Public pages, like `/a/{code}`: no account, not indexed, not cached, and the address (which
holds the document's public id) is not passed on to the sites a visitor opens next.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from api.clock import utcnow
from api.infra.seal import trusted_certificates
from api.infra.storage import storage_of
from api.pages.found import FOUND_HEADERS
from api.pdf_uploads import BODY_LIMIT, FIELD, MAX_PDF_BYTES, uploaded_pdf
from api.sealed_agreements import seal_if_complete
from inventory.errors import Invalid
from loans.public_verification import awaiting_signatures, check_public
from loans.sealing import verify_async

TEMPLATE = "pages/verify.html"
# What the page calls each outcome of a check, in one word then in a title.
OUTCOMES = {
    "intact": ("valide", "Document valide"),
    "altered": ("altéré", "Document altéré"),
    "unsealed": ("non scellé", "Document non scellé"),
    "unreadable": ("illisible", "Fichier illisible"),
}


def _page(request: Request, *, status: int = 200, **context: Any) -> Template:
    return Template(
        template_name=TEMPLATE,
        context={
            "outcomes": OUTCOMES,
            "max_megabytes": MAX_PDF_BYTES // 1024 // 1024,
            "field": FIELD,
            "document": None,
            "upload": None,
            "unknown": False,
            "awaiting": None,
            "error": "",
            **context,
        },
        status_code=status,
        headers=FOUND_HEADERS,
    )


def _trusted(request: Request) -> list:
    return trusted_certificates(request.app.state["settings"])


@get("/verify", exclude_from_auth=True, include_in_schema=False, name="verify_form")
async def verify_form(request: Request) -> Template:
    return _page(request)


@get(
    ["/verify/{public_id:str}", "/VERIFY/{public_id:str}"],
    exclude_from_auth=True,
    include_in_schema=False,
    name="verify_document",
)
async def verify_document(request: Request, public_id: FromPath[str]) -> Template:
    """The QR code's address: the document ordipret keeps, checked again now."""
    found = await check_public(storage_of(request), public_id, _trusted(request))
    if found is None:
        awaiting = await awaiting_signatures(public_id)
        if awaiting is not None and awaiting.complete and not awaiting.superseded:
            # Signed, but its sealing failed or has not run: seal it now, then show it.
            await seal_if_complete(request, public_id.strip().lower(), utcnow())
            found = await check_public(storage_of(request), public_id, _trusted(request))
    if found is None:
        if awaiting is not None:
            return _page(request, awaiting=awaiting)
        return _page(request, status=404, unknown=True)
    return _page(request, document=found, verification=found.verification)


@post(
    "/verify",
    exclude_from_auth=True,
    include_in_schema=False,
    request_max_body_size=BODY_LIMIT,
    name="verify_upload",
)
async def verify_upload(request: Request) -> Template:
    """A file the visitor holds, checked against the region's seal; nothing is kept."""
    try:
        pdf = await uploaded_pdf(request)
    except Invalid as refused:
        return _page(request, status=422, error=refused.fields[FIELD])
    verification = await verify_async(pdf, _trusted(request))
    if verification.status == "unreadable":
        return _page(request, status=422, error=verification.summary)
    return _page(request, upload=verification, verification=verification)


ROUTES = [verify_form, verify_document, verify_upload]
