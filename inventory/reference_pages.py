"""The reference lists (regions, establishments, device models) a page at a time, by cursor
(`inventory.keyset`), for the administration pages and the API. The lists are short (tens
of regions, hundreds of schools and models) and `regions`/`catalogue` still answer them whole
for forms' choices; a page of them no longer reads them whole to show fifty.

Sorts end with the id: two schools may share a name.
"""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

from inventory import keyset
from inventory.catalogue import _COLUMNS as MODEL_COLUMNS
from inventory.regions import _ESTABLISHMENT_COLUMNS
from inventory.scope import Scope
from inventory.tables import DeviceModel, Establishment, Region
from inventory.views import DeviceModelView, EstablishmentView, RegionView

T = TypeVar("T")

REGION_SORT, REGION_KEYS = "regions", (keyset.Key(Region.code), keyset.Key(Region.id))
ESTABLISHMENT_SORT = "establishments"
ESTABLISHMENT_KEYS = (keyset.Key(Establishment.name), keyset.Key(Establishment.id))
MODEL_SORT = "models"
MODEL_KEYS = (
    keyset.Key(DeviceModel.manufacturer),
    keyset.Key(DeviceModel.name),
    keyset.Key(DeviceModel.id),
)


class CountedPage(msgspec.Struct, Generic[T], frozen=True):
    items: list[T]
    total: int  # at most keyset.COUNT_CAP: `total_exact` false means "more than"
    total_exact: bool
    next_cursor: str | None
    previous_cursor: str | None


async def counted_page(select, sort, keys, cursor: str | None, limit: int, view) -> CountedPage:
    """The page of `select` (a factory of the filtered select) after `cursor`, its rows made
    into `view`s, with the capped count of the whole list."""
    after = keyset.decode(cursor, sort, keys)
    found = await keyset.fetch_page(select, sort, keys, after, limit)
    total, exact = await keyset.capped_count(select())
    return CountedPage(
        items=[view(**row) for row in found.rows],
        total=total,
        total_exact=exact,
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
    )


async def region_page(
    scope: Scope, *, limit: int, cursor: str | None = None
) -> CountedPage[RegionView]:
    """By code. Staff of a school read their region (as `regions.list_regions`)."""
    where = scope.restrict(Region.id, staff_see_region=True)

    def select():
        query = Region.select(Region.id, Region.code, Region.name)
        return query if where is None else query.where(where)

    return await counted_page(select, REGION_SORT, REGION_KEYS, cursor, limit, RegionView)


async def establishment_page(
    scope: Scope, *, limit: int, cursor: str | None = None, region_code: str | None = None
) -> CountedPage[EstablishmentView]:
    """By name, in the scope, optionally of one region."""
    where = scope.restrict(Establishment.region, Establishment.id)

    def select():
        query = Establishment.select(*_ESTABLISHMENT_COLUMNS)
        if where is not None:
            query = query.where(where)
        if region_code:
            query = query.where(Establishment.region.code == region_code)
        return query

    return await counted_page(
        select, ESTABLISHMENT_SORT, ESTABLISHMENT_KEYS, cursor, limit, EstablishmentView
    )


async def device_model_page(
    *, limit: int, cursor: str | None = None
) -> CountedPage[DeviceModelView]:
    """By manufacturer and name: the catalogue is the platform's, the same for everyone."""

    def select():
        return DeviceModel.select(*MODEL_COLUMNS)

    return await counted_page(select, MODEL_SORT, MODEL_KEYS, cursor, limit, DeviceModelView)
