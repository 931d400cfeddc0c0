"""CSV export: what a spreadsheet opens must never run as a formula."""

import csv
import io

from inventory.asset_export import csv_lines
from inventory.asset_import import import_assets
from inventory.assets import AssetFilters, get_asset
from inventory.tables import Asset
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, make_asset


async def _export() -> str:
    return "".join([line async for line in csv_lines(PLATFORM, AssetFilters())])


async def test_a_note_that_looks_like_a_formula_is_exported_as_text(world):
    await make_asset("R24-F1", UAI_A, world.model_id, notes='=HYPERLINK("http://x","clic")')
    rows = list(csv.reader(io.StringIO(await _export()), delimiter=";"))
    assert rows[1][-1] == '\'=HYPERLINK("http://x","clic")'


async def test_a_protected_note_re_imports_without_its_apostrophe(world):
    await make_asset("R24-F2", UAI_A, world.model_id, notes="-15 % de batterie")
    exported = await _export()
    await Asset.delete(force=True)
    report = await import_assets(PLATFORM, ACTOR, NOW, exported.encode(), dry_run=False)
    assert report.errors == []
    assert (await get_asset(PLATFORM, "R24-F2")).notes == "-15 % de batterie"
