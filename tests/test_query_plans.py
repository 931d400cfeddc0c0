"""The query-plan helpers (tests/query_plans.py) see what they claim, on either engine: a
table read whole, a sort, the indexes read; and they write nothing."""

from __future__ import annotations

import pytest

from inventory.tables import Asset
from tests.query_plans import explain


async def test_a_filter_on_a_column_without_index_is_a_full_scan(world):
    plan = await explain(Asset.select(Asset.id).where(Asset.notes == "cassé"))
    assert "asset" in plan.full_scans
    with pytest.raises(AssertionError, match="full scan of asset"):
        plan.assert_indexed()


async def test_an_order_no_index_gives_is_a_sort(world):
    query = Asset.select(Asset.id).where(Asset.state == "in_repair").order_by(Asset.notes)
    plan = await explain(query)
    assert plan.sorts
    with pytest.raises(AssertionError, match="sort"):
        plan.assert_indexed()
    plan.assert_indexed(allow_sort=True)


async def test_a_lookup_by_a_unique_column_reads_its_index(world):
    plan = await explain(Asset.select(Asset.id).where(Asset.tag == "A-1"))
    plan.assert_indexed()
    if plan.engine != "SQLite":
        # PostgreSQL picks among usable indexes by statistics a test table lacks (another
        # test's ANALYZE of a few rows changes it): there, no full scan is what is checked.
        return
    assert plan.indexes & {
        "asset_tag",
        "asset_tag_key",
        "asset_tag_prefix",
        "sqlite_autoindex_asset_1",
    }


async def test_hand_written_sql_is_explained_with_its_arguments(world):
    plan = await explain("SELECT id FROM asset WHERE serial = {}", "5CD1234XYZ")
    plan.assert_indexed()


async def test_explaining_writes_nothing(world):
    engine = Asset._meta.db
    statistics = "SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx"
    if engine.engine_type == "sqlite":
        await Asset.raw("ANALYZE sqlite_schema")  # sqlite_stat1 exists, whatever ran before
        before = await Asset.raw(statistics)
    await explain(Asset.select(Asset.id).where(Asset.tag == "A-1"))
    if engine.engine_type == "sqlite":
        # the region's statistics put in for the plan were taken out again
        assert await Asset.raw(statistics) == before
        return
    # PostgreSQL: the planner settings were local to the explain's transaction, so every
    # pooled connection plans as before
    pool = engine.pool
    connections = [await pool.acquire() for _ in range(pool.get_size())]
    try:
        for connection in connections:
            assert await connection.fetchval("SHOW enable_seqscan") == "on"
            assert await connection.fetchval("SHOW enable_sort") == "on"
    finally:
        for connection in connections:
            await pool.release(connection)
