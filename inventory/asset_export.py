"""CSV export of any asset list, streamed page by page so 250k rows never sit in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator

from inventory.assets import AssetFilters, iter_assets
from inventory.csv_format import BOM, COLUMNS, EXPORT_ONLY, CsvExport, format_date
from inventory.scope import Scope
from inventory.views import AssetView


def _row(asset: AssetView) -> list[object]:
    return [
        asset.tag,
        asset.serial,
        asset.model.manufacturer,
        asset.model.name,
        asset.establishment.uai if asset.establishment else "",
        asset.region_code,
        asset.state,
        asset.condition,
        format_date(asset.acquired_on),
        format_date(asset.warranty_end),
        asset.notes,
        asset.status,
        asset.loan.state if asset.loan else "",
        (asset.loan.class_name or "") if asset.loan else "",
        format_date(asset.loan.due_on) if asset.loan else "",
        asset.location.name if asset.location else "",
    ]


async def csv_lines(scope: Scope, filters: AssetFilters, sort: str = "tag") -> AsyncIterator[str]:
    export = CsvExport()
    yield BOM + export.lines(COLUMNS + EXPORT_ONLY)
    async for asset in iter_assets(scope, filters, sort):
        yield export.lines(_row(asset))
