"""The documents of a storage directory: copied into the archive after the database's
snapshot, put back into the target's storage, and checked against the restored rows.

Copying AFTER the snapshot is what makes the pair consistent: bytes are stored before the row
that names them is committed (`loans.documents.store_document`), and stored bytes are never
rewritten, so every document the snapshot names is already on disk when the copy starts.
Files added since are copied too: content-addressed and named by no row, they are harmless.
"""

from __future__ import annotations

import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from api.infra.backup.archive import ArchiveWriter, Manifest, document_member, member_bytes
from inventory.errors import NotFound
from loans.storage import CorruptedContent, Storage, sha256_of
from loans.tables import Document

_NAME = re.compile(r"^[0-9a-f]{64}$")
BATCH = 500


def stored_files(root: Path) -> list[tuple[str, Path]]:
    """(sha256, path) of every document file under `root/ab/cd/` (not the `.put-` files of
    a write in progress)."""
    if not root.is_dir():
        return []
    return sorted(
        (path.name, path)
        for path in root.glob("??/??/*")
        if _NAME.match(path.name) and path.name[:2] == path.parent.parent.name
    )


def holds_documents(root: Path) -> bool:
    return root.is_dir() and any(path.is_file() for path in root.rglob("*"))


def copy_into(writer: ArchiveWriter, root: Path, named: frozenset[str], advance) -> list[str]:
    """Copy every stored document; the documents `named` by the snapshot that could not be
    copied (gone or damaged), which the manifest records."""
    files, copied = stored_files(root), set()
    for done, (sha256, path) in enumerate(files, start=1):
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # deleted since listed: an expired job's result
            continue
        if sha256_of(data) == sha256:  # damaged bytes would be restored under another name
            writer.add_bytes(document_member(sha256), data)
            copied.add(sha256)
        advance(done, len(files))
    advance(len(files), len(files))
    return sorted(named - copied)


async def put_back(tar: tarfile.TarFile, manifest: Manifest, storage: Storage, advance) -> None:
    entries = manifest.documents
    for done, entry in enumerate(entries, start=1):
        await storage.put(member_bytes(tar, entry))
        advance(done, len(entries))


@dataclass
class DocumentCheck:
    checked: int = 0  # document rows
    missing: list[int] = field(default_factory=list)  # ids of rows without their bytes
    damaged: list[int] = field(default_factory=list)  # ids of rows whose bytes lost their hash


async def check_all(storage: Storage, advance) -> DocumentCheck:
    """Every `document` row has its bytes in the storage, and they still have its hash."""
    result, last_id = DocumentCheck(), 0
    total = await Document.count()
    while (
        rows := await Document.select(Document.id, Document.sha256)
        .where(Document.id > last_id)
        .order_by(Document.id)
        .limit(BATCH)
    ):
        for row in rows:
            try:
                await storage.get(row["sha256"])
            except NotFound:
                result.missing.append(row["id"])
            except CorruptedContent:
                result.damaged.append(row["id"])
        result.checked += len(rows)
        last_id = rows[-1]["id"]
        advance(result.checked, total)
    advance(total, total)
    return result
