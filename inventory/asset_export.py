"""CSV export of any asset list, streamed page by page so 250k rows never sit in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from inventory.assets import AssetFilters, iter_assets
from inventory.csv_format import BOM, COLUMNS, DELIMITER, format_date, protect_cell
from inventory.scope import Scope
from inventory.views import AssetView


def _row(asset: AssetView) -> list[str]:
    return [
        asset.tag,
        asset.serial,
        protect_cell(asset.model.manufacturer),
        protect_cell(asset.model.name),
        asset.establishment.uai if asset.establishment else "",
        asset.region_code,
        asset.state,
        asset.condition,
        format_date(asset.acquired_on),
        format_date(asset.warranty_end),
        protect_cell(asset.notes),
    ]


async def csv_lines(scope: Scope, filters: AssetFilters, sort: str = "tag") -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield BOM + buffer.getvalue()
    async for asset in iter_assets(scope, filters, sort):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_row(asset))
        yield buffer.getvalue()
