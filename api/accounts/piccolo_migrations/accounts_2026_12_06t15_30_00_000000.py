"""PostgreSQL: a notification on `ordipret_principals` at the commit of any change to the rows
a principal is made of (accounts, API tokens, the accounts' establishments, establishments),
so that each process's principal cache (api/accounts/principal_cache.py) empties itself on
the next request after another process's change, whoever writes (the app, the command line,
psql).

Statement-level triggers: one notification per statement, not per row, and PostgreSQL folds
identical notifications of one transaction into one, delivered at commit (none on rollback).
TRUNCATE is covered too. The establishment table belongs to inventory, which knows nothing of
accounts: its trigger is here, accounts depending on inventory (its migrations run first).
The trigger names are checked by the cache before it turns on (principal_cache.TRIGGERS).

SQLite needs nothing: the cache reads `PRAGMA data_version` there.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Notify the principal caches of account, token and establishment changes"

TABLES = ("account", "api_token", "account_establishment", "establishment")

FORWARDS = (
    "CREATE FUNCTION ordipret_principals_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN PERFORM pg_notify('ordipret_principals', ''); RETURN NULL; END $$",
    *(
        f"CREATE TRIGGER {table}_principals_changed "
        f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION ordipret_principals_changed()"
        for table in TABLES
    ),
)
BACKWARDS = (
    *(f"DROP TRIGGER {table}_principals_changed ON {table}" for table in TABLES),
    "DROP FUNCTION ordipret_principals_changed()",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def create_triggers():
        engine = engine_finder()
        if engine.engine_type == "postgres":
            for statement in FORWARDS:
                await engine.run_ddl(statement)

    async def drop_triggers():
        engine = engine_finder()
        if engine.engine_type == "postgres":
            for statement in BACKWARDS:
                await engine.run_ddl(statement)

    manager.add_raw(create_triggers)
    manager.add_raw_backwards(drop_triggers)
    return manager
