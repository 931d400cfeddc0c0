"""Photos of damage taken when a device comes back, kept as evidence with the loan.

Each photo is a `Document` of kind photo: its bytes go to the storage the API passes in
(`loans.storage`, never chosen here), addressed by their hash, which says nothing about the
student. Only JPEG and PNG are kept, recognised by their first bytes, not by what the client
declared.

Photos taken before documents existed are files under the old photo directory, named in
`LoanPhoto.file_name`: they are still served from there (`legacy_dir`) until
`adopt_legacy_photos` (the `ordipret migrate-photos` command) moves them into the storage.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path

import msgspec

from inventory.db import for_update, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Actor, Scope
from loans.documents import new_document
from loans.lifecycle import record_loan_event
from loans.records import loan_row
from loans.storage import Storage
from loans.tables import Document, LoanPhoto

MAX_BYTES = 5 * 1024 * 1024
MAX_PER_LOAN = 12
PHOTOS_PER_REQUEST = 4  # in one upload
SIGNATURES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
SUFFIXES = {"image/jpeg": ".jpg", "image/png": ".png"}
_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")


class PhotoView(msgspec.Struct, frozen=True):
    id: int
    content_type: str
    taken_at: dt.datetime


def content_type_of(content: bytes) -> str | None:
    for content_type, signature in SIGNATURES.items():
        if content.startswith(signature):
            return content_type
    return None


def check_photos(photos: list[bytes], field: str = "photos") -> list[str]:
    """The content type of each photo; Invalid naming `photos[i]` for a wrong one."""
    errors, types = {}, []
    for index, content in enumerate(photos):
        content_type = content_type_of(content)
        if not content:
            errors[f"{field}[{index}]"] = "fichier vide"
        elif len(content) > MAX_BYTES:
            errors[f"{field}[{index}]"] = "photo trop lourde : 5 Mo au plus"
        elif content_type is None:
            errors[f"{field}[{index}]"] = "format non pris en charge : JPEG ou PNG attendu"
        types.append(content_type or "")
    if errors:
        raise Invalid(errors)
    return types


async def add_photos(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    photos: list[bytes],
    storage: Storage,
) -> list[PhotoView]:
    """Keep the photos with the loan, once the device has been handed over (a photo of
    damage before that belongs to the device's own history, not to a loan)."""
    if not photos:
        raise Invalid({"photos": "joignez au moins une photo"})
    types = check_photos(photos)
    await loan_row(scope, loan_id)  # out of scope: not found, before anything is written
    # Bytes first, outside the transaction (SQLite holds its only write lock during it). A
    # refusal below leaves them unreferenced, never half a photo: content-addressed bytes
    # may be shared with another document, so they are not removed here.
    hashes = [await storage.put(content) for content in photos]
    async with write_transaction():
        row = await loan_row(scope, loan_id, lock=True)
        if row["handed_over_at"] is None:
            raise Conflict(
                f"Prêt n° {loan_id} : l'appareil n'a pas été remis, il n'y a rien à "
                "photographier pour ce prêt.",
                field="photos",
            )
        count = await LoanPhoto.count().where(LoanPhoto.loan == loan_id)
        if count + len(photos) > MAX_PER_LOAN:
            raise Invalid({"photos": f"{MAX_PER_LOAN} photos au plus par prêt"})
        documents = await Document.insert(
            *(
                new_document(
                    row, actor, now, kind="photo", data=content, media_type=t, sha256=sha256
                )
                for content, t, sha256 in zip(photos, types, hashes, strict=True)
            )
        ).returning(Document.id)
        inserted = await LoanPhoto.insert(
            *(
                LoanPhoto(
                    loan=loan_id, file_name="", content_type=t, taken_at=now, document=d["id"]
                )
                for d, t in zip(documents, types, strict=True)
            )
        ).returning(LoanPhoto.id)
        await record_loan_event(
            loan_id,
            actor,
            now,
            "photos_added",
            {"photos": [count, count + len(photos)]},
            row["establishment"],
        )
    return [
        PhotoView(id=r["id"], content_type=t, taken_at=now)
        for r, t in zip(inserted, types, strict=True)
    ]


async def list_photos(scope: Scope, loan_id: int) -> list[PhotoView]:
    await loan_row(scope, loan_id)
    rows = await (
        LoanPhoto.select(LoanPhoto.id, LoanPhoto.content_type, LoanPhoto.taken_at)
        .where(LoanPhoto.loan == loan_id)
        .order_by(LoanPhoto.id)
    )
    return [PhotoView(**row) for row in rows]


async def photo_content(
    scope: Scope, loan_id: int, photo_id: int, storage: Storage, legacy_dir: Path
) -> tuple[bytes, str]:
    """The bytes of one photo of a loan the caller may see, and its content type."""
    await loan_row(scope, loan_id)
    row = (
        await LoanPhoto.select(
            LoanPhoto.file_name, LoanPhoto.content_type, LoanPhoto.document.sha256
        )
        .where((LoanPhoto.id == photo_id) & (LoanPhoto.loan == loan_id))
        .first()
    )
    if row is None:
        raise NotFound(f"Photo n° {photo_id} introuvable.")
    if row["document.sha256"] is not None:
        return await storage.get(row["document.sha256"]), row["content_type"]
    return await _legacy_file(legacy_dir, row["file_name"], photo_id), row["content_type"]


async def _legacy_file(legacy_dir: Path, file_name: str, photo_id: int) -> bytes:
    """A photo taken before documents existed, by its random file name."""
    if not _NAME.match(file_name):
        raise NotFound(f"Photo n° {photo_id} introuvable.")
    try:
        return await asyncio.to_thread((legacy_dir / file_name).read_bytes)
    except FileNotFoundError:
        raise NotFound(f"Photo n° {photo_id} introuvable.") from None


class AdoptedPhotos(msgspec.Struct, frozen=True):
    adopted: int
    missing: list[str]  # file names of rows whose file is not in the directory


async def adopt_legacy_photos(storage: Storage, legacy_dir: Path, actor: Actor) -> AdoptedPhotos:
    """Move the photos taken before documents existed into the storage: each becomes a
    `Document` of kind photo (created when the photo was taken), and its row forgets the file
    name. Idempotent; run it on the host that holds the old photo directory. The old files
    are left for the operator to delete once the command reports no missing file."""
    rows = await (
        LoanPhoto.select(
            LoanPhoto.id,
            LoanPhoto.loan,
            LoanPhoto.file_name,
            LoanPhoto.content_type,
            LoanPhoto.taken_at,
        )
        .where(LoanPhoto.document.is_null())
        .order_by(LoanPhoto.id)
    )
    adopted, missing = 0, []
    for photo in rows:
        try:
            content = await _legacy_file(legacy_dir, photo["file_name"], photo["id"])
        except NotFound:
            missing.append(photo["file_name"])
            continue
        sha256 = await storage.put(content)
        async with write_transaction():
            still_legacy = for_update(
                LoanPhoto.select(LoanPhoto.id).where(
                    (LoanPhoto.id == photo["id"]) & LoanPhoto.document.is_null()
                ),
                LoanPhoto,
            )
            if not await still_legacy:  # adopted meanwhile by another run
                continue
            loan = await loan_row(Scope.platform(), photo["loan"])
            document = new_document(
                loan,
                actor,
                photo["taken_at"],
                kind="photo",
                data=content,
                media_type=photo["content_type"],
                sha256=sha256,
            )
            inserted = await Document.insert(document).returning(Document.id)
            await LoanPhoto.update(
                {LoanPhoto.document: inserted[0]["id"], LoanPhoto.file_name: ""}
            ).where(LoanPhoto.id == photo["id"])
        adopted += 1
    return AdoptedPhotos(adopted=adopted, missing=missing)
