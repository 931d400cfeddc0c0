"""The students of one school born on one day, for the CSV import's match by identity
(hand-written, like the other raw indexes).

A row that no ENT identifier nor INE designates is the existing student of the same school,
names and birth date (`loans.student_import`). The import looks up exactly its (school, birth
date) pairs; the partial `student_without_ent_id` index only holds the students without an
ENT key, and a row without an ENT key may be any of them. Without this index each pair read
the whole school."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T09:32:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Students found by school and birth date"

INDEXES = {"student_identity": "student (establishment, birth_date)"}


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
