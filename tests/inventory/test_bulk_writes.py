"""The imports' bulk writes (inventory.bulk): multi-row INSERTs in one transaction, with a
larger SQLite page cache only while it lasts."""

import pytest

from inventory.bulk import BULK_CACHE_KIB, bulk_write_transaction, insert_many
from inventory.db import write_transaction
from inventory.tables import Region


async def _cache_size() -> int | None:
    if Region._meta.db.engine_type != "sqlite":
        return None
    return (await Region.raw("PRAGMA cache_size"))[0]["cache_size"]


async def test_a_bulk_write_inserts_every_row_and_returns_what_is_asked(app):
    async with bulk_write_transaction():
        inserted = await insert_many(
            Region, ("code", "name"), [("91", "Une"), ("92", "Deux")], returning=("id", "code")
        )
    assert sorted(r["code"] for r in inserted) == ["91", "92"]
    assert await Region.count().where(Region.code.is_in(["91", "92"])) == 2


async def test_a_failed_bulk_write_leaves_nothing_and_no_connection_keeps_the_large_cache(app):
    async with write_transaction():
        before = await _cache_size()
    with pytest.raises(RuntimeError):
        async with bulk_write_transaction():
            await insert_many(Region, ("code", "name"), [("93", "Éphémère")])
            if before is not None:
                assert await _cache_size() == -BULK_CACHE_KIB
            raise RuntimeError("abandon")

    assert not await Region.exists().where(Region.code == "93")
    for _ in range(3):  # whichever pooled connection comes next
        async with write_transaction():
            assert await _cache_size() == before
