"""The test database: SQLite by default, PostgreSQL when ORDIPRET_TEST_DATABASE_URL is set.

Migrations run once per session; every test starts from empty tables (truncation, since
per-test rollback through the ASGI app deadlocks on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg

from api.infra.database import engine_for
from api.infra.piccolo_conf import app_tables, bind, migrate
from loans.reports import tallies


def test_database_url(tmp_dir: Path) -> str:
    return os.environ.get("ORDIPRET_TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.sqlite'}"


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


async def _reset_postgres(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


def prepare(url: str) -> None:
    """Start from an empty database and apply every migration."""
    if is_postgres(url):
        asyncio.run(_reset_postgres(url))
    bind(engine_for(url))
    asyncio.run(migrate())


def table_names() -> list[str]:
    """Every table, children first, so that DELETE never trips a foreign key; the reports'
    tallies last, since deleting the base rows fires their triggers."""
    return [table._meta.tablename for table in reversed(app_tables())] + list(tallies.TABLES)


# The sequences of the app's tables (not Piccolo's migration log), restarted with them.
_SEQUENCES = """
SELECT DISTINCT quote_ident(sequence.relname) AS name
FROM pg_class sequence
JOIN pg_depend dependency ON dependency.objid = sequence.oid
JOIN pg_class owner ON owner.oid = dependency.refobjid
WHERE sequence.relkind = 'S' AND owner.relname = ANY($1::text[])
"""


async def _empty_postgres(connection, names: list[str]) -> None:
    """DELETE, children first, then restart the id sequences: what TRUNCATE … RESTART IDENTITY
    does, but in about a millisecond on the few rows a test writes, where TRUNCATE takes a
    hundred (it makes new files for every table)."""
    sequences = [row["name"] for row in await connection.fetch(_SEQUENCES, names)]
    restart = ", ".join(f"setval('{name}', 1, false)" for name in sequences)
    deletes = "; ".join(f"DELETE FROM {name}" for name in names)
    await connection.execute(f"BEGIN; {deletes}; SELECT {restart}; COMMIT;")


async def truncate_all(engine) -> None:
    """Every app table emptied and its ids restarting at 1."""
    names = table_names()
    if engine.engine_type == "postgres":
        if engine.pool is not None:
            async with engine.pool.acquire() as connection:
                await _empty_postgres(connection, names)
        else:
            connection = await engine.get_new_connection()
            try:
                await _empty_postgres(connection, names)
            finally:
                await connection.close()
    else:
        # One connection with foreign keys off: self-references (a transferred loan points to
        # its predecessor) would otherwise depend on the order rows are deleted in.
        async with engine.borrowed() as connection:
            await connection.execute("PRAGMA foreign_keys = OFF")
            try:
                for name in names:
                    await connection.execute(f"DELETE FROM {name}")
            finally:
                await connection.execute("PRAGMA foreign_keys = ON")
