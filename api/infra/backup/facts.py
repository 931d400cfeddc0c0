"""What a snapshot says of itself, read inside the snapshot: the rows of every table, the
migrations applied, the documents its rows name. The manifest keeps them, and the restore
compares the restored database with them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

TABLES_SQL = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' "
    "AND name NOT LIKE 'sqlite_%' ORDER BY name",
    "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
}
MIGRATIONS_SQL = "SELECT app_name, name FROM migration ORDER BY id"
DOCUMENTS_SQL = "SELECT DISTINCT sha256 FROM document"


def count_sql(table: str) -> str:
    return f'SELECT count(*) FROM "{table}"'  # names come from the catalogue or a checked manifest


def engine_of(database_url: str) -> str:
    return "postgresql" if database_url.startswith(("postgres://", "postgresql://")) else "sqlite"


@dataclass(frozen=True)
class Snapshot:
    created_at: dt.datetime
    tables: dict[str, int]
    migrations: list[list[str]]
    documents: frozenset[str]  # SHA-256 named by the `document` rows


def snapshot_of(
    created_at: dt.datetime, tables: dict[str, int], migrations: list, documents: list
) -> Snapshot:
    return Snapshot(
        created_at=created_at,
        tables=tables,
        migrations=[[str(app), str(name)] for app, name in migrations],
        documents=frozenset(str(sha256) for (sha256,) in documents),
    )
