"""Bulk writes of the imports (assets, students, their history): multi-row INSERTs of plain
values, in a transaction with room for the indexes they touch.

Building a Piccolo object per row and letting `Table.insert` render it costs ~0.4 ms of CPU a
row: half the time of a 20,000-row student import, two thirds of an asset import's writing.
The engines' adapters convert plain values the same way (dates, timestamps, booleans); JSON
columns take the text Piccolo itself would write (`json_text`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table
from piccolo.utils.encoding import dump_json

from inventory.db import write_transaction
from inventory.tables import Region


def json_text(value) -> str:
    """A JSON column's value as Piccolo writes it (the same encoder, so the same text)."""
    return dump_json(value)


async def insert_many(
    table: type[Table], columns: Sequence[str], rows: Sequence[tuple], returning: Sequence[str] = ()
) -> list[dict]:
    """One INSERT of `rows` (tuples in the order of `columns`). 500 rows of 15 columns stay
    well under the 32,766 bound variables of SQLite and PostgreSQL."""
    one = "(" + ", ".join(["{}"] * len(columns)) + ")"
    sql = f"INSERT INTO {table._meta.tablename} ({', '.join(columns)}) VALUES "
    sql += ", ".join([one] * len(rows))
    if returning:
        sql += " RETURNING " + ", ".join(returning)
    return await table.raw(sql, *(value for row in rows for value in row))


# SQLite's page cache per connection is 2 MB by default. An import inserts into a dozen
# indexes of student (or asset) at random places: once they outgrow the cache each insert
# reads its pages again from the OS. The CPU of a 20,000-row student file grew 1.8x from an
# empty table to one of 180,000 students (3.2 -> 5.8 s); with 64 MB for the import's
# transaction 1.5x (2.6 -> 3.9 s), and 100,000 rows into 200,000 took 16.8 s of CPU instead of
# 18.9 (bench/student_import.py, on a machine shared with other work: figures within ~20 %).
BULK_CACHE_KIB = 64 * 1024


@asynccontextmanager
async def bulk_write_transaction() -> AsyncIterator[None]:
    """`write_transaction()` for a bulk write; on SQLite its connection's page cache is
    larger meanwhile, then back to what it was (the connection returns to the pool)."""
    async with write_transaction():
        engine = Region._meta.db
        if not isinstance(engine, SQLiteEngine):
            yield
            return
        before = (await Region.raw("PRAGMA cache_size"))[0]["cache_size"]
        await Region.raw(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        try:
            yield
        finally:
            await Region.raw(f"PRAGMA cache_size = {int(before)}")
