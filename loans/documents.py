"""Documents of a loan: agreements, sealed records, signature images, paper scans, receipts,
damage photos. The bytes go to a `Storage` (loans.storage); the `Document` row keeps what
they are and where they belong, and that placement decides who may read them."""

from __future__ import annotations

import datetime as dt
import secrets

import msgspec

from inventory.db import write_transaction
from inventory.errors import Invalid, NotFound
from inventory.scope import Actor, Scope
from loans.records import loan_row
from loans.storage import Storage
from loans.tables import Document

KINDS = ("agreement", "sealed_agreement", "receipt", "signature", "paper_scan", "photo")
MEDIA_TYPE_MAX = 100


class DocumentView(msgspec.Struct, frozen=True):
    id: int
    kind: str
    sha256: str
    size: int
    media_type: str
    loan_id: int | None
    version: int
    public_id: str
    created_at: dt.datetime
    created_by: str


_COLUMNS = (
    Document.id,
    Document.kind,
    Document.sha256,
    Document.size,
    Document.media_type,
    Document.loan,
    Document.version,
    Document.public_id,
    Document.created_at,
    Document.created_by_name,
)


def _view(row: dict) -> DocumentView:
    return DocumentView(
        id=row["id"],
        kind=row["kind"],
        sha256=row["sha256"],
        size=row["size"],
        media_type=row["media_type"],
        loan_id=row["loan"],
        version=row["version"],
        public_id=row["public_id"],
        created_at=row["created_at"],
        created_by=row["created_by_name"],
    )


def _check(kind: str, data: bytes, media_type: str, version: int) -> None:
    errors = {}
    if kind not in KINDS:
        errors["kind"] = f"type de document inconnu : {', '.join(KINDS)} attendu"
    if not data:
        errors["data"] = "document vide"
    if not media_type or len(media_type) > MEDIA_TYPE_MAX or "/" not in media_type:
        errors["media_type"] = "type de contenu attendu, comme application/pdf"
    if version < 1:
        errors["version"] = "1 ou plus"
    if errors:
        raise Invalid(errors)


def new_document(
    loan: dict,
    actor: Actor,
    now: dt.datetime,
    *,
    kind: str,
    data: bytes,
    media_type: str,
    sha256: str,
    version: int = 1,
    public_id: str | None = None,
) -> Document:
    """The row of a document whose bytes are already stored, placed where its loan is.
    For use-cases that write it in their own transaction (photos, with their event)."""
    return Document(
        kind=kind,
        sha256=sha256,
        size=len(data),
        media_type=media_type,
        loan=loan["id"],
        version=version,
        public_id=public_id or secrets.token_hex(16),
        region=loan["region_id"],
        establishment=loan["establishment"],
        created_at=now,
        created_by_id=actor.id,
        created_by_name=actor.name,
    )


async def store_document(
    storage: Storage,
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    *,
    kind: str,
    data: bytes,
    media_type: str,
    loan_id: int,
    version: int = 1,
    public_id: str | None = None,
) -> DocumentView:
    """Keep a document of a loan the caller may see. `public_id`: the one its verification
    address names, when it is already printed elsewhere (a sealed convention takes its
    convention's, so the QR on the paper opens it); a new random one by default.

    The bytes are stored first, outside the transaction (SQLite holds its only write lock
    during it). When the row is then refused, the bytes stay as an orphan: harmless, since
    they are content-addressed and reachable from no row; they cannot be removed here, as
    another document may hold the same bytes."""
    _check(kind, data, media_type, version)
    await loan_row(scope, loan_id)  # out of scope: not found, before anything is stored
    sha256 = await storage.put(data)
    async with write_transaction():
        loan = await loan_row(scope, loan_id, lock=True)
        document = new_document(
            loan,
            actor,
            now,
            kind=kind,
            data=data,
            media_type=media_type,
            sha256=sha256,
            version=version,
            public_id=public_id,
        )
        row = (await Document.insert(document).returning(*_COLUMNS))[0]
    return _view(row)


async def get_document(
    storage: Storage, scope: Scope, document_id: int
) -> tuple[DocumentView, bytes]:
    """A document the caller may see, with its bytes; NotFound outside the scope."""
    query = Document.select(*_COLUMNS).where(Document.id == document_id)
    if (clause := scope.restrict(Document.region, Document.establishment)) is not None:
        query = query.where(clause)
    row = await query.first()
    if row is None:
        raise NotFound(f"Document n° {document_id} introuvable.")
    return _view(row), await storage.get(row["sha256"])  # the storage checks the hash


async def list_documents(scope: Scope, loan_id: int) -> list[DocumentView]:
    """The documents of a loan the caller may see, oldest first."""
    await loan_row(scope, loan_id)
    rows = await Document.select(*_COLUMNS).where(Document.loan == loan_id).order_by(Document.id)
    return [_view(row) for row in rows]


def verification_url(public_url: str, public_id: str) -> str:
    """Where a document's QR code leads: its public check."""
    return f"{public_url.rstrip('/')}/verify/{public_id}"


async def store_document_once(
    storage: Storage,
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    *,
    kind: str,
    data: bytes,
    media_type: str,
    loan_id: int,
    version: int = 1,
    public_id: str | None = None,
    once_per_public_id: bool = False,
) -> DocumentView:
    """`store_document` for a kind a loan holds once (its return receipt): when the loan
    already has a document of that kind, that one is returned and nothing is written. With
    `once_per_public_id`, once per `public_id` instead (a sealed convention: once per version
    of the convention). The check and the insert share one transaction on the locked loan,
    so two concurrent calls keep one document."""
    _check(kind, data, media_type, version)
    await loan_row(scope, loan_id)
    sha256 = await storage.put(data)  # outside the transaction, as in store_document
    async with write_transaction():
        loan = await loan_row(scope, loan_id, lock=True)
        existing = (
            await public_document(public_id, (kind,))
            if once_per_public_id and public_id is not None
            else await _latest(loan_id, kind)
        )
        if existing is not None:
            return existing
        document = new_document(
            loan,
            actor,
            now,
            kind=kind,
            data=data,
            media_type=media_type,
            sha256=sha256,
            version=version,
            public_id=public_id,
        )
        row = (await Document.insert(document).returning(*_COLUMNS))[0]
    return _view(row)


async def document_of_kind(scope: Scope, loan_id: int, kind: str) -> DocumentView | None:
    """The latest document of `kind` of a loan the caller may see, or None."""
    await loan_row(scope, loan_id)
    return await _latest(loan_id, kind)


async def _latest(loan_id: int, kind: str) -> DocumentView | None:
    row = (
        await Document.select(*_COLUMNS)
        .where((Document.loan == loan_id) & (Document.kind == kind))
        .order_by(Document.version, ascending=False)
        .order_by(Document.id, ascending=False)
        .first()
    )
    return None if row is None else _view(row)


async def public_document(public_id: str, kinds: tuple[str, ...]) -> DocumentView | None:
    """A document by its public id, for anyone who holds it (the verification page, which
    the QR code of a sealed document leads to): no scope, only the `kinds` meant to be
    checked in public. The id is 128 random bits, so holding it is the permission."""
    if len(public_id) != 32:  # token_hex(16): spare a query for anything else
        return None
    row = (
        await Document.select(*_COLUMNS)
        .where((Document.public_id == public_id) & Document.kind.is_in(list(kinds)))
        .first()
    )
    return None if row is None else _view(row)
