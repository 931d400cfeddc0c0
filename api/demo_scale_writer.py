"""Bulk writing for the scale demo: rows go straight to the database in large batches, around
the ORM, which would take an hour for ten million rows.

- SQLite: one plain `sqlite3` connection to the same file, `executemany` in one transaction
  per batch, with `synchronous = OFF` on that connection only (a crash mid-build leaves a
  half-built demo to delete, nothing else). Values go through the adapters Piccolo registers
  with `sqlite3` (dates, aware timestamps in UTC, arrays as JSON), so rows read back exactly
  as rows written by the app.
- PostgreSQL: `COPY … FROM STDIN` (asyncpg `copy_records_to_table`) on a connection of the
  engine's pool; ids are given by the generator, so the sequences are moved past them at the
  end.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

import api.infra.database  # noqa: F401  (imports Piccolo's SQLite adapters before any write)

# Every table the generator fills, parents before children, with the columns it gives.
COLUMNS: dict[str, tuple[str, ...]] = {
    "region": ("id", "code", "name"),
    "establishment": (
        "id", "uai", "name", "city", "region", "contact_email", "contact_phone", "head_name",
    ),
    "device_model": ("id", "manufacturer", "name", "category", "accessories"),
    "student": (
        "id", "region", "establishment", "ent_id", "ine", "last_name", "first_name",
        "birth_date", "class_name", "left_on", "created_at",
    ),
    "guardian": (
        "id", "student", "last_name", "first_name", "email", "phone", "ent_id", "legal_authority",
    ),
    "asset": (
        "id", "tag", "serial", "manufacturer_key", "model", "region", "establishment", "state",
        "condition", "acquired_on", "warranty_end", "notes", "created_at", "updated_at",
    ),
    "campaign": (
        "id", "establishment", "kind", "name", "class_names", "starts_on", "ends_on",
        "created_at", "created_by",
    ),
    "loan": (
        "id", "asset", "student", "establishment", "campaign", "previous", "state", "category",
        "slot", "due_on", "accessories_planned", "accessories_given", "accessories_returned",
        "return_condition", "damage_notes", "incident_on", "circumstances", "police_report_ref",
        "police_report_on", "created_at", "handed_over_at", "closed_at",
    ),
    "agreement": (
        "id", "loan", "version", "terms_version", "sha256", "document", "content_key",
        "required", "stated", "public_id", "issued_at", "issued_by_name", "superseded_at",
        "completed_at",
    ),
    "signature": (
        "id", "agreement", "role", "guardian", "signer_name", "method", "signed_at",
        "client_address", "user_agent", "document_sha256", "image_sha256", "scan_sha256",
        "without_scan", "recorded_by_id", "recorded_by_name", "ent_key", "auth_method",
    ),
    "asset_event": (
        "id", "asset", "at", "actor_id", "actor_name", "action", "changes", "establishment_id",
    ),
    "loan_event": (
        "id", "loan", "at", "actor_id", "actor_name", "action", "changes", "establishment_id",
    ),
}  # fmt: skip


class BulkWriter:
    """`write(table, rows)` appends rows (tuples in `COLUMNS[table]` order); `finish()`
    refreshes what the engine needs after a bulk load (sequences, statistics)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = isinstance(engine, PostgresEngine)
        self.written: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self._sqlite: sqlite3.Connection | None = None

    async def write_all(self, batch: dict[str, list[tuple]]) -> None:
        """Write a batch of several tables, parents first; one transaction on SQLite."""
        if self.postgres:
            for table in COLUMNS:
                if batch.get(table):
                    await self._copy(table, batch[table])
            return
        connection = self._connection()
        with connection:  # one transaction per batch: commit, or roll back on error
            for table in COLUMNS:
                rows = batch.get(table)
                if rows:
                    marks = ", ".join("?" * len(COLUMNS[table]))
                    names = ", ".join(COLUMNS[table])
                    connection.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
                    self.written[table] += len(rows)

    async def _copy(self, table: str, rows: Sequence[tuple]) -> None:
        engine = self.engine
        assert isinstance(engine, PostgresEngine)
        if engine.pool is not None:
            async with engine.pool.acquire() as connection:
                await connection.copy_records_to_table(
                    table, records=rows, columns=list(COLUMNS[table])
                )
        else:
            connection = await engine.get_new_connection()
            try:
                await connection.copy_records_to_table(
                    table, records=rows, columns=list(COLUMNS[table])
                )
            finally:
                await connection.close()
        self.written[table] += len(rows)

    def _connection(self) -> sqlite3.Connection:
        if self._sqlite is None:
            path = self.engine.path  # type: ignore[attr-defined]  # SQLiteEngine
            self._sqlite = sqlite3.connect(path, timeout=30)
            # Durability is not needed while building a demo; speed is.
            self._sqlite.execute("PRAGMA synchronous = OFF")
            self._sqlite.execute("PRAGMA cache_size = -262144")  # 256 MiB
            self._sqlite.execute("PRAGMA temp_store = MEMORY")
        return self._sqlite

    async def finish(self) -> None:
        """Move the id sequences past the ids given (PostgreSQL) and refresh the planner's
        statistics: right after a bulk load they describe empty tables."""
        if self.postgres:
            for table in COLUMNS:
                await self.engine.run_ddl(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
            await self.engine.run_ddl("ANALYZE")
            return
        connection = self._connection()
        connection.execute("ANALYZE")
        connection.execute("PRAGMA optimize")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        self._sqlite = None
