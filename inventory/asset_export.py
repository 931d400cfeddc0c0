"""CSV export of any asset list, streamed batch by batch so 250k rows never sit in memory.

One ordered pass in keyset batches (`inventory.assets.asset_batches`), linear in rows: each
batch reads only the asset's own columns and foreign keys (Piccolo converting the full view's
timestamps, JSON and joined names cost eight times the read itself), its open loans in one
indexed query, and goes out as one chunk (a chunk per row made 200,000 sends of the server
for a region). Regions, schools, models and locations are named from small dictionaries,
filled as their ids first appear.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from typing import Any

from inventory.assets import AssetFilters, asset_batches
from inventory.csv_format import BOM, COLUMNS, EXPORT_ONLY, CsvExport, format_date
from inventory.lending import LENT, open_loans
from inventory.scope import Scope
from inventory.tables import Asset, DeviceModel, Establishment, Location, Region

# Dates repeat (a delivery's devices share theirs): strftime once per date.
_date = functools.lru_cache(maxsize=8192)(format_date)
BATCH = 2000  # rows per read and per chunk sent: a few hundred kilobytes

EXPORT_COLUMNS = (
    Asset.id,
    Asset.tag,
    Asset.serial,
    Asset.state,
    Asset.condition,
    Asset.acquired_on,
    Asset.warranty_end,
    Asset.notes,
    Asset.region,
    Asset.establishment,
    Asset.model,
    Asset.location,
)


class _Names:
    """Names of the referenced rows, read once per id for the whole export."""

    def __init__(self) -> None:
        self.regions: dict[int, Any] = {}  # code
        self.schools: dict[int, Any] = {}  # UAI
        self.models: dict[int, Any] = {}  # (manufacturer, name)
        self.locations: dict[int, Any] = {}  # name

    async def learn(self, rows: list[dict]) -> None:
        for key, table, known, columns in (
            ("region", Region, self.regions, (Region.code,)),
            ("establishment", Establishment, self.schools, (Establishment.uai,)),
            ("model", DeviceModel, self.models, (DeviceModel.manufacturer, DeviceModel.name)),
            ("location", Location, self.locations, (Location.name,)),
        ):
            new = {row[key] for row in rows if row[key] is not None} - known.keys()
            if new:
                found = await table.select(table.id, *columns).where(table.id.is_in(list(new)))
                for item in found:
                    values = tuple(item[c._meta.name] for c in columns)
                    known[item["id"]] = values if len(values) > 1 else values[0]


def _row(scope: Scope, names: _Names, row: dict, found: tuple | None) -> list[object]:
    """One CSV row; the borrower's class and the due date stay hidden from a caller who does
    not see the loan's establishment (as in the asset's view)."""
    loan_state, borrower_class, due_on = "", "", None
    if found is not None:
        loan, loan_establishment = found
        loan_state = loan.state
        if scope.sees_establishment(loan_establishment, row["region"]):
            borrower_class, due_on = loan.class_name or "", loan.due_on
    manufacturer, model = names.models[row["model"]]
    school, location = row["establishment"], row["location"]
    return [
        row["tag"],
        row["serial"],
        manufacturer,
        model,
        names.schools[school] if school is not None else "",
        names.regions[row["region"]],
        row["state"],
        row["condition"],
        _date(row["acquired_on"]),
        _date(row["warranty_end"]),
        row["notes"],
        LENT if found is not None else row["state"],
        loan_state,
        borrower_class,
        _date(due_on),
        names.locations[location] if location is not None else "",
    ]


async def _read(scope: Scope, filters: AssetFilters, sort: str, batch: int, names: _Names):
    """Batches of (asset row, its open loan or None), every name they use known."""
    async for rows in asset_batches(scope, filters, sort, EXPORT_COLUMNS, batch):
        await names.learn(rows)
        loans = await open_loans(row["id"] for row in rows)
        yield [(row, loans.get(row["id"])) for row in rows]


async def _ahead(source: AsyncIterator[list]) -> AsyncIterator[list]:
    """`source`'s items, the next one read while the caller writes this one: the database
    (PostgreSQL's process, SQLite's thread) works while Python formats the CSV."""
    pending = asyncio.ensure_future(anext(source, None))
    try:
        while (item := await pending) is not None:
            pending = asyncio.ensure_future(anext(source, None))
            yield item
    finally:  # the client went away, or the end: no read left running
        pending.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await pending
        await source.aclose()  # type: ignore[attr-defined]


async def csv_lines(
    scope: Scope, filters: AssetFilters, sort: str = "tag", batch: int = BATCH
) -> AsyncIterator[str]:
    """The header, then one chunk of CSV lines per batch of assets."""
    export, names = CsvExport(), _Names()
    yield BOM + export.lines(COLUMNS + EXPORT_ONLY)
    async for pairs in _ahead(_read(scope, filters, sort, batch, names)):
        yield export.lines(*(_row(scope, names, row, loan) for row, loan in pairs))
