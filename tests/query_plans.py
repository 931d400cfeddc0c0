"""Reading query plans in tests, the same way on SQLite and PostgreSQL.

A test's tables hold a few rows, where a full scan is the planner's best choice; what matters
is whether an index *can* answer the query at region scale. So:
- PostgreSQL plans with `SET LOCAL enable_seqscan = off` and `enable_sort = off`: a sequential
  scan or a sort still shows where no index can avoid it (they are only made very expensive);
- SQLite plans with the statistics `ANALYZE` measured on a region (`ordipret demo --scale
  region`: 200,000 devices and students, 615,000 loans), put in for the plan and taken out
  after it: without statistics it would prefer any equality (`region = ?`, which matches the
  whole region) to the range of a search. An index without measured figures (a new one) is
  planned with SQLite's defaults, which assume it selective.

    plan = await explain(Asset.select(Asset.id).where(Asset.serial == "X"))
    plan.assert_indexed()                # no full scan of asset, student or loan, no sort
    assert "asset_serial" in plan.indexes

`explain` takes a Piccolo query, or SQL with Piccolo's `{}` placeholders and its arguments.
`Plan.full_scans` and `Plan.sorts` name the tables read whole or sorted whole; `assert_indexed`
fails with the plan printed; `assert_uses(*names)` fails unless those indexes are read.

What each engine's plan can prove here:
- "no full scan, no sort" holds on both engines and for any caller: assert it everywhere.
- *which* index: SQLite, with the region's statistics, chooses as it would on a region.
  PostgreSQL chooses between two usable indexes (the region's and the search's, say) from
  statistics a test table lacks, and another test's ANALYZE of ten rows changes its choice:
  assert index names on PostgreSQL only where a single index applies.
- A walk of a whole index in order ("SCAN asset USING INDEX x" on SQLite, an Index Scan
  without Index Cond on PostgreSQL) is not flagged: it is how a keyset page reads its first
  rows. A test of such a page checks the index with `assert_uses`, and its limit keeps it short.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from piccolo.query.base import Query
from piccolo.querystring import QueryString

from inventory.tables import Region

# The tables that grow with a region (hundreds of thousands of rows): never read whole.
LARGE_TABLES = ("asset", "student", "loan")

# SQLite: "SCAN asset" or "SCAN asset AS a": the table itself, read whole. "SCAN asset USING
# INDEX x" walks an index in order (a keyset page stops after a few rows): not counted.
_SQLITE_SCAN = re.compile(r"^SCAN (\w+)(?: AS \w+)?$")
_SQLITE_INDEX = re.compile(r"USING (?:COVERING |PRIMARY KEY |)INDEX (\w+)|VIRTUAL TABLE")
_SQLITE_SORT = "USE TEMP B-TREE FOR"

# sqlite_stat1 of the large tables (index: rows, then rows per distinct value of each leading
# column of the index), measured on `ordipret demo --scale region` by a full ANALYZE, with
# every index of the migrations up to issue 13's lists (re-measure when adding one).
REGION_STATISTICS = {
    "asset": {
        "asset_establishment": "200000 1334",
        "asset_list_region_acquired": "200000 200000 834 1",
        "asset_list_region_condition": "200000 200000 50000 1",
        "asset_list_region_created": "200000 200000 3 1",
        "asset_list_region_serial": "200000 200000 1 1",
        "asset_list_region_state": "200000 200000 40000 1",
        "asset_list_region_tag": "200000 200000 1",
        "asset_list_region_updated": "200000 200000 4 1",
        "asset_list_region_warranty": "200000 200000 556 1",
        "asset_list_school_tag": "200000 1334 1",
        "asset_location": "200000 200000",
        "asset_model": "200000 20000",
        "asset_region": "200000 200000",
        "asset_report": "200000 200000 1334 134 36 2 2",
        "asset_serial": "200000 1",
        "asset_serial_per_manufacturer": "200000 25000 1",
        "asset_state": "200000 40000",
        "asset_tag": "200000 1",
        "asset_warranty_report": "182642 508 508 5 2",
        "sqlite_autoindex_asset_1": "200000 1",
    },
    "loan": {
        "loan_asset": "614447 4",
        "loan_closed_at": "449165 5",
        "loan_closed_report": "614447 4097 2 2 2 2 1 1",
        "loan_establishment": "614447 4097",
        "loan_handed_at": "614447 5",
        "loan_handed_report": "614447 4097 1 1",
        "loan_list_due": "614447 102408 21188 1",
        "loan_list_school": "614447 4097 1",
        "loan_one_open_per_asset": "165282 1",
        "loan_open_by_student": "165282 2 2",
        "loan_open_slots_per_student": "165282 2 1 1",
        "loan_state": "614447 102408",
        "loan_student": "614447 4",
    },
    "student": {
        "student_campaign_todo": "200000 1334 54 2 1 1",
        "student_ent_id_per_region": "200000 200000 1",
        "student_establishment": "200000 1334",
        "student_identity": "200000 1334 2",
        "student_list_region_name": "200000 200000 3334 84 1 1",
        "student_list_school_name": "200000 1334 23 2 1 1",
        "student_region": "200000 200000",
        "student_report": "200000 200000 1334 20 13",
        "student_search_ine": "200000 1",
        "student_unique_ine": "200000 1",
    },
}


@dataclass
class Plan:
    """A query's plan: `lines` one per step (SQLite's details, or PostgreSQL's nodes as
    "Node Type on relation using index"), for messages and ad-hoc checks."""

    engine: str
    sql: str
    lines: list[str]
    full_scans: set[str] = field(default_factory=set)  # tables read whole, without an index
    sorts: list[str] = field(default_factory=list)  # sorts (PostgreSQL: of the tables below)
    indexes: set[str] = field(default_factory=set)  # index names read (SQLite FTS: the table)

    def __str__(self) -> str:
        return f"{self.engine} plan of\n{self.sql}\n" + "\n".join(self.lines)

    def assert_indexed(self, tables=LARGE_TABLES, *, allow_sort: bool = False) -> Plan:
        """Fail when a table of `tables` is read whole, or (unless `allow_sort`: a search
        sorting the few rows it found) when rows of them are sorted rather than read in
        index order. Returns the plan, for further checks."""
        scanned = sorted(self.full_scans & set(tables))
        assert not scanned, f"full scan of {', '.join(scanned)} in the {self}"
        if not allow_sort:
            sorted_large = [s for s in self.sorts if not tables or _touches(s, tables)]
            assert not sorted_large, f"sort ({'; '.join(sorted_large)}) in the {self}"
        return self

    def assert_uses(self, *indexes: str) -> Plan:
        """Fail unless every index named is read."""
        missing = sorted(set(indexes) - self.indexes)
        assert not missing, f"index {', '.join(missing)} not read in the {self}"
        return self


def _touches(sort: str, tables) -> bool:
    return any(re.search(rf"\b{table}\b", sort) for table in tables)


def _compiled(query: Query | QueryString | str, args: tuple, engine_type: str) -> tuple[str, list]:
    if isinstance(query, QueryString):
        sql, values = query.compile_string(engine_type=engine_type)
        return sql, list(values)
    if isinstance(query, str):
        placeholder = iter(f"${n}" for n in range(1, query.count("{}") + 1))
        if engine_type == "sqlite":
            return query.replace("{}", "?"), list(args)
        return re.sub(r"\{\}", lambda _: next(placeholder), query), list(args)
    sql, values = query.querystrings[0].compile_string(engine_type=engine_type)
    return sql, list(values)


async def explain(query: Query | QueryString | str, *args) -> Plan:
    """The plan of `query` (a Piccolo query, or SQL with `{}` placeholders and `args`) on
    the test database's engine. Nothing is written."""
    engine = Region._meta.db
    sql, values = _compiled(query, args, engine.engine_type)
    async with engine.transaction() as transaction:
        connection = transaction.connection
        if engine.engine_type == "postgres":
            await connection.execute("SET LOCAL enable_seqscan = off")
            await connection.execute("SET LOCAL enable_sort = off")
            raw = await connection.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *values)
            return _postgres_plan(sql, json.loads(raw)[0]["Plan"])
        await _region_statistics(connection)
        try:
            rows = await connection.execute_fetchall(f"EXPLAIN QUERY PLAN {sql}", values)
        finally:
            await transaction.rollback()  # the statistics put in for the plan
            await connection.execute("ANALYZE sqlite_schema")  # reloaded as they were
        return _sqlite_plan(sql, [row["detail"] for row in rows])


async def _region_statistics(connection) -> None:
    """Put REGION_STATISTICS in sqlite_stat1 (for the indexes that exist) and load them."""
    await connection.execute("ANALYZE sqlite_schema")  # creates sqlite_stat1 if need be
    existing = {
        row["name"]
        for row in await connection.execute_fetchall(
            "SELECT name FROM sqlite_schema WHERE type = 'index'"
        )
    }
    await connection.execute(
        f"DELETE FROM sqlite_stat1 WHERE tbl IN ({', '.join('?' for _ in REGION_STATISTICS)})",
        list(REGION_STATISTICS),
    )
    await connection.executemany(
        "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)",
        [
            (table, index, stat)
            for table, indexes in REGION_STATISTICS.items()
            for index, stat in indexes.items()
            if index in existing
        ],
    )
    await connection.execute("ANALYZE sqlite_schema")


def _sqlite_plan(sql: str, details: list[str]) -> Plan:
    plan = Plan("SQLite", sql, details)
    for detail in details:
        if match := _SQLITE_SCAN.match(detail):
            plan.full_scans.add(match.group(1))
        if detail.startswith(_SQLITE_SORT):
            plan.sorts.append(" ".join(plan.lines))  # SQLite does not say what it sorts
        if match := _SQLITE_INDEX.search(detail):
            plan.indexes.add(match.group(1) or detail.split()[1])
    return plan


def _relations(node: dict) -> set[str]:
    found = {node["Relation Name"]} if "Relation Name" in node else set()
    for child in node.get("Plans", []):
        found |= _relations(child)
    return found


def _postgres_plan(sql: str, root: dict) -> Plan:
    plan = Plan("PostgreSQL", sql, [])

    def walk(node: dict, depth: int) -> None:
        kind, relation = node["Node Type"], node.get("Relation Name")
        line = "  " * depth + kind + (f" on {relation}" if relation else "")
        if index := node.get("Index Name"):
            line += f" using {index}"
            plan.indexes.add(index)
        plan.lines.append(line)
        if kind == "Seq Scan" and relation:
            plan.full_scans.add(relation)
        if kind in ("Sort", "Incremental Sort"):
            plan.sorts.append(f"{kind} over {', '.join(sorted(_relations(node)))}")
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(root, 0)
    return plan
