"""The planner's statistics, refreshed after bulk writes and on a schedule.

Without statistics SQLite's planner guesses: at region scale it picked the region index (which
matches every row) over the one that answers a search. PostgreSQL's autovacuum analyses a
table only after a share of it has changed, and some time later: right after an import the
next queries are planned for the table as it was. So every bulk write path (device and student
CSV imports, directory imports, `ordipret demo --scale`) ends with `after_bulk_write`, and
`ordipret analyse` runs `refresh_statistics` from cron (nightly, README). The pooled SQLite
connections also run `PRAGMA optimize` when they close (api.infra.database), as SQLite advises.
"""

from __future__ import annotations

from inventory.tables import Region

# Fewer rows written than this leave the statistics as good as they were.
BULK = 1_000


async def refresh_statistics(*tables: str) -> None:
    """Analyse `tables` (every table when none is named): PostgreSQL reads a sample of each;
    SQLite every index whole (1.2 s for a region of 200,000 devices and students, 615,000
    loans). Not with SQLite's `analysis_limit`: its figures, read from the first rows of each
    index, said a region index matched 1,000 rows where it matched all 200,000, and the
    planner read it. Long imports name their own tables between chunks: the next chunks'
    lookups are planned for the table as it is now, not as it was before the import."""
    engine = Region._meta.db
    if not tables:
        await engine.run_ddl("ANALYZE")
    elif engine.engine_type == "postgres":
        await engine.run_ddl("ANALYZE " + ", ".join(tables))
    else:  # SQLite analyses one table or index per statement
        for table in tables:
            await engine.run_ddl(f"ANALYZE {table}")


async def after_bulk_write(rows: int, *tables: str) -> None:
    """Refresh the statistics of `tables` after a write of `rows` rows in them, if that is
    many. Only those tables: this runs in the import's request (0.3 s for the devices of a
    region, where the whole database takes 1.2 s on SQLite)."""
    if rows < BULK:
        return
    if Region._meta.db.engine_type == "sqlite":
        # Not on SQLite, for now: an ANALYZE by the process of an import made another
        # process's pooled connection fail its next device deletion with "no such table:
        # asset" (the crash-consistency test; not reproduced in isolation, likely the FTS5
        # search table's statements after the schema change). SQLite's statistics come from
        # `ordipret analyse` (server stopped, or restarted after it) and PRAGMA optimize.
        return
    await refresh_statistics(*tables)
