"""Both storages behind one fixture: what one keeps, the other keeps the same way."""

from __future__ import annotations

import asyncio

import pytest

from inventory.errors import NotFound
from loans.storage import CorruptedContent, DatabaseStorage, DirectoryStorage, sha256_of
from loans.tables import DocumentContent

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


@pytest.fixture(params=["directory", "database"])
async def storage(request, app, tmp_path):
    """`app` binds the tables to the test database (SQLite, or PostgreSQL when configured)
    and empties them."""
    if request.param == "directory":
        return DirectoryStorage(tmp_path / "documents")
    return DatabaseStorage()


async def kept_copies(storage, sha256: str) -> int:
    """How many copies of these bytes the storage holds: files, or rows."""
    if isinstance(storage, DirectoryStorage):
        return sum(1 for path in storage.root.rglob("*") if path.is_file())
    return await DocumentContent.count().where(DocumentContent.sha256 == sha256)


async def corrupt(storage, sha256: str) -> None:
    if isinstance(storage, DirectoryStorage):
        storage.path_of(sha256).write_bytes(PDF[:-1] + b"?")
    else:
        await DocumentContent.update({DocumentContent.content: PDF[:-1] + b"?"}).where(
            DocumentContent.sha256 == sha256
        )


async def test_bytes_put_are_got_back_by_their_sha256(storage):
    sha256 = await storage.put(PDF)
    assert sha256 == sha256_of(PDF)
    assert await storage.get(sha256) == PDF
    assert await storage.exists(sha256)


async def test_putting_the_same_bytes_twice_keeps_one_copy(storage):
    first = await storage.put(PDF)
    second = await storage.put(PDF)
    assert first == second
    assert await kept_copies(storage, first) == 1


async def test_concurrent_puts_of_the_same_bytes_keep_one_copy(storage):
    hashes = await asyncio.gather(*(storage.put(PDF) for _ in range(12)))
    assert set(hashes) == {sha256_of(PDF)}
    assert await kept_copies(storage, hashes[0]) == 1  # and no temporary file left behind
    assert await storage.get(hashes[0]) == PDF


async def test_bytes_that_no_longer_match_their_hash_are_refused(storage):
    sha256 = await storage.put(PDF)
    await corrupt(storage, sha256)
    with pytest.raises(CorruptedContent):
        await storage.get(sha256)


async def test_an_unknown_hash_is_not_found(storage):
    sha256 = sha256_of(b"never stored")
    assert not await storage.exists(sha256)
    with pytest.raises(NotFound):
        await storage.get(sha256)


async def test_something_that_is_not_a_hash_is_not_found(storage):
    with pytest.raises(NotFound):
        await storage.get("../../etc/passwd")


async def test_different_bytes_are_kept_apart(storage):
    other = PDF + b"\n%%EOF"
    first, second = await storage.put(PDF), await storage.put(other)
    assert first != second
    assert (await storage.get(first), await storage.get(second)) == (PDF, other)


async def test_a_directory_storage_spreads_files_over_two_levels(tmp_path):
    storage = DirectoryStorage(tmp_path / "documents")
    sha256 = await storage.put(PDF)
    assert storage.path_of(sha256) == tmp_path / "documents" / sha256[:2] / sha256[2:4] / sha256
    assert storage.path_of(sha256).read_bytes() == PDF


async def test_a_directory_storage_never_rewrites_a_kept_file(tmp_path):
    storage = DirectoryStorage(tmp_path / "documents")
    sha256 = await storage.put(PDF)
    path = storage.path_of(sha256)
    before = path.stat()
    await storage.put(PDF)
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
