"""Indexes for the fleet reports (loans.reports), each matching one grouped query so that it
reads the index alone on a region of 200,000 students and 600,000 loans:
- students enrolled, by establishment and class (coverage, distributions);
- open loans by student and state (is this student equipped?);
- loans by establishment and hand-over instant (hand-outs per month);
- loans by establishment and end instant (NULL while open) with what the figures read:
  state, condition, damage, device, due date (open loans, overdue ones, lent devices;
  returns, losses, thefts and repairs of a period).

Hand-written raw SQL; the same statements (partial indexes included) run on SQLite and
PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T03:50:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes of the fleet reports on students and loans"

INDEXES = {
    "student_report": "student (region, establishment, left_on, class_name)",
    "loan_open_by_student": "loan (student, state) WHERE closed_at IS NULL",
    "loan_handed_report": "loan (establishment, handed_over_at, previous)",
    "loan_closed_report": (
        "loan (establishment, closed_at, state, return_condition, damage_notes, asset, due_on)"
    ),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="loans", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX {name} ON {target}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
