"""Regions, establishments and device models through the API."""

from __future__ import annotations

from tests.api.problems import assert_problem
from tests.factories import UAI_A, UAI_C, uai

NEW_UAI = uai("0450099")


def establishment_body(**fields) -> dict:
    return {
        "uai": NEW_UAI,
        "name": "Lycée neuf",
        "city": "Blois",
        "region_code": "24",
        **fields,
    }


def model_body(**fields) -> dict:
    return {
        "manufacturer": "Dell",
        "name": "Latitude 3540",
        "category": "laptop",
        "accessories": ["chargeur"],
        **fields,
    }


# Regions


async def test_an_admin_creates_a_region(as_, world):
    response = await as_("admin").post(
        "/api/v1/regions", json={"code": "11", "name": "Île-de-France"}
    )
    assert response.status_code == 201
    assert response.json()["code"] == "11"
    assert (await as_("admin").get("/api/v1/regions/11")).json()["name"] == "Île-de-France"


async def test_an_admin_renames_a_region(as_, world):
    response = await as_("admin").patch("/api/v1/regions/24", json={"name": "Centre"})
    assert response.status_code == 200
    assert (await as_("manager_24").get("/api/v1/regions/24")).json()["name"] == "Centre"


async def test_a_region_code_must_be_digits(as_, world):
    response = await as_("admin").post("/api/v1/regions", json={"code": "2A", "name": "Corse"})
    assert_problem(response, 422, "code")


async def test_a_region_code_longer_than_three_characters_names_the_field(as_, world):
    response = await as_("admin").post("/api/v1/regions", json={"code": "1234", "name": "Trop"})
    assert_problem(response, 400, "code")


async def test_a_region_needs_a_name(as_, world):
    response = await as_("admin").post("/api/v1/regions", json={"code": "11", "name": "  "})
    assert_problem(response, 422, "name")


async def test_a_duplicate_region_code_is_a_conflict_naming_the_code(as_, world):
    response = await as_("admin").post("/api/v1/regions", json={"code": "24", "name": "Bis"})
    assert_problem(response, 409, "code")


async def test_an_unknown_region_is_not_found(as_, world):
    assert_problem(await as_("admin").get("/api/v1/regions/99"), 404)


# Establishments


async def test_a_region_manager_creates_an_establishment_in_their_region(as_, world):
    response = await as_("manager_24").post(
        "/api/v1/establishments", json=establishment_body(uai=NEW_UAI.lower())
    )
    assert response.status_code == 201
    body = response.json()
    assert body["uai"] == NEW_UAI
    assert body["region_code"] == "24"
    assert (await as_("manager_24").get(f"/api/v1/establishments/{NEW_UAI}")).status_code == 200


async def test_an_establishment_with_a_wrong_check_letter_is_refused(as_, world):
    wrong_letter = NEW_UAI[:7] + ("A" if NEW_UAI[7] != "A" else "B")
    response = await as_("admin").post(
        "/api/v1/establishments", json=establishment_body(uai=wrong_letter)
    )
    body = assert_problem(response, 422, "uai")
    assert NEW_UAI[7] in body["errors"][0]["detail"]


async def test_an_establishment_uai_must_be_seven_digits_and_a_letter(as_, world):
    response = await as_("admin").post("/api/v1/establishments", json=establishment_body(uai="ABC"))
    assert_problem(response, 422, "uai")


async def test_an_establishment_in_an_unknown_region_is_refused(as_, world):
    response = await as_("admin").post(
        "/api/v1/establishments", json=establishment_body(region_code="99")
    )
    assert_problem(response, 422, "region_code")


async def test_an_establishment_contact_email_must_look_like_one(as_, world):
    response = await as_("admin").post(
        "/api/v1/establishments", json=establishment_body(contact_email="pas-une-adresse")
    )
    assert_problem(response, 422, "contact_email")


async def test_a_duplicate_uai_is_a_conflict_naming_the_uai(as_, world):
    response = await as_("admin").post("/api/v1/establishments", json=establishment_body(uai=UAI_A))
    assert_problem(response, 409, "uai")


async def test_a_region_manager_updates_an_establishment_of_their_region(as_, world):
    response = await as_("manager_24").patch(
        f"/api/v1/establishments/{UAI_A.lower()}", json={"contact_phone": "02 38 00 00 00"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["contact_phone"] == "02 38 00 00 00"
    assert body["city"] == "Orléans"


async def test_an_establishment_update_cannot_blank_its_name(as_, world):
    response = await as_("admin").patch(f"/api/v1/establishments/{UAI_A}", json={"name": " "})
    assert_problem(response, 422, "name")


async def test_an_establishment_update_cannot_change_its_uai(as_, world):
    response = await as_("admin").patch(f"/api/v1/establishments/{UAI_A}", json={"uai": NEW_UAI})
    assert_problem(response, 400, "uai")


async def test_the_establishment_list_filters_by_region(as_, world):
    response = await as_("admin").get("/api/v1/establishments", params={"region": "44"})
    assert [e["uai"] for e in response.json()] == [UAI_C]


# Device models


async def test_a_region_manager_adds_a_device_model(as_, world):
    response = await as_("manager_44").post(
        "/api/v1/device-models", json=model_body(accessories=[" chargeur ", ""])
    )
    assert response.status_code == 201
    created = response.json()
    assert created["accessories"] == ["chargeur"]
    fetched = await as_("it_a").get(f"/api/v1/device-models/{created['id']}")
    assert fetched.json()["name"] == "Latitude 3540"


async def test_a_device_model_category_must_be_known(as_, world):
    response = await as_("admin").post("/api/v1/device-models", json=model_body(category="phone"))
    assert_problem(response, 422, "category")


async def test_a_device_model_needs_a_manufacturer(as_, world):
    response = await as_("admin").post("/api/v1/device-models", json=model_body(manufacturer=" "))
    assert_problem(response, 422, "manufacturer")


async def test_a_duplicate_device_model_is_a_conflict(as_, world):
    response = await as_("admin").post(
        "/api/v1/device-models", json=model_body(manufacturer="Lenovo", name="ThinkPad E14")
    )
    assert_problem(response, 409)


async def test_a_region_manager_updates_a_device_model(as_, world):
    response = await as_("manager_24").patch(
        f"/api/v1/device-models/{world.model_id}", json={"accessories": ["chargeur"]}
    )
    assert response.status_code == 200
    assert response.json()["accessories"] == ["chargeur"]
    assert response.json()["name"] == "ThinkPad E14"


async def test_the_manufacturer_of_a_device_model_cannot_be_changed(as_, world):
    response = await as_("admin").patch(
        f"/api/v1/device-models/{world.model_id}", json={"manufacturer": "Dell"}
    )
    assert_problem(response, 400, "manufacturer")


async def test_an_unknown_device_model_is_not_found(as_, world):
    assert_problem(await as_("it_a").get("/api/v1/device-models/999999"), 404)
    response = await as_("admin").patch("/api/v1/device-models/999999", json={"name": "X"})
    assert_problem(response, 404)
