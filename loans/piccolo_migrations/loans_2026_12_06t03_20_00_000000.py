"""An index on `guardian (ent_id)` (hand-written, like the other raw indexes): a directory
import applies a relative's change (name, email, deletion) to every guardian row carrying
that relative's ENT key, across all the students of a region, and the student space finds a
guardian's children by it. Without it each lookup scanned the whole guardian table."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T03:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Guardians found by their ENT key"

INDEX = "guardian_ent_id"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="loans", description=DESCRIPTION)

    async def create_index():
        await engine_finder().run_ddl(
            f"CREATE INDEX {INDEX} ON guardian (ent_id) WHERE ent_id IS NOT NULL"
        )

    async def drop_index():
        await engine_finder().run_ddl(f"DROP INDEX {INDEX}")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
