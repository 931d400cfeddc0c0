"""The indexes of the device search (inventory.search): by serial alone, by the beginning
of a tag or serial, by any part of them.

Hand-written raw SQL, different per engine:
- PostgreSQL: `text_pattern_ops` btree indexes on tag and serial (a LIKE 'X%' reads them
  whatever the database's collation; they serve `serial = X` too), and trigram GIN indexes
  (pg_trgm) for LIKE '%X%'. pg_trgm is a trusted extension: any role that may create objects
  in the database may create it. Where it may not (or the extension is not installed), the
  trigram indexes are skipped with a notice and the substring search still answers, by
  reading the table; an administrator can run `CREATE EXTENSION pg_trgm` and re-create them
  (the statements are below) at any time.
- SQLite: a plain index on serial (the tag has its unique index), read by range comparisons,
  and an FTS5 table with the trigram tokenizer over tag and serial, its content read from
  `asset` (external content) and kept in step by triggers.
"""

import logging

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T09:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes of the device search by tag and serial"

logger = logging.getLogger(__name__)

POSTGRES_INDEXES = (
    "CREATE INDEX asset_tag_prefix ON asset (tag text_pattern_ops)",
    "CREATE INDEX asset_serial_prefix ON asset (serial text_pattern_ops)",
)
POSTGRES_TRIGRAMS = (
    "CREATE INDEX asset_tag_trigram ON asset USING gin (tag gin_trgm_ops)",
    "CREATE INDEX asset_serial_trigram ON asset USING gin (serial gin_trgm_ops)",
)
SQLITE = (
    "CREATE INDEX asset_serial ON asset (serial)",
    "CREATE VIRTUAL TABLE asset_search USING fts5("
    "tag, serial, content='asset', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER asset_search_insert AFTER INSERT ON asset BEGIN "
    "INSERT INTO asset_search (rowid, tag, serial) VALUES (new.id, new.tag, new.serial); END",
    "CREATE TRIGGER asset_search_delete AFTER DELETE ON asset BEGIN "
    "INSERT INTO asset_search (asset_search, rowid, tag, serial) "
    "VALUES ('delete', old.id, old.tag, old.serial); END",
    "CREATE TRIGGER asset_search_update AFTER UPDATE OF tag, serial ON asset BEGIN "
    "INSERT INTO asset_search (asset_search, rowid, tag, serial) "
    "VALUES ('delete', old.id, old.tag, old.serial); "
    "INSERT INTO asset_search (rowid, tag, serial) VALUES (new.id, new.tag, new.serial); END",
    "INSERT INTO asset_search (asset_search) VALUES ('rebuild')",
)
SQLITE_BACKWARDS = (
    "DROP TRIGGER asset_search_update",
    "DROP TRIGGER asset_search_delete",
    "DROP TRIGGER asset_search_insert",
    "DROP TABLE asset_search",
    "DROP INDEX asset_serial",
)
POSTGRES_BACKWARDS = (
    "DROP INDEX IF EXISTS asset_serial_trigram",
    "DROP INDEX IF EXISTS asset_tag_trigram",
    "DROP INDEX asset_serial_prefix",
    "DROP INDEX asset_tag_prefix",
)


async def _trigram_indexes(engine) -> None:
    """The trigram indexes, if pg_trgm is there or may be created (in a savepoint, so that a
    refusal leaves the migration's transaction usable)."""
    await engine.run_ddl("SAVEPOINT trigram")
    try:
        await engine.run_ddl("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as error:  # asyncpg's InsufficientPrivilege, UndefinedFile, …
        await engine.run_ddl("ROLLBACK TO SAVEPOINT trigram")
        logger.warning(
            "pg_trgm unavailable (%s): the device search by part of a serial reads the table",
            type(error).__name__,
        )
        return
    await engine.run_ddl("RELEASE SAVEPOINT trigram")
    for statement in POSTGRES_TRIGRAMS:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        if engine.engine_type == "postgres":
            for statement in POSTGRES_INDEXES:
                await engine.run_ddl(statement)
            await _trigram_indexes(engine)
        else:
            for statement in SQLITE:
                await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        backwards = POSTGRES_BACKWARDS if engine.engine_type == "postgres" else SQLITE_BACKWARDS
        for statement in backwards:
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
