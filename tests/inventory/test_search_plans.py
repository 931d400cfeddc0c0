"""The device and student searches, and the lookups by serial, read indexes on both engines
(query plans: tests/query_plans.py), whatever the size the tables grow to.

No full scan of a large table, on either engine, for any caller. Which index: on SQLite,
planned with a region's statistics, for the platform and a region's manager (a school's staff
may read their school's rows from the establishment's index: a few thousand at most). On
PostgreSQL the choice between two usable indexes rests on statistics a test table does not
have (and another test's ANALYZE of ten rows changes it): there only "no full scan" is
checked, and the indexes were checked on a region's copy (bench/search.py).
"""

from __future__ import annotations

import pytest

from inventory import search
from inventory.assets import AssetFilters, _filtered
from inventory.search import broad_count_query, resolve_asset_search
from inventory.tables import Asset
from loans.students import StudentFilters
from loans.students import _filtered as students_filtered
from loans.tables import Student
from tests.factories import UAI_A, World, make_asset, scope_of
from tests.query_plans import Plan, explain

PERSONAS = ["admin", "manager_24", "it_a"]


def _checks_index(plan: Plan, persona: str) -> bool:
    return plan.engine == "SQLite" and persona in ("admin", "manager_24")


async def _search(world: World, persona: str, text: str):
    filters = AssetFilters(search=text)
    resolved = await resolve_asset_search(text)
    return _filtered(Asset.select(Asset.id, Asset.tag), scope_of(world, persona), filters, resolved)


@pytest.mark.parametrize("persona", PERSONAS)
async def test_a_search_by_the_beginning_of_a_tag_or_serial_reads_their_indexes(world, persona):
    plan = (await explain(await _search(world, persona, "5c"))).assert_indexed()
    if _checks_index(plan, persona):
        # the tag's and the serial's own indexes, or the region's list indexes that lead
        # with the region then hold them (asset_list_region_tag, asset_list_region_serial)
        assert any("tag" in index for index in plan.indexes), plan
        assert any("serial" in index for index in plan.indexes), plan


@pytest.mark.parametrize("persona", PERSONAS)
async def test_a_search_by_any_part_of_a_tag_or_serial_reads_the_trigram_index(world, persona):
    """On SQLite the trigram index gives the ids of the devices found (resolve_asset_search),
    which are then read by their key."""
    (await explain(await _search(world, persona, "234X"))).assert_indexed()


@pytest.mark.parametrize("text", ["5C", "D1234"])
async def test_counting_the_devices_a_search_finds_reads_no_whole_table(world, text):
    resolved = await resolve_asset_search(text)
    query = _filtered(Asset.count(), scope_of(world, "manager_24"), AssetFilters(), resolved)
    (await explain(query)).assert_indexed()


async def test_a_broad_search_reads_the_list_in_its_order_and_counts_from_the_trigram_index(
    world, monkeypatch
):
    """A part held by many devices (here BROAD lowered to one) is read in the list's own
    index, each device tested, and counted from the trigram index's matches."""
    await make_asset("PC-0101", UAI_A, world.model_id, serial="5CD1234XYZ")
    await make_asset("PC-0102", UAI_A, world.model_id, serial="5CD1234XZZ")
    monkeypatch.setattr(search, "BROAD", 1)
    resolved = await resolve_asset_search("D1234")
    assert resolved is not None
    scope = scope_of(world, "manager_24")
    if search._engine_type() != "sqlite":
        assert resolved.broad_phrase is None  # PostgreSQL's trigram index answers in order
        return
    assert resolved.broad_phrase is not None
    page = _filtered(Asset.select(Asset.id), scope, AssetFilters(), resolved)
    plan = (await explain(page.order_by(Asset.tag).limit(51))).assert_indexed()
    plan.assert_uses("asset_list_region_tag")
    counted = broad_count_query(
        _filtered(Asset.select(Asset.id), scope, AssetFilters(), None), resolved
    )
    (await explain(counted)).assert_indexed().assert_uses("asset_search")


async def test_a_device_is_looked_up_by_its_serial_alone_through_an_index(world):
    """As the scan lookup, the found page, the hand-over and the stocktakes do
    (labels.scan.locate)."""
    plan = await explain(Asset.select(Asset.id).where(Asset.serial == "5CD1234XYZ"))
    plan.assert_indexed()
    if plan.engine == "SQLite":  # PostgreSQL may read either serial index (module docstring)
        plan.assert_uses("asset_serial")
    else:
        assert plan.indexes & {"asset_serial_prefix", "asset_serial_trigram"}, plan


@pytest.mark.parametrize("persona", PERSONAS)
async def test_a_student_search_by_name_reads_the_folded_name_indexes(world, persona):
    scope = scope_of(world, persona)
    query = students_filtered(Student.select(Student.id), scope, StudentFilters(q="LÉA dup"))
    plan = (await explain(query)).assert_indexed()
    if _checks_index(plan, persona):
        plan.assert_uses("student_name")


@pytest.mark.parametrize("persona", PERSONAS)
async def test_a_student_search_by_ine_reads_its_index(world, persona):
    scope = scope_of(world, persona)
    query = students_filtered(Student.select(Student.id), scope, StudentFilters(ine="1234"))
    plan = (await explain(query)).assert_indexed()
    if _checks_index(plan, persona):
        plan.assert_uses("student_unique_ine")
