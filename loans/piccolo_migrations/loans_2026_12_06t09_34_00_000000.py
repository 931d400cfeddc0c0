"""Indexes of the loan, overdue and student lists paged by cursor (inventory.keyset).

Loans come newest first: a school's by (establishment, id); a region's follow the primary key
itself (loans.listing reads them so). Overdue loans by due date: (state, due_on, id) seeks the
active ones past their date in order, for a school or a whole region. Students by name after
the region or the school that scopes them, with the day they left: the lists show the enrolled
students by default, and their count reads the index alone (10,000 table reads otherwise:
80 ms on SQLite).

PostgreSQL also gets statistics of the state and due date together: alone, it multiplies
"active" (a quarter of the loans) by "due before today" (most of them, returned ones
included) and expects 100,000 overdue loans where a region has 4,000, so it counts them by
reading the whole table (65 ms instead of 13). SQLite has no such statistics.

Hand-written raw SQL; the same index statements run on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T09:34:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes of the loan and student lists by cursor"

INDEXES = {
    "loan_list_school": "loan (establishment, id)",
    "loan_list_due": "loan (state, due_on, id)",
    "student_list_region_name": "student (region, last_name, first_name, id, left_on)",
    "student_list_school_name": "student (establishment, last_name, first_name, id, left_on)",
}

STATISTICS = "loan_state_due"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="loans", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for name, target in INDEXES.items():
            await engine.run_ddl(f"CREATE INDEX {name} ON {target}")
        if engine.engine_type == "postgres":
            await engine.run_ddl(f"CREATE STATISTICS {STATISTICS} (mcv) ON state, due_on FROM loan")
        # Figures for the new indexes (see the inventory migration of the same minute).
        for table in ("loan", "student"):
            await engine.run_ddl(f"ANALYZE {table}")

    async def drop_indexes():
        engine = engine_finder()
        if engine.engine_type == "postgres":
            await engine.run_ddl(f"DROP STATISTICS {STATISTICS}")
        for name in INDEXES:
            await engine.run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
