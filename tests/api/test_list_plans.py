"""The main lists are answered by indexes on both engines: no full scan and no sort of the
devices, loans or students of a whole region, on the first page or a deep one, for a region
manager and for a school's staff (issue 13: any page of a 200,000-device region under 150 ms).

The plans are read from the queries the lists run (`keyset.page_query`, the capped count).
SQLite plans with a region's statistics (tests/query_plans.py: what an analysed region has
after its imports). PostgreSQL is asked with sequential scans, bitmap scans and sorts
disabled: it still scans or sorts when no index can answer, which is what fails. (Bitmap
scans are left on by tests/query_plans.py, which the trigram searches need.)"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from piccolo.query import Select
from piccolo.querystring import QueryString

from inventory import assets, keyset
from inventory.tables import Asset
from loans import listing, overdue, students
from loans.records import list_scope
from loans.tables import Loan, Student
from tests.factories import scope_of
from tests.query_plans import explain

TABLES = ("asset", "loan", "student")
TODAY = dt.date(2026, 12, 6)
AT = dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC)
# Plausible values of every key column: a deep page's cursor need not name a real row.
ROW = {
    "id": 123_456,
    "tag": "R24-123456",
    "serial": "PF4ABCDE",
    "state": "in_stock",
    "acquired_on": dt.date(2024, 9, 1),
    "warranty_end": dt.date(2027, 9, 1),
    "updated_at": AT,
    "created_at": AT,
    "condition": "B",
    "due_on": dt.date(2026, 7, 4),
    "last_name": "Martin",
    "first_name": "Léa",
}


async def _plan(query: Select | QueryString) -> list[str]:
    """The plan's lines: SQLite's details, or PostgreSQL's nodes as "Node Type relation"."""
    string = query.querystrings[0] if isinstance(query, Select) else query
    db = Asset._meta.db
    if db.engine_type == "sqlite":  # with a region's statistics, whatever ran before
        return (await explain(string)).lines
    async with db.transaction():
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            await db.run_querystring(QueryString(f"SET LOCAL {setting} = off"))
        rows = await db.run_querystring(QueryString("EXPLAIN (FORMAT JSON) {}", string))
    plan = rows[0]["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    lines: list[str] = []

    def walk(node: dict) -> None:
        lines.append(f"{node['Node Type']} {node.get('Relation Name', '')}".strip())
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return lines


SEQ_SCAN = re.compile(rf"(Parallel )?Seq Scan ({'|'.join(TABLES)})$")


def _problems(lines: list[str], in_key_order: bool) -> list[str]:
    """The lines of a full scan or a sort of a list's table. `in_key_order`: SQLite may read
    the table itself in primary key order when that is the list's order (it stops at the
    page's end, as an index would)."""
    found = []
    for line in lines:
        scanned = re.match(r"SCAN ([\w$]+)( USING (COVERING )?INDEX)?", line)
        full_scan = bool(scanned and scanned.group(1) in TABLES and not scanned.group(2))
        sorted_here = "TEMP B-TREE FOR" in line and "ORDER BY" in line
        sorted_here |= line.startswith(("Sort", "Incremental Sort"))
        if (full_scan and not in_key_order) or sorted_here or SEQ_SCAN.match(line):
            found.append(line)
    return found


async def _assert_indexed(
    select, sort, keys, count, in_key_order=False, school_sort_allowed=False
) -> None:
    """`school_sort_allowed`: a school's staff may have their school's rows sorted (a few
    thousand loans at most, 7 ms measured), never a region's."""
    position = keyset.decode(keyset.encode(sort, keys, ROW), sort, keys)
    for page, cursor in (("page 1", None), ("deep page", position)):
        lines = await _plan(keyset.page_query(select, keys, cursor, 50))
        if school_sort_allowed:
            lines = [line for line in lines if "TEMP B-TREE FOR ORDER BY" not in line]
        assert not _problems(lines, in_key_order), (page, lines)
    counting = QueryString(
        "SELECT COUNT(*) FROM ({}) AS counted", count.limit(keyset.COUNT_CAP + 1).querystrings[0]
    )
    lines = await _plan(counting)
    assert not _problems(lines, in_key_order), ("count", lines)


MANAGER_AND_STAFF = ["manager_24", "it_a"]


@pytest.mark.parametrize(
    "sort", sorted(assets.SORTABLE) + sorted("-" + name for name in assets.SORTABLE)
)
async def test_every_sort_of_the_asset_list_follows_an_index_for_a_region(world, sort):
    """Every sort the API offers (the page's are among them), both ways."""
    scope, filters = scope_of(world, "manager_24"), assets.AssetFilters()
    count = assets._filtered(Asset.select(Asset.id), scope, filters, None)
    await _assert_indexed(
        assets.list_select(scope, filters, None), sort, assets.sort_keys(sort), count
    )


async def test_a_schools_assets_by_tag_follow_an_index(world):
    # Its other sorts order the school's own devices (two thousand at most): no index each.
    scope, filters = scope_of(world, "it_a"), assets.AssetFilters()
    count = assets._filtered(Asset.select(Asset.id), scope, filters, None)
    await _assert_indexed(
        assets.list_select(scope, filters, None), "tag", assets.sort_keys("tag"), count
    )


@pytest.mark.parametrize("persona", MANAGER_AND_STAFF)
@pytest.mark.parametrize("late", [False, True])
async def test_the_loan_list_follows_an_index(world, persona, late):
    scope, filters = scope_of(world, persona), listing.LoanFilters(overdue=late)
    sort, keys = listing.sort_of(filters)
    count = listing._filtered(Loan.select(Loan.id), scope, filters, TODAY)
    await _assert_indexed(
        listing.list_select(scope, filters, TODAY),
        sort,
        keys,
        count,
        in_key_order=persona == "manager_24" and not late,
        school_sort_allowed=persona == "it_a" and late,
    )


@pytest.mark.parametrize("persona", MANAGER_AND_STAFF)
async def test_the_overdue_list_follows_an_index(world, persona):
    where = overdue.overdue_where(TODAY) & list_scope(scope_of(world, persona))
    await _assert_indexed(
        overdue.overdue_select(where),
        overdue.OLDEST_DUE,
        overdue.KEYS,
        Loan.select(Loan.id).where(where),
        school_sort_allowed=persona == "it_a",
    )


@pytest.mark.parametrize("persona", MANAGER_AND_STAFF)
async def test_the_student_list_follows_an_index(world, persona):
    scope, filters = scope_of(world, persona), students.StudentFilters()
    count = students._filtered(Student.select(Student.id), scope, filters)
    await _assert_indexed(
        students.list_select(scope, filters), students.BY_NAME, students.KEYS, count
    )


@pytest.mark.parametrize("persona", MANAGER_AND_STAFF)
@pytest.mark.parametrize("state", ["open", "pending", "active", "returned", "lost"])
async def test_the_loan_list_by_state_follows_an_index(world, persona, state):
    scope, filters = scope_of(world, persona), listing.LoanFilters(state=state)
    sort, keys = listing.sort_of(filters)
    count = listing._filtered(Loan.select(Loan.id), scope, filters, TODAY)
    await _assert_indexed(
        listing.list_select(scope, filters, TODAY),
        sort,
        keys,
        count,
        in_key_order=persona == "manager_24",
    )


@pytest.mark.parametrize("persona", MANAGER_AND_STAFF)
@pytest.mark.parametrize("left", [False, True])
async def test_the_student_list_of_enrolled_or_left_follows_an_index(world, persona, left):
    scope, filters = scope_of(world, persona), students.StudentFilters(left=left)
    count = students._filtered(Student.select(Student.id), scope, filters)
    await _assert_indexed(
        students.list_select(scope, filters), students.BY_NAME, students.KEYS, count
    )


@pytest.mark.parametrize("state", ["in_stock", "lent"])
async def test_the_asset_list_of_a_region_by_state_follows_an_index(world, state):
    scope, filters = scope_of(world, "manager_24"), assets.AssetFilters(state=state)
    count = assets._filtered(Asset.select(Asset.id), scope, filters, None)
    await _assert_indexed(
        assets.list_select(scope, filters, None), "tag", assets.sort_keys("tag"), count
    )
