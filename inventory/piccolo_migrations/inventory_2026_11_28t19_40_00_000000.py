"""Unique constraints over two columns, which Piccolo columns cannot declare.

Hand-written raw SQL; the same statements run on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T19:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One serial per manufacturer, one model name per manufacturer"

INDEXES = {
    "asset_serial_per_manufacturer": "asset (manufacturer_key, serial)",
    "device_model_unique_name": "device_model (manufacturer, name)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE UNIQUE INDEX {name} ON {target}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
