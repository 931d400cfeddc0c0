"""CSV export: what a spreadsheet opens must never run as a formula."""

import csv
import io

import pytest

from inventory import catalogue
from inventory.asset_export import csv_lines
from inventory.asset_import import import_assets
from inventory.assets import AssetFilters, get_asset
from inventory.csv_format import CsvExport
from inventory.errors import Invalid
from inventory.tables import Asset
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, make_asset


async def _export() -> str:
    return "".join([line async for line in csv_lines(PLATFORM, AssetFilters())])


async def test_a_note_that_looks_like_a_formula_is_exported_as_text(world):
    await make_asset("R24-F1", UAI_A, world.model_id, notes='=HYPERLINK("http://x","clic")')
    rows = list(csv.reader(io.StringIO(await _export()), delimiter=";"))
    assert rows[1][rows[0].index("notes")] == '\'=HYPERLINK("http://x","clic")'


async def test_a_protected_note_re_imports_without_its_apostrophe(world):
    await make_asset("R24-F2", UAI_A, world.model_id, notes="-15 % de batterie")
    exported = await _export()
    await Asset.delete(force=True)
    report = await import_assets(PLATFORM, ACTOR, NOW, exported.encode(), dry_run=False)
    assert report.errors == []
    assert (await get_asset(PLATFORM, "R24-F2")).notes == "-15 % de batterie"


FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])  # tab and CR are trimmed at input
async def test_every_free_text_column_is_protected_whatever_its_formula_sign(world, start):
    model = await catalogue.create_device_model(
        PLATFORM,
        manufacturer=f"{start}Maker",
        name=f"{start}Model",
        category="laptop",
        accessories=[],
    )
    await make_asset("R24-F3", UAI_A, model.id, notes=f"{start}note")
    rows = list(csv.reader(io.StringIO(await _export()), delimiter=";"))
    assert rows[1][2:4] == [f"'{start}Maker", f"'{start}Model"]
    assert rows[1][rows[0].index("notes")] == f"'{start}note"


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_the_one_csv_writer_protects_every_cell_of_every_export(start):
    text = CsvExport().lines(["ok", f"{start}1+1", None, 42])
    assert list(csv.reader(io.StringIO(text), delimiter=";")) == [["ok", f"'{start}1+1", "", "42"]]


@pytest.mark.parametrize("serial", ["=1+1", "+33", "-5", "@SUM", "X\t1", "A;B", 'A"B', "É1"])
async def test_a_serial_with_a_formula_sign_or_an_odd_character_is_refused_at_the_door(
    world, serial
):
    with pytest.raises(Invalid) as refused:
        await make_asset("R24-F4", UAI_A, world.model_id, serial=serial)
    assert "serial" in refused.value.errors


@pytest.mark.parametrize("serial", ["5CD1234XYZ", "PF-3A.B/7_1", "SN 0042"])
async def test_ordinary_serials_are_accepted(world, serial):
    await make_asset("R24-F5", UAI_A, world.model_id, serial=serial)
    assert (await get_asset(PLATFORM, "R24-F5")).serial == serial
