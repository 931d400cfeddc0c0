"""The access log's audit list is answered by its indexes on both engines, newest first,
for a region's data protection officer and for the platform, with each filter: no full scan
and no sort of `student_access` or `student`, on the first page or a deep one."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory import keyset
from inventory.scope import Scope
from loans.access_log import KEYS, SORT, AccessFilters, _select
from tests.query_plans import explain

TABLES = ("student_access", "student")
AT = dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC)
DEEP = keyset.Cursor(SORT, [AT, 123_456])
FILTERS = {
    "none": AccessFilters(),
    "student": AccessFilters(student_id=42),
    "account": AccessFilters(account_id=7),
    "days": AccessFilters(first_day=dt.date(2026, 10, 1), last_day=dt.date(2026, 10, 31)),
}
REGION_INDEX = {"none": "student_access_region_at", "days": "student_access_region_at"}


@pytest.mark.parametrize("cursor", [None, DEEP], ids=["first page", "deep page"])
@pytest.mark.parametrize("filter_name", sorted(FILTERS))
@pytest.mark.parametrize("who", ["dpo", "platform"])
async def test_the_audit_list_reads_an_index_in_its_order(world, who, filter_name, cursor):
    scope = Scope.region(world.region_ids["24"]) if who == "dpo" else Scope.platform()
    filters = FILTERS[filter_name]
    query = keyset.page_query(lambda: _select(scope, filters, None), KEYS, cursor, 50)
    plan = (await explain(query)).assert_indexed(TABLES)
    if who == "dpo" and filter_name in REGION_INDEX and plan.engine == "SQLite":
        plan.assert_uses(REGION_INDEX[filter_name])
