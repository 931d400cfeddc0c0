"""Documents of loans (agreements, sealed records, signatures, paper scans, receipts, damage
photos): their list and their bytes. Readable by every staff member whose scope sees the loan;
outside it a document is not found, like any other row."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Controller, Request, Response, get

from api.access_log import note_read
from api.accounts.staff import Principal
from api.bodies import PathId
from api.infra.storage import storage_of
from loans import documents
from loans.access_log import Read
from loans.documents import DocumentView

# The file name a download suggests, by media type; others get no extension.
SUFFIXES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/svg+xml": ".svg",
}
# Shown in the browser; anything else (an SVG could carry a script) is downloaded.
INLINE = {"application/pdf", "image/jpeg", "image/png"}


class DocumentOut(msgspec.Struct):
    id: int
    kind: str
    media_type: str
    size: int
    sha256: str
    version: int
    loan_id: int | None
    created_at: dt.datetime
    created_by: str
    href: str


def document_response(view: DocumentView, content: bytes, headers: dict[str, str]) -> Response:
    """A kept document as its reader gets it (staff API, student space): named by its id,
    kind and version, shown inline when a browser can, never cached nor sniffed."""
    name = f"document-{view.id}-{view.kind}-v{view.version}" + SUFFIXES.get(view.media_type, "")
    disposition = "inline" if view.media_type in INLINE else "attachment"
    return Response(
        content,
        media_type=view.media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            **headers,
        },
    )


def document_href(document_id: int) -> str:
    return f"/api/v1/documents/{document_id}"


def _out(view: DocumentView) -> DocumentOut:
    return DocumentOut(
        id=view.id,
        kind=view.kind,
        media_type=view.media_type,
        size=view.size,
        sha256=view.sha256,
        version=view.version,
        loan_id=view.loan_id,
        created_at=view.created_at,
        created_by=view.created_by,
        href=document_href(view.id),
    )


class DocumentController(Controller):
    path = "/api/v1"
    tags = ["documents"]

    @get("/documents/{document_id:int}", summary="Le contenu d'un document", media_type="")
    async def document(
        self, request: Request[Principal, None, None], document_id: PathId
    ) -> Response[bytes]:
        view, content = await documents.get_document(
            storage_of(request), request.user.scope, document_id
        )
        note_read(request, Read("document", document_id=document_id))
        return document_response(view, content, {"ETag": f'"{view.sha256}"'})

    @get("/loans/{loan_id:int}/documents", summary="Les documents d'un prêt")
    async def loan_documents(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> list[DocumentOut]:
        found = await documents.list_documents(request.user.scope, loan_id)
        return [_out(view) for view in found]


ROUTES = [DocumentController]
