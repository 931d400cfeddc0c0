"""Transactions and constraint errors, the same way on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from piccolo.engine.base import BaseTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query.base import Query
from piccolo.table import Table

from inventory.tables import Region

try:  # asyncpg is only needed on PostgreSQL
    from asyncpg.exceptions import DataError, ForeignKeyViolationError, UniqueViolationError
except ImportError:  # pragma: no cover
    DataError = ForeignKeyViolationError = UniqueViolationError = ()  # type: ignore[assignment,misc]


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for read-then-write use-cases (inside another one, it joins it).

    SQLite's default DEFERRED transactions take the write lock only at the first write, so
    two concurrent read-then-write transactions deadlock and one fails with "database is
    locked". IMMEDIATE takes the lock at BEGIN and the busy timeout queues writers instead.
    PostgreSQL's default READ COMMITTED plus the unique constraints is what we rely on there.
    Wrapped in a generator so that type checkers know it never swallows an exception.
    """
    engine = Region._meta.db
    transaction: BaseTransaction = (
        engine.transaction(transaction_type=TransactionType.immediate)
        if isinstance(engine, SQLiteEngine)
        else engine.transaction()
    )
    async with transaction:
        yield


def for_update(query, *tables):
    """Lock the selected rows of `tables` until the transaction ends. On SQLite the IMMEDIATE
    write transaction already holds the only write lock, and SELECT … FOR UPDATE does not exist."""
    if isinstance(Region._meta.db, SQLiteEngine):
        return query
    return query.lock_rows(of=tables)


def is_unique_violation(error: BaseException) -> bool:
    if isinstance(error, sqlite3.IntegrityError):
        return "UNIQUE constraint failed" in str(error)
    return isinstance(error, UniqueViolationError)


def is_foreign_key_violation(error: BaseException) -> bool:
    """A row still referenced elsewhere (a delete the database refused), or one referring to
    a row that is gone: the use-case should have said why; this is the net behind it."""
    if isinstance(error, sqlite3.IntegrityError):
        return "FOREIGN KEY constraint failed" in str(error)
    return isinstance(error, ForeignKeyViolationError)


def is_value_out_of_range(error: BaseException) -> bool:
    """A value the database cannot store (too large a number, a NUL character)."""
    return isinstance(error, OverflowError | DataError)


# Placeholders in compiled SQL, per engine, turned back into Piccolo's raw-query braces.
_PLACEHOLDERS = {"sqlite": re.compile(r"\?"), "postgres": re.compile(r"\$\d+")}
PARAMETER = "\x00parameter"  # stands for each argument when the query is first compiled


class Prepared:
    """A Piccolo query compiled once per engine and run again with new argument values.

    Building a joined select costs ~0.7 ms of CPU in Piccolo, a hundred times the cost of
    running it on an indexed column (measured by bench/). Hot read paths prepare their query
    once: `build` must use `PARAMETER` for each argument, in the order they are passed.
    """

    def __init__(
        self, table: type[Table], build: Callable[[], Query] | None = None, around: str = ""
    ) -> None:
        """`around`: SQL the compiled query is put into, at `{query}` (a join Piccolo cannot
        write, such as a reverse foreign key), adding no argument of its own."""
        self._table = table
        self._build = build
        self._around = around
        self._compiled: dict[str, str] = {}

    @classmethod
    def from_sql(cls, table: type[Table], sql: str) -> Prepared:
        """A hand-written query, with Piccolo's `{}` placeholders."""
        prepared = cls(table)
        count = sql.count("{}")
        prepared._compiled = {
            "sqlite": sql.replace("{}", "?"),
            "postgres": sql.format(*(f"${n}" for n in range(1, count + 1))),
        }
        return prepared

    def _sql(self, engine_type: str) -> str:
        if engine_type not in self._compiled:
            assert self._build is not None  # from_sql compiled every engine up front
            query = self._build()
            sql, args = query.querystrings[0].compile_string(engine_type=engine_type)
            if any(arg != PARAMETER for arg in args):
                raise ValueError("a prepared query takes all its values as PARAMETER")
            self._compiled[engine_type] = (
                self._around.replace("{query}", sql) if self._around else sql
            )
        return self._compiled[engine_type]

    async def rows(self, *args) -> list[dict]:
        """Prepared queries are keyed reads of a few rows: an engine that can answer those
        without a thread hop (see api.infra.database.PooledSQLiteEngine.point_read) or
        straight from its driver (PooledPostgresEngine.keyed_read) does."""
        engine = self._table._meta.db
        sql = self._sql(engine.engine_type)
        point_read = getattr(engine, "point_read", None)
        if point_read is not None and (rows := point_read(sql, list(args))) is not None:
            return rows
        keyed_read = getattr(engine, "keyed_read", None)  # PostgreSQL's pooled engine
        if keyed_read is not None and (rows := await keyed_read(sql, list(args))) is not None:
            return rows
        template = _PLACEHOLDERS[engine.engine_type].sub("{}", sql)
        return await self._table.raw(template, *args)
