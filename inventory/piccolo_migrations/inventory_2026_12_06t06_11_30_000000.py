"""A location's name is unique within its school, whatever its case ("Chariot 1" and
"chariot 1" are one cart): an expression index the columns cannot declare.

Hand-written raw SQL, in a migration of its own because Piccolo runs `add_raw` before it
creates the tables of the same migration. The same statement runs on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T06:11:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "One location of a name per school"

INDEXES = {"location_name_once": "location (establishment, lower(name))"}


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
