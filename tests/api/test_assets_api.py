import csv
import datetime as dt
import io

from inventory import assets, catalogue
from tests.api.problems import assert_problem, asset_body
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, UAI_B, UAI_C, make_asset


async def test_it_staff_reads_an_asset_of_their_school(as_, world):
    await make_asset("R24-0001", UAI_A, world.model_id)
    response = await as_("it_a").get("/api/v1/assets/R24-0001")
    assert response.status_code == 200
    body = response.json()
    assert body["tag"] == "R24-0001"
    assert body["establishment"]["uai"] == UAI_A
    assert body["model"]["manufacturer"] == "Lenovo"


async def test_it_staff_of_another_school_gets_not_found(as_, world):
    await make_asset("R24-0002", UAI_B, world.model_id)
    response = await as_("it_a").get("/api/v1/assets/R24-0002")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


# Creating


async def test_it_staff_creates_an_asset_in_their_school(as_, world):
    body = asset_body(world.model_id, "r24-0100", serial=" pf3abc ", acquired_on="2025-09-01")
    response = await as_("it_a").post("/api/v1/assets", json=body)
    assert response.status_code == 201
    created = response.json()
    assert created["tag"] == "R24-0100"
    assert created["serial"] == "PF3ABC"
    assert created["state"] == "in_stock"
    assert created["condition"] == "A"
    assert created["region_code"] == "24"
    assert created["acquired_on"] == "2025-09-01"
    assert (await as_("it_a").get("/api/v1/assets/r24-0100")).json()["tag"] == "R24-0100"


async def test_a_region_manager_creates_region_level_stock(as_, world):
    body = asset_body(world.model_id, "R24-STOCK", establishment_uai=None, region_code="24")
    response = await as_("manager_24").post("/api/v1/assets", json=body)
    assert response.status_code == 201
    assert response.json()["establishment"] is None
    assert response.json()["region_code"] == "24"


async def test_an_asset_needs_a_place(as_, world):
    body = asset_body(world.model_id, "NOWHERE", establishment_uai=None)
    assert_problem(await as_("admin").post("/api/v1/assets", json=body), 422, "establishment_uai")


async def test_an_establishment_outside_the_given_region_is_refused(as_, world):
    body = asset_body(world.model_id, "MISMATCH", establishment_uai=UAI_C, region_code="24")
    assert_problem(await as_("admin").post("/api/v1/assets", json=body), 422, "region_code")


# Listing


async def make_assets(world, *tags: str, establishment: str = UAI_A, **fields) -> None:
    for tag in tags:
        await make_asset(tag, establishment, world.model_id, **fields)


async def test_the_asset_list_is_paginated_with_a_total(as_, world):
    await make_assets(world, *(f"P-{n:02d}" for n in range(7)))
    page = (await as_("admin").get("/api/v1/assets", params={"limit": 3, "offset": 3})).json()
    assert [item["tag"] for item in page["items"]] == ["P-03", "P-04", "P-05"]
    assert (page["total"], page["limit"], page["offset"]) == (7, 3, 3)
    last = (await as_("admin").get("/api/v1/assets", params={"limit": 3, "offset": 6})).json()
    assert [item["tag"] for item in last["items"]] == ["P-06"]


async def test_the_asset_list_is_sorted_by_tag_by_default(as_, world):
    await make_assets(world, "B-2", "A-1", "C-3")
    response = await as_("admin").get("/api/v1/assets")
    assert [item["tag"] for item in response.json()["items"]] == ["A-1", "B-2", "C-3"]


async def test_the_asset_list_sorts_by_newest_first(as_, world):
    for hours, tag in enumerate(("OLD", "MID", "NEW")):
        fields = {"tag": tag, "serial": "S" + tag, "model_id": world.model_id}
        await assets.create_asset(
            PLATFORM, ACTOR, NOW + dt.timedelta(hours=hours), {**fields, "establishment_uai": UAI_A}
        )
    response = await as_("admin").get("/api/v1/assets", params={"sort": "-created_at"})
    assert [item["tag"] for item in response.json()["items"]] == ["NEW", "MID", "OLD"]


async def test_an_unknown_sort_is_refused_naming_sort(as_, world):
    response = await as_("admin").get("/api/v1/assets", params={"sort": "password_hash"})
    assert_problem(response, 422, "sort")


async def test_a_page_size_out_of_bounds_is_refused(as_, world):
    assert_problem(await as_("admin").get("/api/v1/assets?limit=0"), 422, "limit")
    assert_problem(await as_("admin").get("/api/v1/assets?limit=501"), 422, "limit")
    assert_problem(await as_("admin").get("/api/v1/assets?offset=-1"), 422, "offset")


async def test_a_non_numeric_page_size_names_the_parameter(as_, world):
    assert_problem(await as_("admin").get("/api/v1/assets?limit=many"), 400, "limit")


async def test_the_asset_list_filters_by_state(as_, world):
    await make_assets(world, "ST-1")
    await make_assets(world, "ST-2", state="in_repair")
    response = await as_("admin").get("/api/v1/assets", params={"state": "in_repair"})
    assert [item["tag"] for item in response.json()["items"]] == ["ST-2"]


async def test_an_unknown_state_filter_is_refused(as_, world):
    assert_problem(await as_("admin").get("/api/v1/assets?state=borrowed"), 422, "state")


async def test_the_asset_list_filters_by_establishment(as_, world):
    await make_assets(world, "E-A")
    await make_assets(world, "E-B", establishment=UAI_B)
    response = await as_("manager_24").get(
        "/api/v1/assets", params={"establishment": UAI_B.lower()}
    )
    assert [item["tag"] for item in response.json()["items"]] == ["E-B"]


async def test_the_asset_list_filters_by_model(as_, world):
    other = await catalogue.create_device_model(
        PLATFORM, manufacturer="Dell", name="Latitude", category="laptop", accessories=[]
    )
    await make_assets(world, "M-LENOVO")
    await make_asset("M-DELL", UAI_A, other.id)
    response = await as_("admin").get("/api/v1/assets", params={"model": other.id})
    assert [item["tag"] for item in response.json()["items"]] == ["M-DELL"]


async def test_the_asset_list_searches_part_of_a_tag_or_serial(as_, world):
    await make_asset("Q-ALPHA", UAI_A, world.model_id, serial="ZZ111")
    await make_asset("Q-BETA", UAI_A, world.model_id, serial="XY999")
    await make_asset("Q-GAMMA", UAI_A, world.model_id, serial="ZZ222")

    async def found(q: str) -> list[str]:
        response = await as_("admin").get("/api/v1/assets", params={"q": q})
        return [item["tag"] for item in response.json()["items"]]

    assert await found("alph") == ["Q-ALPHA"]
    assert await found("y99") == ["Q-BETA"]
    assert await found("zz") == ["Q-ALPHA", "Q-GAMMA"]
    assert await found("%") == ["Q-ALPHA", "Q-BETA", "Q-GAMMA"]


async def test_filters_combine_and_the_total_counts_the_filtered_rows(as_, world):
    await make_assets(world, "F-1", "F-2", state="in_repair")
    await make_assets(world, "F-3")
    await make_assets(world, "F-4", establishment=UAI_B, state="in_repair")
    response = await as_("admin").get(
        "/api/v1/assets", params={"state": "in_repair", "establishment": UAI_A, "limit": 1}
    )
    page = response.json()
    assert page["total"] == 2
    assert [item["tag"] for item in page["items"]] == ["F-1"]


# Updating and history


async def test_creating_then_patching_an_asset_is_told_by_its_history(as_, world):
    client = as_("it_a")
    await client.post("/api/v1/assets", json=asset_body(world.model_id, "HIS-1"))
    response = await client.patch(
        "/api/v1/assets/HIS-1", json={"state": "in_repair", "notes": "écran fissuré"}
    )
    assert response.status_code == 200
    assert response.json()["state"] == "in_repair"
    history = (await client.get("/api/v1/assets/HIS-1/history")).json()
    assert [event["action"] for event in history] == ["updated", "created"]
    updated, created = history
    assert updated["actor_name"] == "it_a"
    assert updated["changes"] == {
        "state": ["in_stock", "in_repair"],
        "notes": ["", "écran fissuré"],
    }
    assert created["actor_name"] == "it_a"
    assert created["changes"]["tag"] == [None, "HIS-1"]
    assert created["changes"]["serial"] == [None, "SER-HIS-1"]


async def test_a_patch_that_changes_nothing_writes_no_event(as_, world):
    await make_asset("NOOP-1", UAI_A, world.model_id, acquired_on=dt.date(2025, 9, 1))
    before = (await as_("it_a").get("/api/v1/assets/NOOP-1")).json()
    response = await as_("it_a").patch(
        "/api/v1/assets/NOOP-1",
        json={"state": "in_stock", "acquired_on": "2025-09-01", "establishment_uai": UAI_A},
    )
    assert response.status_code == 200
    assert response.json()["updated_at"] == before["updated_at"]
    assert len((await as_("it_a").get("/api/v1/assets/NOOP-1/history")).json()) == 1


async def test_a_patch_repeating_the_serial_in_another_case_writes_no_event(as_, world):
    await make_asset("NOOP-2", UAI_A, world.model_id, serial="PF3XYZ")
    response = await as_("it_a").patch("/api/v1/assets/NOOP-2", json={"serial": " pf3xyz "})
    assert response.status_code == 200
    assert len((await as_("it_a").get("/api/v1/assets/NOOP-2/history")).json()) == 1


async def test_a_patch_repeating_the_uai_in_lower_case_writes_no_event(as_, world):
    await make_asset("NOOP-3", UAI_A, world.model_id)
    response = await as_("it_a").patch(
        "/api/v1/assets/NOOP-3", json={"establishment_uai": UAI_A.lower()}
    )
    assert response.status_code == 200
    assert len((await as_("it_a").get("/api/v1/assets/NOOP-3/history")).json()) == 1


async def test_a_patch_can_clear_a_date(as_, world):
    await make_asset("CLR-1", UAI_A, world.model_id, acquired_on=dt.date(2025, 9, 1))
    response = await as_("it_a").patch("/api/v1/assets/CLR-1", json={"acquired_on": None})
    assert response.status_code == 200
    assert response.json()["acquired_on"] is None
    history = (await as_("it_a").get("/api/v1/assets/CLR-1/history")).json()
    assert history[0]["changes"] == {"acquired_on": ["2025-09-01", None]}


async def test_a_patch_changing_the_model_is_recorded(as_, world):
    other = await catalogue.create_device_model(
        PLATFORM, manufacturer="Dell", name="Latitude", category="laptop", accessories=[]
    )
    await make_asset("MOD-1", UAI_A, world.model_id)
    response = await as_("it_a").patch("/api/v1/assets/MOD-1", json={"model_id": other.id})
    assert response.json()["model"]["manufacturer"] == "Dell"
    history = (await as_("it_a").get("/api/v1/assets/MOD-1/history")).json()
    assert history[0]["changes"] == {"model_id": [world.model_id, other.id]}


async def test_an_unknown_asset_is_not_found(as_, world):
    assert_problem(await as_("admin").get("/api/v1/assets/NOPE"), 404)
    assert_problem(await as_("admin").patch("/api/v1/assets/NOPE", json={"notes": "x"}), 404)
    assert_problem(await as_("admin").get("/api/v1/assets/NOPE/history"), 404)


# CSV export


async def test_the_csv_export_is_a_french_spreadsheet(as_, world):
    await make_asset(
        "CSV-1", UAI_A, world.model_id, acquired_on=dt.date(2025, 9, 1), notes="rayure; coin"
    )
    response = await as_("it_a").get("/api/v1/assets/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="appareils-')
    text = response.content.decode("utf-8")
    assert text.startswith("\ufefftag;serial;manufacturer;model;establishment_uai;")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[1][:7] == ["CSV-1", rows[1][1], "Lenovo", "ThinkPad E14", UAI_A, "24", "in_stock"]
    assert rows[1][8] == "01/09/2025"
    assert rows[1][10] == "rayure; coin"


async def test_the_csv_export_applies_the_filters(as_, world):
    await make_assets(world, "EXP-1")
    await make_assets(world, "EXP-2", state="lost")
    text = (await as_("admin").get("/api/v1/assets/export.csv?state=lost")).text
    assert [line.split(";")[0] for line in text.splitlines()[1:]] == ["EXP-2"]


async def test_the_csv_export_refuses_an_unknown_sort(as_, world):
    assert_problem(await as_("admin").get("/api/v1/assets/export.csv?sort=nope"), 422, "sort")
