"""Engine selection and the SQLite connection strategy.

Piccolo's SQLiteEngine opens a new connection for every query (~1 ms each, about 6x slower
than a persistent connection for small reads). `PooledSQLiteEngine` keeps a few persistent
connections per worker process, opened in the app lifespan, and lends one to each query or
transaction. Write transactions still get their own connection for their whole life, so
BEGIN IMMEDIATE keeps serialising writers exactly as before.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiosqlite
import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import (
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
    convert_int_out,
    dict_factory,
)


def _integer_out(value: bytes) -> int:
    """Piccolo's converter for INTEGER columns decodes the bytes and goes through Decimal,
    for every id of every row read (a fifth of a keyed read's time). SQLite's INTEGER affinity
    stores whole numbers as integers, which `int` reads from the bytes at once; anything else
    goes to Piccolo's own converter, as before."""
    try:
        return int(value)
    except ValueError:
        return convert_int_out(value)


# Converters are global to the sqlite3 module: this replaces Piccolo's, registered on import.
sqlite3.register_converter("INTEGER", _integer_out)


class PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction on a connection borrowed from the pool and given back afterwards."""

    engine: PooledSQLiteEngine

    async def get_connection(self) -> aiosqlite.Connection:
        return await self.engine.acquire()

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            await self.engine.release(self.connection)
            self.engine.current_transaction.reset(self.context)
        return exception is None


class PooledSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, pool_size: int = 4, busy_timeout_s: float = 30.0) -> None:
        super().__init__(path=path, timeout=busy_timeout_s)
        self.pool_size = pool_size
        self._idle: asyncio.Queue[aiosqlite.Connection] | None = None
        self._all: list[aiosqlite.Connection] = []
        self._reader: sqlite3.Connection | None = None

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = ON")
        # WAL lets readers go on while one writer commits; NORMAL is durable in WAL mode
        # except for the very last transactions on power loss, which is acceptable here.
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    async def start_connection_pool(self, **_: Any) -> None:
        if self._idle is not None:
            return
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for _ in range(self.pool_size):
            connection = await self._open()
            self._all.append(connection)
            idle.put_nowait(connection)
        self._idle = idle
        self._reader = sqlite3.connect(**{**self.connection_kwargs, "check_same_thread": False})
        self._reader.row_factory = dict_factory
        self._reader.execute("PRAGMA query_only = ON")

    async def close_connection_pool(self) -> None:
        connections, self._all, self._idle = self._all, [], None
        for connection in connections:
            # SQLite's advice for long-lived connections: re-analyse, before closing, what the
            # queries of this connection showed to be stale (usually nothing, in microseconds).
            await connection.execute("PRAGMA optimize")
            await connection.close()
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def pool_usage(self) -> tuple[int, int]:
        """(connections the pool holds, connections lent out now), for the metrics."""
        size = len(self._all)
        return size, size - (self._idle.qsize() if self._idle is not None else size)

    def point_read(self, sql: str, args: list) -> list[dict] | None:
        """Run a keyed read of a few rows right here, on the event loop's thread, or return
        None when that is not possible (no pool, or inside a transaction).

        Handing a query to aiosqlite's thread and back costs more than an indexed read of one
        row takes in SQLite itself; in WAL mode readers never wait for writers, so such a read
        cannot block the loop on a lock. Only use it for reads by unique key (see Prepared)."""
        if self._reader is None or self.current_transaction.get() is not None:
            return None
        return self._reader.execute(sql, args).fetchall()

    def data_version(self) -> int | None:
        """SQLite's `PRAGMA data_version` on the reader connection, or None without a pool. It
        changes whenever another connection commits (another process, or this process's
        pooled connections: the reader never writes): the principal cache's invalidation
        (api.accounts.principal_cache). A few microseconds, no thread hop."""
        if self._reader is None:
            return None
        return self._reader.execute("PRAGMA data_version").fetchone()["data_version"]

    async def acquire(self) -> aiosqlite.Connection:
        if self._idle is None:  # no pool (CLI, migrations): a private connection
            return await self._open()
        return await self._idle.get()

    async def release(self, connection: aiosqlite.Connection) -> None:
        if self._idle is None or connection not in self._all:
            await connection.close()
            return
        if connection.in_transaction:  # a failed COMMIT must not leak into the next user
            await connection.rollback()
        self._idle.put_nowait(connection)

    @asynccontextmanager
    async def borrowed(self) -> AsyncIterator[aiosqlite.Connection]:
        connection = await self.acquire()
        try:
            yield connection
        finally:
            await self.release(connection)

    async def get_connection(self) -> aiosqlite.Connection:
        # Used by Piccolo's batch(), which closes the connection itself: keep it private.
        return await self._open()

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        async with self.borrowed() as connection:
            return await connection.execute_fetchall(query, args or [])

    async def _run_in_existing_connection(
        self, connection, query, args=None, query_type="generic", table=None
    ):
        # Piccolo re-sends PRAGMA foreign_keys before every query; ours are set at open.
        return await connection.execute_fetchall(query, args or [])

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> PooledSQLiteTransaction:
        return PooledSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )


async def _session_kept(connection: asyncpg.Connection) -> None:
    """What a connection given back to the pool needs beyond asyncpg's own `_reset` (which
    rolls back an open transaction and drops listeners): nothing. asyncpg's default reset
    sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` after every
    query, a second round trip for each of a lookup's reads (1.6 ms per lookup in process,
    half of it that reset). The app leaves no session state behind: no advisory locks, no
    LISTEN, cursors and `SET LOCAL` only inside transactions, which end with them."""


class PooledPostgresEngine(PostgresEngine):
    """Piccolo's PostgresEngine whose pool skips the per-query session reset (above)."""

    async def start_connection_pool(self, **kwargs: Any) -> None:
        await super().start_connection_pool(reset=_session_kept, **kwargs)

    def pool_usage(self) -> tuple[int, int]:
        """(connections the pool holds, connections lent out now), for the metrics."""
        if self.pool is None:
            return 0, 0
        size = self.pool.get_size()
        return size, size - self.pool.get_idle_size()

    async def keyed_read(self, sql: str, args: list) -> list[dict] | None:
        """A compiled keyed read (inventory.db.Prepared) straight to asyncpg, on the current
        transaction's connection if there is one: without Piccolo's raw query around it
        (parsing the template, compiling it again, its result processing), which cost as
        much as the round trip itself. None when no pool is open (CLI, migrations)."""
        transaction = self.current_transaction.get()
        if transaction is not None:
            records = await transaction.connection.fetch(sql, *args)
        elif self.pool is not None:
            records = await self.pool.fetch(sql, *args)
        else:
            return None
        return [dict(record) for record in records]


def engine_for(database_url: str, pool_size: int = 4) -> Engine:
    """`sqlite:///relative/path.sqlite`, `sqlite:////absolute/path` or `postgresql://…`."""
    parsed = urlparse(database_url)
    if parsed.scheme == "sqlite":
        path = database_url.removeprefix("sqlite://").removeprefix("/")
        if not path:
            raise ValueError("ORDIPRET_DATABASE_URL: chemin SQLite manquant")
        return PooledSQLiteEngine(path=os.path.abspath(path), pool_size=pool_size)
    if parsed.scheme in ("postgres", "postgresql"):
        return PooledPostgresEngine(config={"dsn": database_url}, extensions=())
    raise ValueError(f"ORDIPRET_DATABASE_URL: schéma inconnu {parsed.scheme!r}")
