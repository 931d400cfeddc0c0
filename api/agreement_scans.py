"""A scanned stack of signed conventions, from the API or the staff page: the upload read
into bytes, filed (`loans.scan_intake`), then each convention it completed sealed.

Sealing comes after the signatures' own transactions and never undoes them
(`api.sealed_agreements`)."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import UploadFile

from api.accounts.staff import Principal
from api.clock import utcnow
from api.infra.storage import storage_of
from api.pdf_uploads import is_multipart
from api.sealed_agreements import seal_after_signature
from inventory.errors import Invalid
from loans.scan_intake import ScanReport, file_scanned_stack

MAX_SCAN_BYTES = 64 * 1024 * 1024  # a few classes at 200 dpi; a whole school: several uploads
BODY_LIMIT = MAX_SCAN_BYTES + 1024 * 1024
FIELD = "file"


async def uploaded_scan(request: Request) -> bytes:
    """The PDF of a multipart form (field `file`) or of the raw body; `Invalid` on `file`."""
    if is_multipart(request):
        form = await request.form()
        upload = form.get(FIELD)
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        for _, value in form.multi_items():
            if isinstance(value, UploadFile):
                await value.close()
    else:
        data = await request.body()
    if not data:
        raise Invalid({FIELD: "choisissez le PDF de la pile numérisée"})
    if len(data) > MAX_SCAN_BYTES:
        raise Invalid({FIELD: f"{MAX_SCAN_BYTES // 1024 // 1024} Mo au plus par dépôt"})
    return data


async def file_and_seal(request: Request[Principal, None, None], pdf: bytes) -> ScanReport:
    principal = request.user
    now = utcnow()
    report = await file_scanned_stack(
        storage_of(request), principal.scope, principal.actor, now, pdf, max_bytes=MAX_SCAN_BYTES
    )
    for loan_id in report.completed:
        await seal_after_signature(request, principal.scope, principal.actor, loan_id, now)
    return report
