"""PostgreSQL: `pg_dump` in the custom format, run inside a snapshot the command holds open,
and `pg_restore` onto an empty database in one transaction.

The command opens a REPEATABLE READ transaction, exports its snapshot and hands it to
`pg_dump --snapshot`: the dump, the counts and the migrations of the manifest then describe
the very same state, however busy the server is. `pg_restore --single-transaction` restores
all or nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from api.infra.backup import facts
from api.infra.backup.archive import BackupError

INSTALL = (
    "introuvable : installez les outils clients de PostgreSQL (paquet postgresql-client), "
    "de la version du serveur ou plus récente."
)


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} {INSTALL}")
    return path


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and the password in PGPASSWORD: a command line is
    readable by every user of the host (`ps`), the environment is not."""
    parts = urlsplit(database_url)
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = parts.password
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        netloc += f":{parts.port}" if parts.port else ""
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts._replace(scheme="postgresql")), env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        # pg_restore's CONTEXT and DETAIL lines may quote rows: keep only its own messages.
        lines = [line for line in done.stderr.splitlines() if line.startswith(("pg_", "error"))]
        raise BackupError(f"{Path(command[0]).name} a échoué : {' '.join(lines[:3])[:600]}")


async def snapshot(database_url: str, destination: Path, advance) -> facts.Snapshot:
    pg_dump = tool("pg_dump")
    url, env = _libpq(database_url)
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            exported = await connection.fetchval("SELECT pg_export_snapshot()")
            created_at = dt.datetime.now(dt.UTC)
            tables = [row[0] for row in await connection.fetch(facts.TABLES_SQL["postgresql"])]
            counts = {t: await connection.fetchval(facts.count_sql(t)) for t in tables}
            migrations = await connection.fetch(facts.MIGRATIONS_SQL)
            documents = await connection.fetch(facts.DOCUMENTS_SQL)
            advance(0, 1)
            command = [pg_dump, "--format=custom", "--no-owner", f"--snapshot={exported}"]
            await asyncio.to_thread(_run, [*command, f"--file={destination}", url], env)
            advance(1, 1)
    finally:
        await connection.close()
    return facts.snapshot_of(
        created_at, counts, [tuple(r) for r in migrations], [tuple(r) for r in documents]
    )


async def refuse_unless_empty(database_url: str) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        tables = await connection.fetch(
            "SELECT 1 FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        )
    finally:
        await connection.close()
    if tables:
        raise BackupError(
            f"La base PostgreSQL contient déjà {len(tables)} table(s) : la restauration ne se "
            "fait que sur une base vide (createdb), jamais par-dessus des données."
        )


def restore(database_url: str, dump: Path) -> None:
    pg_restore = tool("pg_restore")
    url, env = _libpq(database_url)
    # No owner, privileges nor comments: the restoring role owns what it creates, and the
    # comment on pg_trgm would need a superuser.
    options = ["--no-owner", "--no-privileges", "--no-comments", "--exit-on-error"]
    _run([pg_restore, *options, "--single-transaction", f"--dbname={url}", str(dump)], env)
