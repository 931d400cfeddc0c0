"""Indexes of the asset list paged by cursor (inventory.keyset): each sort the list offers,
after the region a manager's scope filters on, so that any page of a region of 200,000 devices
is an index seek (`WHERE region = ? AND (serial, id) > (?, ?) ORDER BY serial, id LIMIT 51`),
never a sort of the whole region. A school's staff read their school by tag (the default
sort); their other sorts order the school's two thousand devices at most.

The id ends each index for PostgreSQL (SQLite's indexes end with the rowid anyway). Hand-written
raw SQL; the same statements run on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T09:34:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes of the asset list by cursor"

INDEXES = {
    "asset_list_region_tag": "asset (region, tag)",
    "asset_list_region_serial": "asset (region, serial, id)",
    "asset_list_region_state": "asset (region, state, id)",
    "asset_list_region_acquired": "asset (region, acquired_on, id)",
    "asset_list_region_warranty": "asset (region, warranty_end, id)",
    "asset_list_region_updated": "asset (region, updated_at, id)",
    "asset_list_school_tag": "asset (establishment, tag)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX {name} ON {target}")
        # Figures for the new indexes: without them SQLite takes a new index for a selective
        # one (the region's, which matches every row), and a search by serial of a region
        # read 40 ms instead of 8. Migrations run before the new version serves.
        await engine_finder().run_ddl("ANALYZE asset")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
