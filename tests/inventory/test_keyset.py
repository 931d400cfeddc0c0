"""Keyset pages (inventory/keyset.py): every row once and in order, forwards and backwards,
rows without a first key last in both directions, cursors bound to their sort, capped counts."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from inventory.db import write_transaction
from inventory.errors import Invalid
from inventory.keyset import (
    COUNT_CAP,
    BadCursor,
    Key,
    capped_count,
    decode,
    encode,
    fetch_page,
    page_and_count,
)
from inventory.tables import Asset
from tests.factories import UAI_A, make_asset

D1, D2 = dt.date(2024, 9, 1), dt.date(2025, 9, 1)
# tag -> (acquired_on, state), created in this order (ids ascending)
ASSETS = {
    "K5": (D2, "in_stock"),
    "K1": (None, "in_repair"),
    "K4": (D1, "in_stock"),
    "K2": (D2, "in_repair"),
    "K7": (None, "in_stock"),
    "K3": (D1, "in_repair"),
    "K6": (D2, "in_stock"),
}
SORTS = {
    "tag": ((Key(Asset.tag),), ["K1", "K2", "K3", "K4", "K5", "K6", "K7"]),
    "-tag": ((Key(Asset.tag, descending=True),), ["K7", "K6", "K5", "K4", "K3", "K2", "K1"]),
    # Equal dates by id; no date last, in either direction.
    "acquired_on": (
        (Key(Asset.acquired_on, nullable=True), Key(Asset.id)),
        ["K4", "K3", "K5", "K2", "K6", "K1", "K7"],
    ),
    "-acquired_on": (
        (Key(Asset.acquired_on, descending=True, nullable=True), Key(Asset.id, descending=True)),
        ["K6", "K2", "K5", "K3", "K4", "K7", "K1"],
    ),
    # Mixed directions: the state ascending, then the newest first.
    "state,-id": (
        (Key(Asset.state), Key(Asset.id, descending=True)),
        ["K3", "K2", "K1", "K6", "K7", "K4", "K5"],
    ),
    # Timestamps through the cursor's round trip (all made at the same instant: by id).
    "-updated_at": (
        (Key(Asset.updated_at, descending=True), Key(Asset.id, descending=True)),
        ["K6", "K3", "K7", "K2", "K4", "K1", "K5"],
    ),
    "-acquired_on,tag": (
        (Key(Asset.acquired_on, descending=True, nullable=True), Key(Asset.tag)),
        ["K2", "K5", "K6", "K3", "K4", "K1", "K7"],
    ),
}


def _rows():
    return Asset.select(Asset.id, Asset.tag, Asset.acquired_on, Asset.state, Asset.updated_at)


async def _assets(world) -> None:
    for tag, (acquired, state) in ASSETS.items():
        await make_asset(tag, UAI_A, world.model_id, acquired_on=acquired, state=state)


async def _page(sort: str, cursor: str | None, limit: int, offset: int = 0):
    keys = SORTS[sort][0]
    return await fetch_page(_rows, sort, keys, decode(cursor, sort, keys), limit, offset)


def _tags(page) -> list[str]:
    return [row["tag"] for row in page.rows]


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 50])
async def test_pages_forwards_then_backwards_show_every_row_once_in_order(world, sort, limit):
    await _assets(world)
    forwards, page = [], await _page(sort, None, limit)
    assert page.previous_cursor is None
    forwards.append(_tags(page))
    while page.next_cursor:
        page = await _page(sort, page.next_cursor, limit)
        forwards.append(_tags(page))
    assert [tag for tags in forwards for tag in tags] == SORTS[sort][1]
    backwards = []
    while page.previous_cursor:
        page = await _page(sort, page.previous_cursor, limit)
        backwards.append(_tags(page))
        assert page.next_cursor is not None
    assert backwards == list(reversed(forwards[:-1]))


@pytest.mark.parametrize("sort", ["acquired_on", "-acquired_on"])
async def test_a_cursor_among_the_rows_without_a_date_goes_on_and_back_across_them(world, sort):
    await _assets(world)
    expected = SORTS[sort][1]
    # The fifth row has a date, the sixth none: pages of two from the sixth row on.
    middle = await _page(sort, None, 5)
    undated = await _page(sort, middle.next_cursor, 1)
    assert _tags(undated) == expected[5:6]
    last = await _page(sort, undated.next_cursor, 2)
    assert _tags(last) == expected[6:] and last.next_cursor is None
    back = await _page(sort, last.previous_cursor, 3)
    assert _tags(back) == expected[3:6]


async def test_an_offset_page_gives_the_cursors_of_its_neighbours(world):
    await _assets(world)
    expected = SORTS["acquired_on"][1]
    page = await _page("acquired_on", None, 2, offset=4)
    assert _tags(page) == expected[4:6]
    assert _tags(await _page("acquired_on", page.next_cursor, 5)) == expected[6:]
    assert _tags(await _page("acquired_on", page.previous_cursor, 5)) == expected[:4]
    beyond_the_dated = await _page("acquired_on", None, 5, offset=6)
    assert _tags(beyond_the_dated) == expected[6:]


async def test_a_cursor_of_another_sort_is_refused_naming_the_cursor(world):
    await _assets(world)
    page = await _page("tag", None, 2)
    with pytest.raises(BadCursor) as refused:
        decode(page.next_cursor, "-tag", SORTS["-tag"][0])
    assert refused.value.status == 400
    assert set(refused.value.fields) == {"cursor"}
    with pytest.raises(BadCursor):
        decode(page.next_cursor, "acquired_on", SORTS["acquired_on"][0])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "deux",
        "!!!",
        _b64(b"not json"),
        _b64(b'{"sort": "tag"}'),
        _b64(b'["tag", "K1"]'),
        _b64(b'["tag", ["K1", 2]]'),  # one key too many
        _b64(b'["acquired_on", [null, null]]'),  # only the first key may be empty
        _b64(b'["acquired_on", ["hier", 3]]'),  # not a date
        _b64(b'["acquired_on", ["2024-09-01", "trois"]]'),  # not an id
        "x" * 3000,
    ],
)
def test_garbage_cursors_are_refused(cursor):
    sort = (
        "acquired_on"
        if "acquired" in base64.urlsafe_b64decode(cursor + "===").decode(errors="replace")
        else "tag"
    )
    with pytest.raises(BadCursor):
        decode(cursor, sort, SORTS[sort][0])


def test_a_cursor_comes_back_with_its_values_typed_like_the_columns():
    keys = SORTS["acquired_on"][0]
    cursor = decode(encode("acquired_on", keys, {"acquired_on": D1, "id": 4}), "acquired_on", keys)
    assert cursor is not None and cursor.values == [D1, 4] and not cursor.backward
    assert decode("  ", "acquired_on", keys) is None


async def test_a_count_below_the_cap_is_exact_and_above_it_says_more_than(world):
    await _assets(world)
    assert await capped_count(Asset.select(Asset.id)) == (7, True)
    assert await capped_count(Asset.select(Asset.id), cap=7) == (7, True)
    assert await capped_count(Asset.select(Asset.id), cap=3) == (3, False)
    in_repair = Asset.select(Asset.id).where(Asset.state == "in_repair")
    assert await capped_count(in_repair, cap=3) == (3, True)
    assert COUNT_CAP == 10_000


async def test_a_failure_of_a_page_read_with_its_count_is_raised_as_itself(world):
    """Not wrapped in the task group's ExceptionGroup, which no error mapping recognises."""

    async def refused_page():
        raise Invalid({"q": "Recherche refusée."})

    async def count() -> tuple[int, bool]:
        return 0, True

    with pytest.raises(Invalid):
        await page_and_count(Asset, refused_page(), count())


async def test_inside_a_transaction_a_failed_page_leaves_its_count_closed_not_pending(world):
    async def refused_page():
        raise Invalid({"q": "Recherche refusée."})

    async def count() -> tuple[int, bool]:
        return 0, True

    counting = count()
    async with write_transaction():
        with pytest.raises(Invalid):
            await page_and_count(Asset, refused_page(), counting)
    assert counting.cr_frame is None  # closed: no "never awaited" warning later
