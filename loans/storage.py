"""Where the bytes of documents and photos live: one small interface, two places.

Content-addressed: a document is known by the SHA-256 of its bytes, so storing the same bytes
twice stores them once, and stored bytes are never overwritten (a new version of a document
is new bytes, hence a new hash). The `Document` table says what the bytes are and who may
read them; a storage only keeps bytes.

- `DirectoryStorage`: files under a directory (the default on SQLite: one host).
- `DatabaseStorage`: the `document_content` table (the default on PostgreSQL: several hosts
  share documents without a shared disk).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from inventory.errors import NotFound
from loans.tables import DocumentContent

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class CorruptedContent(Exception):
    """Stored bytes no longer match their hash: a disk or a hand went wrong. Never served."""


class Storage(Protocol):
    async def put(self, data: bytes) -> str:
        """Keep `data`; its SHA-256 in hex. Putting the same bytes again changes nothing."""
        ...

    async def get(self, sha256: str) -> bytes:
        """The bytes of `sha256`; NotFound when none are kept."""
        ...

    async def exists(self, sha256: str) -> bool: ...

    async def delete(self, sha256: str) -> None:
        """Forget these bytes (nothing when none are kept). Only for bytes no row refers to
        any more: the expired results of api.jobs."""
        ...


def _checked(sha256: str) -> str:
    """A hash comes from our own rows, but it also builds a path: refuse anything else."""
    if not _SHA256.match(sha256):
        raise NotFound("Document introuvable.")
    return sha256


class DirectoryStorage:
    """Files at `root/ab/cd/<sha256>`, two levels of fan-out so that no directory grows to
    hundreds of thousands of entries."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        _checked(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, data: bytes) -> str:
        sha256 = sha256_of(data)
        await asyncio.to_thread(self._write, self.path_of(sha256), data)
        return sha256

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        if path.exists():  # the same bytes are already kept: never rewrite them
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temporary file in the same directory, renamed in one step: a reader (or a crash)
        # never sees half a file. Two concurrent puts of the same bytes both rename onto the
        # same name; either result is the same bytes, and the rename is atomic.
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".put-")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    async def get(self, sha256: str) -> bytes:
        path = self.path_of(sha256)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise NotFound("Document introuvable.") from None
        if sha256_of(data) != sha256:
            raise CorruptedContent(f"{path} ne correspond plus à son empreinte")
        return data

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path_of(sha256).is_file)

    async def delete(self, sha256: str) -> None:
        await asyncio.to_thread(self.path_of(sha256).unlink, missing_ok=True)


class DatabaseStorage:
    """Bytes in the `document_content` table of the app's own database."""

    async def put(self, data: bytes) -> str:
        sha256 = sha256_of(data)
        if await self.exists(sha256):  # spare sending megabytes for nothing
            return sha256
        # Two concurrent puts of the same bytes: the unique hash keeps one row, the other
        # insert does nothing (ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike).
        await DocumentContent.insert(DocumentContent(sha256=sha256, content=data)).on_conflict(
            target=DocumentContent.sha256, action="DO NOTHING"
        )
        return sha256

    async def get(self, sha256: str) -> bytes:
        row = (
            await DocumentContent.select(DocumentContent.content)
            .where(DocumentContent.sha256 == _checked(sha256))
            .first()
        )
        if row is None:
            raise NotFound("Document introuvable.")
        data = bytes(row["content"])
        if sha256_of(data) != sha256:
            raise CorruptedContent(f"document_content {sha256} ne correspond plus à son empreinte")
        return data

    async def exists(self, sha256: str) -> bool:
        return await DocumentContent.exists().where(DocumentContent.sha256 == _checked(sha256))

    async def delete(self, sha256: str) -> None:
        await DocumentContent.delete().where(DocumentContent.sha256 == _checked(sha256))
