"""Indexes of the staff lists read by cursor (inventory.keyset): the accounts by name, and
one account's history and sign-ins newest first, each ending with the id the sort ends with,
so that a page seeks to its first row whatever its depth.

Hand-written raw SQL; the same statements run on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T09:35:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes of the account lists read by cursor"

INDEXES = {
    "account_name_id": "account (display_name, id)",
    "account_event_account_id": "account_event (account, id)",
    "sign_in_record_account_id": "sign_in_record (account, id)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX {name} ON {target}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
