"""Two partial indexes for the directory import (hand-written, like the other raw indexes):

- `guardian (ent_id)`: a relative's change (name, email, deletion) reaches every guardian
  row carrying that relative's ENT key, across the region's students; without it each
  lookup scanned the guardian table.
- `student (establishment, birth_date) WHERE ent_id IS NULL`: a directory student without a
  match by ENT key or INE may be a student typed or imported from CSV before (same school,
  names and birth date, no ENT key yet). Without it, each chunk of new students read every
  student of their schools born on those days: the import of 100,000 students went
  quadratic (78 s instead of 10 for its students)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T03:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Guardians found by their ENT key"

INDEXES = {
    "guardian_ent_id": "guardian (ent_id) WHERE ent_id IS NOT NULL",
    "student_without_ent_id": "student (establishment, birth_date) WHERE ent_id IS NULL",
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
