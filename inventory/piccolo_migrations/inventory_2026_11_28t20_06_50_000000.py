"""Stocktake invariants the columns cannot declare: partial and composite unique indexes.

Hand-written raw SQL, in a migration of its own because Piccolo runs `add_raw` before it
creates the tables of the same migration. The same statements run on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T20:06:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "One open stocktake per place, one expected row per device, a device counts once"

INDEXES = {
    # At most one open stocktake per establishment and location ("" = the whole school).
    "stocktake_one_open_per_place": (
        "stocktake (establishment, location) WHERE closed_at IS NULL"
    ),
    "stocktake_expected_once": "stocktake_expected (stocktake, asset)",
    # A device is found (or unexpected) once per stocktake; later scans are duplicates.
    "stocktake_scan_counted_once": (
        "stocktake_scan (stocktake, asset) WHERE outcome IN ('found', 'unexpected')"
    ),
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
