"""Report exports through the API: the devices and loans behind the figures, and the figures'
tables, as CSV and XLSX; scoped like every report."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from api.clock import today
from inventory import catalogue
from tests.api.problems import assert_problem
from tests.factories import PLATFORM, UAI_A, UAI_B, make_asset
from tests.loans.reports_world import make_report_world

SCHOOL_YEAR = "from=2026-07-05&to=2027-07-04"
EXPORTS = (
    "assets.csv",
    "assets.xlsx",
    "loans.csv",
    "loans.xlsx",
    "figures.xlsx",
    "fleet.csv",
    "coverage.xlsx",
    "levels.csv",
    "loan-states.csv",
    "incidents.xlsx",
    "models.csv",
    "activity.csv",
    "campaigns.xlsx",
)


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # Excel reads the accents right
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def column(rows: list[list], title: str) -> list:
    at = rows[0].index(title)
    return [row[at] for row in rows[1:]]


async def test_the_devices_of_a_region_come_with_their_state_lent_included(as_, world):
    await make_report_world(world)
    client = as_("manager_24")
    response = await client.get("/api/v1/reports/exports/assets.csv?region=24")
    rows = read_csv(response)
    assert rows[0][:4] == ["Numéro d'inventaire", "Numéro de série", "État", "Fabricant"]
    by_tag = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    # Lycée A's 9 devices (the ceded one too), lycée B's 2, the region's stock: not lycée C.
    assert sorted(by_tag) == [
        "A1",
        "A2",
        "A3",
        "A4",
        "A5",
        "A6",
        "A7",
        "A8",
        "A9",
        "B1",
        "B2",
        "R1",
    ]
    fleet = (await client.get("/api/v1/reports/fleet?region=24")).json()
    lent = next(row["count"] for row in fleet["by_state"] if row["key"] == "lent")
    assert column(rows, "État").count("prêté") == lent == 5  # A7's loan awaits a signature
    assert [by_tag[t]["État"] for t in ("A1", "A5", "A6", "A9", "B2")] == [
        "prêté",
        "perdu",
        "en réparation",
        "cédé",
        "volé",
    ]
    assert (by_tag["A2"]["Acquis le"], by_tag["A2"]["Fin de garantie"]) == (
        "20/08/2025",
        "15/09/2027",
    )
    assert (by_tag["A7"]["Modèle"], by_tag["A7"]["Catégorie"]) == ("iPad 10", "tablet")
    assert (by_tag["B1"]["UAI"], by_tag["R1"]["UAI"], by_tag["R1"]["Établissement"]) == (
        UAI_B,
        "",
        "Stock régional",
    )
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="appareils-region-24-{today()}.csv"'


async def test_the_devices_open_in_a_spreadsheet_with_dates_as_dates(as_, world):
    await make_report_world(world)
    response = await as_("it_a").get(f"/api/v1/reports/exports/assets.xlsx?establishment={UAI_A}")
    book = read_xlsx(response)
    sheet = book["Appareils"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert sheet.max_row == 10  # the header and lycée A's 9 devices
    by_tag = {row[0]: row for row in rows[1:]}
    assert by_tag["A2"][2] == "prêté"
    assert by_tag["A2"][9] == dt.datetime(2025, 8, 20)
    assert sheet.cell(row=2, column=10).number_format == "dd/mm/yyyy"
    assert by_tag["A7"][10] is None  # no warranty end: an empty cell
    assert f'filename="appareils-{UAI_A}-' in response.headers["content-disposition"]


async def test_the_loans_of_the_period_with_their_dates_and_return_condition(as_, world):
    await make_report_world(world)
    client = as_("manager_24")
    rows = read_csv(await client.get(f"/api/v1/reports/exports/loans.csv?{SCHOOL_YEAR}"))
    assert len(rows) == 11  # lycée A's 8 loans and lycée B's 2 (lycée C is in region 44)
    by_device = {row[5]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_device["A4"]["État"] == "rendu"
    assert by_device["A4"]["État au retour"] == "B (bon état)"
    assert by_device["A4"]["Remis le"] == "15/09/2026"
    # Handed over at 00:30 on 1 October in Paris (22:30 UTC the day before).
    assert by_device["A3"]["Remis le"] == "01/10/2026"
    assert by_device["A6"]["État au retour"] == "D (endommagé)"
    assert by_device["A7"]["État"] == "en attente de signature"
    assert by_device["A7"]["Remis le"] == ""
    assert by_device["B2"]["État"] == "volé"
    assert by_device["B2"]["Clos le"] == "01/03/2027"
    assert {row["Modèle"] for row in by_device.values()} == {"ThinkPad E14", "iPad 10"}
    # A period ending before any loan was prepared holds none.
    early = await client.get("/api/v1/reports/exports/loans.csv?from=2025-09-01&to=2026-06-30")
    assert read_csv(early)[1:] == []


async def test_the_loans_open_in_a_spreadsheet(as_, world):
    await make_report_world(world)
    response = await as_("manager_24").get(f"/api/v1/reports/exports/loans.xlsx?{SCHOOL_YEAR}")
    sheet = read_xlsx(response)["Prêts"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 11
    assert rows[0][0] == "N° de prêt"
    assert all(isinstance(row[0], int) for row in rows[1:])
    returned = next(row for row in rows if row[5] == "A4")
    assert returned[10] == dt.datetime(2026, 9, 15) and returned[13] == "B (bon état)"


async def test_the_figure_tables_hold_the_figures_of_the_json_reports(as_, world):
    await make_report_world(world)
    client = as_("manager_24")
    fleet = (await client.get("/api/v1/reports/fleet?region=24")).json()
    rows = read_csv(await client.get("/api/v1/reports/exports/fleet.csv?region=24"))
    assert column(rows, "UAI") == [p["establishment_uai"] or "" for p in fleet["by_establishment"]]
    assert column(rows, "Prêté") == [str(p["states"]["lent"]) for p in fleet["by_establishment"]]
    coverage = (await client.get("/api/v1/reports/coverage")).json()
    sheet = read_xlsx(await client.get("/api/v1/reports/exports/coverage.xlsx")).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [row[3:6] for row in table[1:]] == [
        [p["enrolled"], p["equipped"], p["rate"]] for p in coverage["by_establishment"]
    ]
    levels = read_csv(await client.get("/api/v1/reports/exports/levels.csv"))
    seconde = next(row for row in levels if row[0] == "seconde")
    level = next(lv for lv in coverage["by_level"] if lv["level"] == "2NDE")
    assert seconde[3] == str(level["rate"]).replace(".", ",")  # a decimal comma
    book = read_xlsx(await client.get(f"/api/v1/reports/exports/figures.xlsx?{SCHOOL_YEAR}"))
    assert len(book.sheetnames) == 8
    campaigns = [list(row) for row in book["Campagnes"].iter_rows(values_only=True)]
    assert [row[3] for row in campaigns[1:]] == ["Rentrée A", "Collecte B"]


async def test_a_text_that_looks_like_a_formula_never_runs(as_, world):
    model = await catalogue.create_device_model(
        PLATFORM,
        manufacturer="=cmd|' /C calc'!A0",
        name="+SUM(1)",
        category="laptop",
        accessories=[],
    )
    await make_asset("F1", UAI_A, model.id)
    client = as_("manager_24")
    rows = read_csv(await client.get("/api/v1/reports/exports/assets.csv"))
    assert rows[1][3:5] == ["'=cmd|' /C calc'!A0", "'+SUM(1)"]
    sheet = read_xlsx(await client.get("/api/v1/reports/exports/assets.xlsx")).active
    cell = sheet.cell(row=2, column=4)
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=cmd|' /C calc'!A0", "s", True)


@pytest.mark.parametrize("export", EXPORTS)
async def test_every_export_out_of_scope_is_not_found(as_, world, export):
    manager_44 = as_("manager_44")
    response = await manager_44.get(f"/api/v1/reports/exports/{export}?region=24")
    assert_problem(response, 404, "region")
    response = await manager_44.get(f"/api/v1/reports/exports/{export}?establishment={UAI_A}")
    assert_problem(response, 404, "establishment")
    response = await as_("it_b").get(f"/api/v1/reports/exports/{export}?establishment={UAI_A}")
    assert_problem(response, 404, "establishment")


async def test_an_unknown_export_is_not_found_and_a_bad_date_is_named(as_, world):
    client = as_("admin")
    for name in ("parc.csv", "fleet.pdf", "fleet"):
        assert_problem(await client.get(f"/api/v1/reports/exports/{name}"), 404)
    assert_problem(
        await client.get("/api/v1/reports/exports/loans.csv?from=01/09/2026"), 422, "from"
    )


async def test_exports_need_an_account(client):
    assert (await client.get("/api/v1/reports/exports/assets.csv")).status_code == 401
