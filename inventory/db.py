"""Transactions and constraint errors, the same way on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3

from piccolo.engine.base import BaseTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from inventory.tables import Region

try:  # asyncpg is only needed on PostgreSQL
    from asyncpg.exceptions import DataError, UniqueViolationError
except ImportError:  # pragma: no cover
    DataError = UniqueViolationError = ()  # type: ignore[assignment,misc]


def write_transaction() -> BaseTransaction:
    """A transaction for read-then-write use-cases.

    SQLite's default DEFERRED transactions take the write lock only at the first write, so
    two concurrent read-then-write transactions deadlock and one fails with "database is
    locked". IMMEDIATE takes the lock at BEGIN and the busy timeout queues writers instead.
    PostgreSQL's default READ COMMITTED plus the unique constraints is what we rely on there.
    """
    engine = Region._meta.db
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


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


def is_value_out_of_range(error: BaseException) -> bool:
    """A value the database cannot store (too large a number, a NUL character)."""
    return isinstance(error, OverflowError | DataError)
