"""An index for the fleet reports (loans.reports): devices grouped by region, establishment,
model and state, with the warranty end and the acquisition date, read from the index alone
(a region of 200,000 devices without touching the table).

Hand-written raw SQL; the same statement runs on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T03:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index of the fleet reports on assets"

INDEXES = {
    "asset_report": "asset (region, establishment, model, state, warranty_end, acquired_on)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX {name} ON {target}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
