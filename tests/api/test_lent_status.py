"""A lent device reads "prêté" everywhere: API detail and list, the list's filter, the CSV
export, the counts of its school, its page and the scan card. The open loan is the one source
of truth: no column of the asset says it."""

import csv
import io

from inventory import fleet_counts
from inventory.assets import AssetFilters, list_assets
from loans import lifecycle
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, active_loan, make_asset, make_student


async def lent_and_on_the_shelf(world) -> None:
    """LENT-1 handed over to a 2NDE3 student, LENT-2 prepared for another, SHELF-1 in stock."""
    await active_loan(world, "LENT-1", UAI_A, (await make_student("A")).id)
    await make_asset("LENT-2", UAI_A, world.model_id)
    student = await make_student("A", class_name="1G2")
    await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag="LENT-2", student_id=student.id, max_open_per_category=1
    )
    await make_asset("SHELF-1", UAI_A, world.model_id)


async def test_the_api_says_a_handed_over_device_is_lent_with_its_class_and_due_date(as_, world):
    await lent_and_on_the_shelf(world)
    body = (await as_("it_a").get("/api/v1/assets/LENT-1")).json()
    assert body["status"] == "lent"
    assert body["state"] == "in_stock"  # the stored state is untouched
    assert body["loan"] == {"state": "active", "class_name": "2NDE3", "due_on": "2027-07-04"}


async def test_a_prepared_loan_already_makes_the_device_lent(as_, world):
    await lent_and_on_the_shelf(world)
    body = (await as_("manager_24").get("/api/v1/assets/LENT-2")).json()
    assert body["status"] == "lent"
    assert body["loan"]["state"] == "awaiting_signature"
    assert body["loan"]["class_name"] == "1G2"


async def test_a_device_without_an_open_loan_has_its_state_as_status(as_, world):
    await lent_and_on_the_shelf(world)
    body = (await as_("it_a").get("/api/v1/assets/SHELF-1")).json()
    assert (body["status"], body["loan"]) == ("in_stock", None)


async def test_the_list_filters_lent_devices(as_, world):
    await lent_and_on_the_shelf(world)
    response = await as_("it_a").get("/api/v1/assets", params={"state": "lent"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(a["tag"], a["status"]) for a in items] == [("LENT-1", "lent"), ("LENT-2", "lent")]
    assert response.json()["total"] == 2


async def test_in_stock_in_the_list_means_on_the_shelf_and_not_lent(as_, world):
    await lent_and_on_the_shelf(world)
    response = await as_("it_a").get("/api/v1/assets", params={"state": "in_stock"})
    assert [a["tag"] for a in response.json()["items"]] == ["SHELF-1"]
    assert response.json()["total"] == 1


async def test_the_list_filter_of_another_school_finds_no_lent_device(world):
    await lent_and_on_the_shelf(world)
    from tests.factories import UAI_B

    page = await list_assets(PLATFORM, AssetFilters(state="lent", establishment_uai=UAI_B))
    assert (page.items, page.total) == ([], 0)


async def test_the_csv_export_says_which_devices_are_lent(as_, world):
    await lent_and_on_the_shelf(world)
    response = await as_("it_a").get("/api/v1/assets/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    by_tag = {row["tag"]: row for row in rows}
    assert by_tag["LENT-1"]["state"] == "in_stock"
    assert by_tag["LENT-1"]["status"] == "lent"
    assert by_tag["LENT-1"]["loan_state"] == "active"
    assert by_tag["LENT-1"]["borrower_class"] == "2NDE3"
    assert by_tag["LENT-1"]["due_on"] == "04/07/2027"
    assert (by_tag["SHELF-1"]["status"], by_tag["SHELF-1"]["loan_state"]) == ("in_stock", "")


async def test_the_filtered_export_holds_only_the_lent_devices(as_, world):
    await lent_and_on_the_shelf(world)
    response = await as_("it_a").get("/api/v1/assets/export.csv", params={"state": "lent"})
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    assert [row["tag"] for row in rows] == ["LENT-1", "LENT-2"]


async def test_an_export_with_the_loan_columns_imports_again(as_, world):
    await lent_and_on_the_shelf(world)
    exported = (await as_("it_a").get("/api/v1/assets/export.csv")).content
    response = await as_("it_a").post(
        "/api/v1/assets/import",
        params={"dry_run": "true"},
        content=exported,
        headers={"content-type": "text/csv"},
    )
    assert response.status_code == 200
    header_errors = [e for e in response.json()["errors"] if e["line"] == 1]
    assert header_errors == []


async def test_the_school_counts_lent_devices_apart_from_those_in_stock(world):
    await lent_and_on_the_shelf(world)
    counts = await fleet_counts.count_by_state(PLATFORM, UAI_A)
    assert list(counts)[0] == "lent"
    assert (counts["lent"], counts["in_stock"]) == (2, 1)
    assert fleet_counts.fleet_total(counts) == 3


async def test_the_school_page_counts_lent_devices_and_links_to_them(signed_in, world):
    await lent_and_on_the_shelf(world)
    client = await signed_in("it_a")
    html = (await client.get(f"/etablissements/{UAI_A}")).text
    assert f"/appareils?establishment={UAI_A}&amp;state=lent" in html
    assert ">prêté</a>" in html


async def test_the_list_page_shows_lent_devices_with_their_class_and_due_date(signed_in, world):
    await lent_and_on_the_shelf(world)
    client = await signed_in("it_a")
    response = await client.get("/appareils", params={"state": "lent"})
    assert response.status_code == 200
    html = response.text
    assert '<option value="lent" selected>prêté</option>' in html
    assert "LENT-1" in html and "SHELF-1" not in html
    assert "prêté (en attente de signature)" in html
    assert "classe 2NDE3" in html and "04/07/2027" in html


async def test_the_device_page_says_lent(signed_in, world):
    await lent_and_on_the_shelf(world)
    client = await signed_in("it_a")
    html = (await client.get("/appareils/LENT-1")).text
    assert '<span class="badge badge-lent">prêté</span>' in html


async def test_the_scan_card_says_lent_with_the_class_and_due_date(signed_in, world):
    await lent_and_on_the_shelf(world)
    client = await signed_in("it_a")
    html = (await client.get("/scan", params={"code": "LENT-1"})).text
    assert '<span class="badge badge-lent">prêté</span>' in html
    assert "2NDE3" in html and "04/07/2027" in html
