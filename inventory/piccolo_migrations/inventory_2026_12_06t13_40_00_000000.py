"""Indexes of the two asset list sorts the API offers beside the page's (condition, created
at), after the region, as the others (2026-12-06T09:34): without them a region manager sorting
by condition or by creation sorted the region's 200,000 devices for every page (400 ms on
SQLite; 3.5 ms with them). Hand-written raw SQL, the same on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T13:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes of the asset list by condition and by creation"

INDEXES = {
    "asset_list_region_condition": "asset (region, condition, id)",
    "asset_list_region_created": "asset (region, created_at, id)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX {name} ON {target}")
        await engine_finder().run_ddl("ANALYZE asset")  # figures for them (see 09:34)

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
