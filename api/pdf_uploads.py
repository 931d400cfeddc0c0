"""A PDF sent to be checked: as a multipart form (field `file`) or as the raw body
(`application/pdf`). Shared by the JSON API (`POST /api/v1/documents/verify`) and the public
verification page (`POST /verify`)."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import UploadFile

from api.request_checks import check_request
from inventory.errors import Invalid

MAX_PDF_BYTES = 20 * 1024 * 1024  # a sealed convention with scans stays well under it
BODY_LIMIT = MAX_PDF_BYTES + 1024 * 1024  # with room for the multipart framing
FIELD = "file"


def is_multipart(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type == "multipart/form-data"


async def verification_upload_checks(request: Request) -> None:
    """The app's checks (api.request_checks), but a multipart upload is taken from anyone:
    the API refuses form content types to protect session cookies from cross-site forms,
    and checking a file neither reads nor changes anything of the sender's (no
    authentication, nothing written). The path holds no input: nothing for a NUL there."""
    if not is_multipart(request):
        await check_request(request)


async def uploaded_pdf(request: Request) -> bytes:
    """The bytes of the file sent, or `Invalid` naming `file`."""
    if is_multipart(request):
        form = await request.form()
        files = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
        named = form.get(FIELD)
        upload = named if isinstance(named, UploadFile) else next(iter(files), None)
        data = await upload.read() if upload is not None else b""
        for file in files:
            await file.close()
        if upload is None:
            raise Invalid({FIELD: "choisissez un fichier PDF à vérifier"})
    else:
        data = await request.body()
    if not data:
        raise Invalid({FIELD: "fichier vide : envoyez un document PDF"})
    if len(data) > MAX_PDF_BYTES:
        megabytes = MAX_PDF_BYTES // 1024 // 1024
        raise Invalid({FIELD: f"fichier trop volumineux ({megabytes} Mo au plus)"})
    return data
