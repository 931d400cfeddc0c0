"""Damage photos on the web: reading a multipart upload into bytes for `loans.photos`, and
their addresses. Shared by the JSON API and the return page. Where the bytes are kept is
`api.infra.storage`."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import UploadFile

from api.request_checks import check_request
from inventory.errors import Invalid
from loans.photos import MAX_BYTES, PHOTOS_PER_REQUEST

# What an upload of the most photos may weigh, with room for the multipart framing.
BODY_LIMIT = PHOTOS_PER_REQUEST * MAX_BYTES + 1024 * 1024


def photo_href(loan_id: int, photo_id: int) -> str:
    return f"/api/v1/loans/{loan_id}/photos/{photo_id}"


async def photo_upload_checks(request: Request) -> None:
    """The app's checks (api.request_checks), but for one thing: a multipart upload is taken
    from clients a cross-site HTML form cannot imitate, those sending a bearer token or an
    `X-Requested-With` header. Either forces a CORS preflight, which this site never grants,
    so the refusal of form content types keeps protecting session cookies from CSRF here."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
    if content_type == "multipart/form-data" and (
        bearer or request.headers.get("x-requested-with")
    ):
        return  # only the files are read, the path holds two integers: nothing for a NUL
    await check_request(request)


async def uploaded_photos(request: Request) -> list[bytes]:
    """Every file of a multipart form, whatever its field name, in order."""
    form = await request.form()
    files = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
    if len(files) > PHOTOS_PER_REQUEST:
        raise Invalid({"photos": f"{PHOTOS_PER_REQUEST} photos au plus par envoi"})
    contents = [await upload.read() for upload in files]
    for upload in files:
        await upload.close()
    return [content for content in contents if content]
