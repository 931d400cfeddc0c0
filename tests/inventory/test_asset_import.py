"""Bulk CSV import of assets: checked like a single create, then all or nothing."""

from __future__ import annotations

import datetime as dt

from inventory import asset_export, asset_import, assets, catalogue
from inventory.asset_import import LineError, import_assets
from inventory.csv_format import COLUMNS
from inventory.scope import Scope
from inventory.tables import Asset, AssetEvent
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, UAI_B, UAI_C, make_asset

HEADER = ";".join(COLUMNS)


def row(
    tag: str,
    serial: str | None = None,
    *,
    manufacturer: str = "Lenovo",
    model: str = "ThinkPad E14",
    uai: str = UAI_A,
    region: str = "24",
    state: str = "in_stock",
    condition: str = "A",
    acquired_on: str = "01/09/2025",
    warranty_end: str = "31/08/2028",
    notes: str = "",
    sep: str = ";",
) -> str:
    values = [tag, serial or f"SN-{tag}", manufacturer, model, uai, region, state, condition]
    return sep.join([*values, acquired_on, warranty_end, notes])


def csv_file(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def it_staff_of_a(world) -> Scope:
    return Scope.establishments({world.establishment_ids["A"]: world.region_ids["24"]})


async def count_assets() -> int:
    return await Asset.count()


async def run(data: bytes, scope: Scope = PLATFORM, dry_run: bool = False, **kwargs):
    return await import_assets(scope, ACTOR, NOW, data, dry_run=dry_run, **kwargs)


async def test_a_valid_file_creates_every_asset_with_an_imported_history_event(world):
    data = csv_file(
        row("R24-0001"), row("R24-0002", uai=UAI_B), row("R24-0003", uai="", notes="réserve")
    )

    report = await run(data)

    assert report.errors == []
    assert (report.rows, report.created) == (3, 3)
    first = await assets.get_asset(PLATFORM, "R24-0001")
    assert first.serial == "SN-R24-0001"
    assert first.model.id == world.model_id
    assert first.establishment.uai == UAI_A
    assert first.acquired_on == dt.date(2025, 9, 1)
    assert first.warranty_end == dt.date(2028, 8, 31)
    stock = await assets.get_asset(PLATFORM, "R24-0003")
    assert (stock.establishment, stock.region_code, stock.notes) == (None, "24", "réserve")
    for tag in ("R24-0001", "R24-0002", "R24-0003"):
        history = await assets.asset_history(PLATFORM, tag)
        assert [(e.action, e.actor_name) for e in history] == [("imported", ACTOR.name)]
        assert history[0].changes["tag"] == [None, tag]


async def test_a_dry_run_reports_what_would_be_created_and_writes_nothing(world):
    report = await run(csv_file(row("R24-0001"), row("R24-0002")), dry_run=True)

    assert (report.rows, report.created, report.errors) == (2, 2, [])
    assert await count_assets() == 0


async def test_a_single_bad_row_means_nothing_is_written_and_the_error_names_line_and_column(
    world,
):
    data = csv_file(row("R24-0001"), row("R24-0002", state="prêté"), row("R24-0003"))

    report = await run(data)

    assert report.created == 0
    assert [(e.line, e.column) for e in report.errors] == [(3, "state")]
    assert report.errors[0].message.startswith("état inconnu ; valeurs possibles")
    assert await count_assets() == 0
    assert await AssetEvent.count() == 0


async def test_a_tag_twice_in_the_file_is_refused_on_the_second_line(world):
    report = await run(csv_file(row("R24-0001", "SN1"), row("r24-0001 ", "SN2")))

    assert [(e.line, e.column) for e in report.errors] == [(3, "tag")]
    assert "en double dans le fichier (ligne 2)" in report.errors[0].message
    assert await count_assets() == 0


async def test_a_tag_already_in_the_database_is_refused(world):
    await make_asset("R24-0001", UAI_A, world.model_id)

    report = await run(csv_file(row("R24-0001", "NEW-SERIAL"), row("R24-0002")))

    assert report.errors == [LineError(2, "tag", "le numéro d'inventaire R24-0001 existe déjà")]
    assert await count_assets() == 1


async def test_a_serial_already_known_for_the_same_manufacturer_is_refused_even_in_a_dry_run(
    world,
):
    await make_asset("R24-0001", UAI_A, world.model_id, serial="PF-123")

    data = csv_file(row("R24-0002", "pf-123", manufacturer="  LENOVO "))
    report = await run(data, dry_run=True)

    assert report.errors == [
        LineError(2, "serial", "le numéro de série PF-123 existe déjà pour ce fabricant")
    ]


async def test_a_serial_twice_for_the_same_manufacturer_in_the_file_is_refused(world):
    report = await run(csv_file(row("R24-0001", "PF-1"), row("R24-0002", "PF-1")))

    assert [(e.line, e.column) for e in report.errors] == [(3, "serial")]


async def test_the_same_serial_from_two_manufacturers_is_accepted(world):
    await catalogue.create_device_model(
        PLATFORM, manufacturer="Dell", name="Latitude 3440", category="laptop", accessories=[]
    )
    data = csv_file(
        row("R24-0001", "X1"), row("R24-0002", "X1", manufacturer="Dell", model="Latitude 3440")
    )

    report = await run(data)

    assert (report.created, report.errors) == (2, [])


async def test_a_bad_date_is_reported_on_its_column(world):
    report = await run(csv_file(row("R24-0001", acquired_on="31/02/2025")))

    assert report.errors == [LineError(2, "acquired_on", "date invalide : JJ/MM/AAAA attendu")]


async def test_a_warranty_ending_before_acquisition_is_refused_like_a_single_create(world):
    report = await run(
        csv_file(row("R24-0001", acquired_on="2025-09-01", warranty_end="2024-09-01"))
    )

    assert report.errors == [
        LineError(2, "warranty_end", "la fin de garantie précède la date d'acquisition")
    ]


async def test_an_unknown_model_is_reported(world):
    report = await run(csv_file(row("R24-0001", model="ThinkPad X1")))

    assert report.errors == [
        LineError(2, "model", "modèle « Lenovo ThinkPad X1 » inconnu du catalogue")
    ]


async def test_the_model_is_matched_whatever_the_case_and_spacing(world):
    report = await run(csv_file(row("R24-0001", manufacturer="lenovo", model=" thinkpad  e14 ")))

    assert (report.created, report.errors) == (1, [])
    assert (await assets.get_asset(PLATFORM, "R24-0001")).model.id == world.model_id


async def test_an_establishment_outside_the_callers_scope_is_refused_on_its_line(world):
    data = csv_file(
        row("R24-0001"), row("R24-0002", uai=UAI_B), row("R44-0001", uai=UAI_C, region="44")
    )

    report = await run(data, scope=it_staff_of_a(world))

    assert [(e.line, e.column) for e in report.errors] == [
        (3, "establishment_uai"),
        (4, "establishment_uai"),
    ]
    assert report.errors[0].message == f"établissement {UAI_B} inconnu ou hors de votre périmètre"
    assert await count_assets() == 0


async def test_an_establishment_of_another_region_than_the_region_code_is_refused(world):
    report = await run(csv_file(row("R24-0001", uai=UAI_A, region="44")))

    assert report.errors == [
        LineError(2, "region_code", "l'établissement n'appartient pas à cette région")
    ]


async def test_regional_stock_needs_a_region_the_caller_manages(world):
    data = csv_file(row("R24-0001", uai="", region="24"), row("R24-0002", uai="", region=""))

    report = await run(data, scope=it_staff_of_a(world))

    assert report.errors == [
        LineError(2, "region_code", "région 24 inconnue ou hors de votre périmètre"),
        LineError(
            3, "establishment_uai", "indiquez l'établissement (ou la région pour le stock régional)"
        ),
    ]


async def test_a_comma_separated_file_is_accepted(world):
    data = csv_file(row("R24-0001", sep=","), header=",".join(COLUMNS))

    report = await run(data)

    assert (report.created, report.errors) == (1, [])


async def test_a_cp1252_file_from_french_excel_is_accepted(world):
    data = csv_file(row("R24-0001", notes="écran rayé, à réparer"), encoding="cp1252")

    report = await run(data)

    assert report.errors == []
    assert (await assets.get_asset(PLATFORM, "R24-0001")).notes == "écran rayé, à réparer"


async def test_header_names_ignore_case_spaces_and_a_bom_and_optional_columns_may_be_left_out(
    world,
):
    header = "\ufeff TAG ; Serial;MANUFACTURER;Model;Establishment_UAI"
    report = await run(csv_file(f"R24-0001;S1;Lenovo;ThinkPad E14;{UAI_A}", header=header))

    assert report.errors == []
    created = await assets.get_asset(PLATFORM, "R24-0001")
    assert (created.state, created.condition, created.acquired_on) == ("in_stock", "A", None)


async def test_an_unknown_header_column_is_reported_on_line_one(world):
    report = await run(csv_file(row("R24-0001") + ";x", header=HEADER + ";couleur"))

    assert [(e.line, e.column) for e in report.errors] == [(1, "couleur")]
    assert report.errors[0].message.startswith("colonne inconnue")
    assert await count_assets() == 0


async def test_a_missing_required_column_is_reported_on_line_one(world):
    report = await run(b"tag;manufacturer;model\r\nR24-0001;Lenovo;ThinkPad E14\r\n")

    assert report.errors == [LineError(1, "serial", "colonne obligatoire absente")]


async def test_empty_lines_are_skipped_and_lines_keep_their_file_numbers(world):
    data = csv_file(
        "", row("R24-0001", notes='"deux\nlignes"'), ";;;;;;;;;;", row("R24-0002", state="x")
    )

    report = await run(data)

    assert report.rows == 2
    assert [(e.line, e.column) for e in report.errors] == [(6, "state")]


async def test_a_file_over_the_row_cap_is_refused_with_one_error_stating_the_cap(world):
    data = csv_file(
        *(f"T{i};S{i};Lenovo;ThinkPad E14" for i in range(50_001)),
        header="tag;serial;manufacturer;model",
    )

    report = await run(data)

    assert report.rows == 50_001
    assert len(report.errors) == 1
    assert report.errors[0].line == 1
    assert "50 000 au plus" in report.errors[0].message


async def test_past_a_thousand_errors_the_rest_are_counted_not_listed(world):
    report = await run(csv_file(*(row(f"R24-{i:04d}", state="x") for i in range(1_005))))

    assert len(report.errors) == 1_001
    assert report.errors[-1] == LineError(
        1_002, "", "5 autres erreurs, à partir de cette ligne, ne sont pas affichées"
    )


async def test_an_export_re_imports_identically(world):
    await make_asset(
        "R24-0001", UAI_A, world.model_id, acquired_on=dt.date(2025, 9, 1), notes="a; b"
    )
    await make_asset("R24-0002", UAI_B, world.model_id, state="in_repair", condition="C")
    await make_asset("R24-0003", None, world.model_id, region_code="24")
    exported = "".join(
        [line async for line in asset_export.csv_lines(PLATFORM, assets.AssetFilters())]
    )
    await AssetEvent.delete(force=True)
    await Asset.delete(force=True)

    report = await run(exported.encode())

    assert (report.created, report.errors) == (3, [])
    again = "".join(
        [line async for line in asset_export.csv_lines(PLATFORM, assets.AssetFilters())]
    )
    assert again == exported


async def test_a_file_of_several_chunks_is_imported_whole_with_progress_up_to_the_total(world):
    calls: list[tuple[int, int]] = []
    data = csv_file(*(row(f"R24-{i:04d}", uai=(UAI_A, UAI_B, "")[i % 3]) for i in range(1_001)))

    report = await run(data, progress=lambda done, total: calls.append((done, total)))

    assert (report.created, report.errors) == (1_001, [])
    assert (await count_assets(), await AssetEvent.count()) == (1_001, 1_001)
    # validating then inserting each row, chunk by chunk
    assert [done for done, _ in calls] == [500, 1_000, 1_001, 1_501, 2_001, 2_002]
    assert {total for _, total in calls} == {2_002}


async def test_a_tag_taken_by_a_concurrent_import_after_the_check_is_reported_not_raised(
    world, monkeypatch
):
    real_check = asset_import._check_database

    async def check_then_lose_the_race(rows):
        await real_check(rows)
        monkeypatch.setattr(asset_import, "_check_database", real_check)
        await make_asset("R24-0002", UAI_A, world.model_id)  # another import commits meanwhile

    monkeypatch.setattr(asset_import, "_check_database", check_then_lose_the_race)

    report = await run(csv_file(row("R24-0001"), row("R24-0002")))

    assert report.errors == [LineError(3, "tag", "le numéro d'inventaire R24-0002 existe déjà")]
    assert await count_assets() == 1


async def test_a_dry_run_describes_the_first_rows_it_would_create(world, monkeypatch):
    monkeypatch.setattr(asset_import, "PREVIEW_ROWS", 2)
    data = csv_file(row("r24-1", "sn 1"), row("R24-2", uai=""), row("R24-3"))

    report = await run(data, dry_run=True)

    assert [
        (p.line, p.tag, p.serial, p.establishment_uai, p.region_code) for p in report.planned
    ] == [
        (2, "R24-1", "SN 1", UAI_A, "24"),
        (3, "R24-2", "SN-R24-2", "", "24"),
    ]
    assert report.created == 3 and await count_assets() == 0
