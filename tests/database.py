"""The test database: SQLite by default, PostgreSQL when ORDIPRET_TEST_DATABASE_URL is set.

Migrations run once per session; every test starts from empty tables (truncation, since
per-test rollback through the ASGI app deadlocks on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg

from api.infra.database import app_tables, bind, engine_for, migrate


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
    """Every table, children first, so that DELETE never trips a foreign key."""
    return [table._meta.tablename for table in reversed(app_tables())]


async def truncate_all(engine) -> None:
    names = table_names()
    if engine.engine_type == "postgres":
        await engine.run_ddl(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
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
