"""The invariants of loans, as partial unique indexes (hand-written: Piccolo columns cannot
declare them). The same statements run on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T20:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One open loan per asset, per-student slots, one ENT account per region"

INDEXES = {
    "loan_one_open_per_asset": "loan (asset) WHERE closed_at IS NULL",
    "loan_open_slots_per_student": "loan (student, category, slot) WHERE closed_at IS NULL",
    "student_ent_id_per_region": "student (region, ent_id) WHERE ent_id IS NOT NULL",
    "student_unique_ine": "student (ine) WHERE ine IS NOT NULL",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="loans", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE UNIQUE INDEX {name} ON {target}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
