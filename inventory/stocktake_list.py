"""The list of stocktakes, newest first, a page at a time by cursor (inventory/keyset.py)."""

from __future__ import annotations

from inventory.errors import Invalid
from inventory.keyset import Key, capped_count, decode, fetch_page
from inventory.scope import Scope
from inventory.stocktake_views import (
    StocktakePage,
    StocktakeView,
    counts_of,
    stocktake_rows,
    view_of,
)
from inventory.tables import Stocktake
from inventory.uai import normalise_uai

MAX_LIST = 200
NEWEST = "-id"
_KEYS = (Key(Stocktake.id, descending=True),)


async def stocktake_page(
    scope: Scope,
    establishment_uai: str | None = None,
    open_only: bool | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> StocktakePage:
    """Newest first, a page after (or before) `cursor`; the total counted up to COUNT_CAP.
    `open_only`: True the open ones, False the closed ones, None all."""
    if not 1 <= limit <= MAX_LIST:
        raise Invalid({"limit": f"entre 1 et {MAX_LIST}"})
    position = decode(cursor, NEWEST, _KEYS)

    def listed(query):
        # A stocktake belongs to the establishment it counts.
        where = scope.restrict(Stocktake.establishment.region, Stocktake.establishment)
        if where is not None:
            query = query.where(where)
        if establishment_uai:
            uai = normalise_uai(establishment_uai)
            query = query.where(Stocktake.establishment.uai == uai)
        if open_only is not None:
            closed = Stocktake.closed_at.is_null()
            query = query.where(closed if open_only else Stocktake.closed_at.is_not_null())
        return query

    found = await fetch_page(lambda: listed(stocktake_rows()), NEWEST, _KEYS, position, limit)
    counts = await counts_of([row["id"] for row in found.rows])
    total, exact = await capped_count(listed(Stocktake.select(Stocktake.id)))
    return StocktakePage(
        items=[view_of(row, counts[row["id"]]) for row in found.rows],
        total=total,
        limit=limit,
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
        total_exact=exact,
    )


async def list_stocktakes(
    scope: Scope,
    establishment_uai: str | None = None,
    open_only: bool | None = None,
    limit: int = 50,
) -> list[StocktakeView]:
    """The newest `limit` (the page of a school's stocktakes)."""
    return (await stocktake_page(scope, establishment_uai, open_only, limit)).items
