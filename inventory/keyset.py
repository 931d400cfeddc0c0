"""Keyset (cursor) pagination for every long list, API and pages alike.

OFFSET makes the database read and sort every row before a page: at 200,000 devices the last
page of a region took 0.6–1.5 s on SQLite. A keyset page starts *after the last row shown*
(`WHERE (tag, id) > (:tag, :id) ORDER BY tag, id LIMIT n`), which an index on the sort keys
answers by seeking, so the thousandth page costs what the first does.

A list declares its sort as `Key`s, the last one unique (the primary key), and passes a
factory of its filtered select. A `Cursor` carries the key values of the row a page starts
after (or, going back, before), with the sort's name, so that a cursor of one sort is refused
in another. Cursors are opaque to clients: base64url of a small JSON array.

Rows whose first key is NULL (dates not filled in) come last in both directions, as a second
"phase" of the list ordered by the other keys: no engine-specific NULLS FIRST/LAST needed, and
each phase still follows an index.

Counting is the other cost of a deep list: `capped_count` counts at most `COUNT_CAP` + 1
matching rows, and says whether it stopped ("plus de 10 000").
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from piccolo.columns import Column
from piccolo.columns.combination import And, Or, WhereRaw
from piccolo.query import Select
from piccolo.querystring import QueryString
from piccolo.table import Table

from inventory.errors import Invalid

COUNT_CAP = 10_000
CURSOR_ERROR = "curseur invalide ou d'un autre tri : reprenez la liste depuis le début"
_MAX_CURSOR = 2_000  # characters: a cursor holds a few short key values


@dataclass(frozen=True)
class Key:
    """One column of a list's sort. `name` is the column's key in the selected rows."""

    column: Column
    descending: bool = False
    nullable: bool = False  # only the first key may be; its NULLs come last
    name: str = ""

    @property
    def field(self) -> str:
        return self.name or self.column._meta.name


class BadCursor(Invalid):
    """A cursor that is not one this list gave for this sort (tampered with, truncated, or
    kept from another sort): a bad request (400) naming the `cursor` parameter, never a 500
    and not a form's 422 (nothing the person typed is wrong). An `Invalid`, so that pages
    which show a form's errors show this one the same way."""

    status = 400
    title = "Requête invalide"

    def __init__(self) -> None:
        super().__init__({"cursor": CURSOR_ERROR})


class Cursor(msgspec.Struct, array_like=True, frozen=True):
    sort: str
    values: list[Any]
    backward: bool = False


@dataclass(frozen=True)
class KeysetPage:
    rows: list[dict]
    next_cursor: str | None
    previous_cursor: str | None


def encode(sort: str, keys: Sequence[Key], row: dict, backward: bool = False) -> str:
    values = [row[key.field] for key in keys]
    raw = msgspec.json.encode(Cursor(sort, values, backward))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(text: str | None, sort: str, keys: Sequence[Key]) -> Cursor | None:
    """The cursor a client sent back, its values typed like the key columns; None when no
    cursor was sent; `BadCursor` when it is not one of this list and sort."""
    if text is None or not text.strip():
        return None
    try:
        if len(text) > _MAX_CURSOR:
            raise ValueError
        padded = text.strip() + "=" * (-len(text.strip()) % 4)
        cursor = msgspec.json.decode(base64.urlsafe_b64decode(padded), type=Cursor)
        if cursor.sort != sort or len(cursor.values) != len(keys):
            raise ValueError
        values: list[Any] = []
        for index, (key, value) in enumerate(zip(keys, cursor.values, strict=True)):
            if value is None:
                if not (index == 0 and key.nullable):
                    raise ValueError
                values.append(None)
            else:
                values.append(msgspec.convert(value, key.column.value_type, strict=False))
    except (ValueError, binascii.Error, msgspec.MsgspecError, TypeError):
        raise BadCursor from None
    return Cursor(sort, values, cursor.backward)


def _beyond(keys: Sequence[Key], values: Sequence[Any], reverse: bool):
    """Rows strictly after `values` in the keys' order (before them when `reverse`), written
    with a leading range on the first compared key so that an index seeks to it."""
    start = 1 if keys[0].nullable and values[0] is None else 0
    compared = list(zip(keys[start:], values[start:], strict=True))
    if len(compared) > 1 and len({key.descending for key, _ in compared}) == 1:
        return _row_beyond(compared, reverse)
    branches = []
    for index, (key, value) in enumerate(compared):
        greater = key.descending == reverse
        step = key.column > value if greater else key.column < value
        equal = [k.column == v for k, v in compared[:index]]
        branches.append(functools.reduce(And, [*equal, step]) if equal else step)
    first_key, first_value = compared[0]
    greater = first_key.descending == reverse
    seek = first_key.column >= first_value if greater else first_key.column <= first_value
    return And(seek, functools.reduce(Or, branches)) if len(branches) > 1 else branches[0]


def _row_beyond(compared: list[tuple[Key, Any]], reverse: bool) -> WhereRaw:
    """Keys all one way: a row value comparison, `(state, id) > ('in_stock', 123)`, which both
    engines seek to in an index on those columns. The OR form only seeks on the first key and
    then reads every row sharing it: 100,000 devices "en stock" before a deep page of them."""
    greater = compared[0][0].descending == reverse
    names = ", ".join(key.column._meta.get_full_name(with_alias=False) for key, _ in compared)
    marks = ", ".join("{}" for _ in compared)
    values = [value for _, value in compared]
    return WhereRaw(f"({names}) {'>' if greater else '<'} ({marks})", *values)


def _ordered(query: Select, keys: Sequence[Key], reverse: bool, phase: int) -> Select:
    for index, key in enumerate(keys):
        if index == 0 and key.nullable and phase == 1:
            continue  # every row of the NULL phase has the same (absent) first key
        query = query.order_by(key.column, ascending=key.descending == reverse)
    return query


def _phase(select: Callable[[], Select], keys: Sequence[Key], phase: int) -> Select:
    query = select()
    if keys[0].nullable:
        first = keys[0].column
        query = query.where(first.is_null() if phase == 1 else first.is_not_null())
    return query


def _phase_query(
    select: Callable[[], Select],
    keys: Sequence[Key],
    phase: int,
    after: Sequence[Any] | None,
    reverse: bool,
    limit: int,
    skip: int,
) -> Select:
    query = _phase(select, keys, phase)
    if after is not None:
        query = query.where(_beyond(keys, after, reverse))
    query = _ordered(query, keys, reverse, phase).limit(limit)
    return query.offset(skip) if skip else query


def page_query(
    select: Callable[[], Select], keys: Sequence[Key], cursor: Cursor | None, limit: int
) -> Select:
    """The first query `fetch_page` runs for the page at `cursor`: what the query plan tests
    read (tests/api/test_list_plans.py)."""
    in_nulls = cursor is not None and keys[0].nullable and cursor.values[0] is None
    backward = cursor is not None and cursor.backward
    after = cursor.values if cursor is not None else None
    return _phase_query(select, keys, 1 if in_nulls else 0, after, backward, limit + 1, 0)


async def fetch_page(
    select: Callable[[], Select],
    sort: str,
    keys: Sequence[Key],
    cursor: Cursor | None,
    limit: int,
    offset: int = 0,
) -> KeysetPage:
    """The page of `limit` rows after (or before) `cursor`, with the cursors of its
    neighbours. `select` builds the list's filtered select, its columns including every key.

    `offset` (without a cursor) skips that many rows first, for the clients of the API that
    still page by offset (deprecated: the database reads every skipped row); the page it
    gives has cursors like any other, so such a client can switch to them."""
    backward = cursor is not None and cursor.backward
    skip = offset if cursor is None else 0
    phases = [0, 1] if keys[0].nullable else [0]
    in_nulls = cursor is not None and keys[0].nullable and cursor.values[0] is None
    start_phase = 1 if in_nulls else 0
    order = list(reversed(phases)) if backward else phases
    rows: list[dict] = []
    for phase in order[order.index(start_phase) :]:
        after = cursor.values if cursor is not None and phase == start_phase else None
        found = await _phase_query(
            select, keys, phase, after, backward, limit + 1 - len(rows), skip
        )
        # A phase wholly skipped: the next one skips the rest of the offset.
        skipped = await _count(_phase(select, keys, phase)) if skip and not found else skip
        skip = max(0, skip - skipped)
        rows += found
        if len(rows) > limit:
            break
    more = len(rows) > limit
    rows = rows[:limit]
    if backward:
        rows.reverse()
        previous = encode(sort, keys, rows[0], backward=True) if more and rows else None
        following = encode(sort, keys, rows[-1]) if rows else None
    else:
        following = encode(sort, keys, rows[-1]) if more else None
        started = cursor is not None or offset > 0
        previous = encode(sort, keys, rows[0], backward=True) if started and rows else None
    return KeysetPage(rows=rows, next_cursor=following, previous_cursor=previous)


async def page_and_count(
    table: type[Table],
    page: Coroutine[Any, Any, KeysetPage],
    count: Coroutine[Any, Any, tuple[int, bool]],
) -> tuple[KeysetPage, tuple[int, bool]]:
    """A list's page and its capped count at once, each on a pooled connection of `table`'s
    engine: SQLite's readers run in their own threads and PostgreSQL's in their own backends,
    so the list waits for the longer of the two, not their sum. Inside a transaction both go
    through its one connection, one after the other."""
    if table._meta.db.current_transaction.get() is not None:
        try:
            alone = await page
        except BaseException:
            count.close()  # never started: closed, not left to warn that it was never awaited
            raise
        return alone, await count
    try:
        async with asyncio.TaskGroup() as both:
            paged, counted = both.create_task(page), both.create_task(count)
    except ExceptionGroup as failed:
        # The task group wraps what failed: raise it as the query raised it, so that the
        # error mapping sees a refused value or a database error, not a group (a 500).
        raise failed.exceptions[0] from None
    return paged.result(), counted.result()


async def capped_count(select: Select, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows `select` matches, counting at most `cap` + 1 of them: (count, exact).
    When not exact, the count is `cap` and the list says "plus de" it."""
    found = await _count(select.limit(cap + 1))
    return (min(found, cap), found <= cap)


async def _count(select: Select) -> int:
    counting = QueryString("SELECT COUNT(*) AS n FROM ({}) AS counted", select.querystrings[0])
    rows = await select.table._meta.db.run_querystring(counting)
    return rows[0]["n"]
