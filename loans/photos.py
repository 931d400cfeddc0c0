"""Photos of damage taken when a device comes back, kept as evidence with the loan.

The files live in a storage directory the API passes in (never read from the environment
here), under random names: a name says nothing about the student and cannot be guessed.
Only JPEG and PNG are kept, recognised by their first bytes, not by what the client declared.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import secrets
from pathlib import Path

import msgspec

from inventory.db import write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Actor, Scope
from loans.lifecycle import record_loan_event
from loans.records import loan_row
from loans.tables import LoanPhoto

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


def _write_all(paths: list[Path], contents: list[bytes]) -> None:
    for path, content in zip(paths, contents, strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


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
    storage: Path,
) -> list[PhotoView]:
    """Keep the photos with the loan, once the device has been handed over (a photo of
    damage before that belongs to the device's own history, not to a loan)."""
    if not photos:
        raise Invalid({"photos": "joignez au moins une photo"})
    types = check_photos(photos)
    await loan_row(scope, loan_id)  # out of scope: not found, before anything is written
    # Files first, outside the transaction (SQLite holds its only write lock during it);
    # a refusal below removes them again.
    names = [secrets.token_hex(16) + SUFFIXES[t] for t in types]
    paths = [storage / name for name in names]
    await asyncio.to_thread(_write_all, paths, photos)
    try:
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
            inserted = await LoanPhoto.insert(
                *(
                    LoanPhoto(loan=loan_id, file_name=name, content_type=t, taken_at=now)
                    for name, t in zip(names, types, strict=True)
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
    except BaseException:
        for path in paths:  # nothing half-written: no file without its row
            with contextlib.suppress(OSError):
                path.unlink()
        raise
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


async def photo_file(scope: Scope, loan_id: int, photo_id: int, storage: Path) -> tuple[Path, str]:
    """The file of one photo of a loan the caller may see, and its content type."""
    await loan_row(scope, loan_id)
    row = (
        await LoanPhoto.select(LoanPhoto.file_name, LoanPhoto.content_type)
        .where((LoanPhoto.id == photo_id) & (LoanPhoto.loan == loan_id))
        .first()
    )
    if row is None or not _NAME.match(row["file_name"]):
        raise NotFound(f"Photo n° {photo_id} introuvable.")
    path = storage / row["file_name"]
    if not path.is_file():
        raise NotFound(f"Photo n° {photo_id} introuvable.")
    return path, row["content_type"]
