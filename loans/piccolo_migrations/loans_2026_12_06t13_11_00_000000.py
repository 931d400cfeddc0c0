"""Indexes of the student access log, read newest first by cursor (inventory.keyset) for the
region's data protection officer (region, then date) and the platform admin (date alone),
filtered by student or by account; each ends with the id the sort ends with, so that a page
seeks to its first row. The student index also serves the cascade when a student is erased.

Hand-written raw SQL; the same statements run on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T13:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes of the student access log"

INDEXES = {
    "student_access_region_at": "student_access (region, at, id)",
    "student_access_at": "student_access (at, id)",
    "student_access_student_at": "student_access (student, at, id)",
    "student_access_account_at": "student_access (account_id, at, id)",
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
