"""Guards decide roles (403); scopes decide rows (404, and lists show only what is in scope)."""

from __future__ import annotations

from tests.api.problems import assert_problem, asset_body
from tests.factories import UAI_A, UAI_B, UAI_C, make_asset, uai

NEW_UAI = uai("0450099")


def establishment_body(code: str = NEW_UAI, region_code: str = "24") -> dict:
    return {"uai": code, "name": "Lycée neuf", "city": "Blois", "region_code": region_code}


def model_body() -> dict:
    return {"manufacturer": "Dell", "name": "Latitude 3540", "category": "laptop"}


async def tags(client, **params) -> list[str]:
    response = await client.get("/api/v1/assets", params=params)
    assert response.status_code == 200
    return [item["tag"] for item in response.json()["items"]]


# Guards: roles that may never do an action get 403.


async def test_a_head_of_school_cannot_create_an_asset(as_, world):
    response = await as_("head_a").post("/api/v1/assets", json=asset_body(world.model_id, "H-1"))
    assert_problem(response, 403)


async def test_a_head_of_school_cannot_patch_an_asset_of_their_school(as_, world):
    await make_asset("H-2", UAI_A, world.model_id)
    response = await as_("head_a").patch("/api/v1/assets/H-2", json={"state": "in_repair"})
    assert_problem(response, 403)
    assert (await as_("head_a").get("/api/v1/assets/H-2")).json()["state"] == "in_stock"


async def test_a_head_of_school_reads_the_assets_of_their_school(as_, world):
    await make_asset("H-3", UAI_A, world.model_id)
    await make_asset("H-4", UAI_B, world.model_id)
    assert await tags(as_("head_a")) == ["H-3"]
    assert (await as_("head_a").get("/api/v1/assets/H-3/history")).status_code == 200


async def test_it_staff_cannot_create_a_region(as_, world):
    response = await as_("it_a").post("/api/v1/regions", json={"code": "11", "name": "IdF"})
    assert_problem(response, 403)


async def test_a_region_manager_cannot_create_a_region(as_, world):
    response = await as_("manager_24").post("/api/v1/regions", json={"code": "11", "name": "IdF"})
    assert_problem(response, 403)


async def test_a_region_manager_cannot_rename_their_region(as_, world):
    response = await as_("manager_24").patch("/api/v1/regions/24", json={"name": "Autre"})
    assert_problem(response, 403)


async def test_it_staff_cannot_create_an_establishment(as_, world):
    response = await as_("it_a").post("/api/v1/establishments", json=establishment_body())
    assert_problem(response, 403)


async def test_it_staff_cannot_edit_their_own_establishment(as_, world):
    response = await as_("it_a").patch(f"/api/v1/establishments/{UAI_A}", json={"city": "Ailleurs"})
    assert_problem(response, 403)


async def test_it_staff_cannot_create_a_device_model(as_, world):
    response = await as_("it_a").post("/api/v1/device-models", json=model_body())
    assert_problem(response, 403)


async def test_a_head_of_school_cannot_edit_a_device_model(as_, world):
    response = await as_("head_a").patch(
        f"/api/v1/device-models/{world.model_id}", json={"name": "Autre"}
    )
    assert_problem(response, 403)


async def test_a_refused_creation_writes_nothing(as_, world):
    await as_("head_a").post("/api/v1/assets", json=asset_body(world.model_id, "H-5"))
    await as_("it_a").post("/api/v1/establishments", json=establishment_body())
    assert_problem(await as_("admin").get("/api/v1/assets/H-5"), 404)
    assert_problem(await as_("admin").get(f"/api/v1/establishments/{NEW_UAI}"), 404)


# Scopes: rows outside the caller's scope are not found, for reads and writes.


async def test_it_staff_of_a_cannot_read_an_asset_of_b(as_, world):
    await make_asset("S-1", UAI_B, world.model_id)
    assert_problem(await as_("it_a").get("/api/v1/assets/S-1"), 404)


async def test_it_staff_of_a_cannot_patch_an_asset_of_b(as_, world):
    await make_asset("S-2", UAI_B, world.model_id)
    response = await as_("it_a").patch("/api/v1/assets/S-2", json={"state": "lost"})
    assert_problem(response, 404)
    assert (await as_("admin").get("/api/v1/assets/S-2")).json()["state"] == "in_stock"
    assert len((await as_("admin").get("/api/v1/assets/S-2/history")).json()) == 1


async def test_it_staff_of_a_cannot_read_the_history_of_an_asset_of_b(as_, world):
    await make_asset("S-3", UAI_B, world.model_id)
    assert_problem(await as_("it_a").get("/api/v1/assets/S-3/history"), 404)


async def test_it_staff_of_a_cannot_create_an_asset_in_b(as_, world):
    body = asset_body(world.model_id, "S-4", establishment_uai=UAI_B)
    assert_problem(await as_("it_a").post("/api/v1/assets", json=body), 422, "establishment_uai")
    assert_problem(await as_("admin").get("/api/v1/assets/S-4"), 404)


async def test_it_staff_cannot_put_stock_at_region_level(as_, world):
    body = asset_body(world.model_id, "S-5", establishment_uai=None, region_code="24")
    assert_problem(await as_("it_a").post("/api/v1/assets", json=body), 422, "region_code")


async def test_it_staff_of_a_cannot_move_an_asset_to_b(as_, world):
    await make_asset("S-6", UAI_A, world.model_id)
    response = await as_("it_a").patch("/api/v1/assets/S-6", json={"establishment_uai": UAI_B})
    assert_problem(response, 422, "establishment_uai")
    assert (await as_("admin").get("/api/v1/assets/S-6")).json()["establishment"]["uai"] == UAI_A


async def test_it_staff_of_two_schools_moves_an_asset_between_them(as_, world):
    await make_asset("S-7", UAI_A, world.model_id)
    response = await as_("it_ab").patch("/api/v1/assets/S-7", json={"establishment_uai": UAI_B})
    assert response.status_code == 200
    assert response.json()["establishment"]["uai"] == UAI_B
    assert_problem(await as_("it_a").get("/api/v1/assets/S-7"), 404)
    assert (await as_("it_b").get("/api/v1/assets/S-7")).status_code == 200


async def test_a_manager_of_another_region_cannot_read_an_asset_of_region_24(as_, world):
    await make_asset("S-8", UAI_A, world.model_id)
    assert_problem(await as_("manager_44").get("/api/v1/assets/S-8"), 404)


async def test_a_manager_of_another_region_cannot_patch_an_asset_of_region_24(as_, world):
    await make_asset("S-9", UAI_A, world.model_id)
    response = await as_("manager_44").patch("/api/v1/assets/S-9", json={"notes": "pris"})
    assert_problem(response, 404)


async def test_a_region_manager_reads_every_asset_of_their_region(as_, world):
    await make_asset("S-10", UAI_A, world.model_id)
    await make_asset("S-11", UAI_B, world.model_id)
    await make_asset("S-12", UAI_C, world.model_id)
    await make_asset("S-13", None, world.model_id, region_code="24")
    assert await tags(as_("manager_24")) == ["S-10", "S-11", "S-13"]


async def test_region_level_stock_is_hidden_from_it_staff(as_, world):
    await make_asset("S-14", None, world.model_id, region_code="24")
    assert_problem(await as_("it_a").get("/api/v1/assets/S-14"), 404)


async def test_a_manager_of_another_region_cannot_read_an_establishment_of_region_24(as_, world):
    assert_problem(await as_("manager_44").get(f"/api/v1/establishments/{UAI_A}"), 404)


async def test_a_manager_of_another_region_cannot_edit_an_establishment_of_region_24(as_, world):
    response = await as_("manager_44").patch(
        f"/api/v1/establishments/{UAI_A}", json={"city": "Metz"}
    )
    assert_problem(response, 404)
    assert (await as_("admin").get(f"/api/v1/establishments/{UAI_A}")).json()["city"] == "Orléans"


async def test_a_region_manager_cannot_create_an_establishment_in_another_region(as_, world):
    response = await as_("manager_24").post(
        "/api/v1/establishments", json=establishment_body(region_code="44")
    )
    assert_problem(response, 422, "region_code")


async def test_it_staff_of_a_cannot_read_establishment_b(as_, world):
    assert_problem(await as_("it_a").get(f"/api/v1/establishments/{UAI_B}"), 404)


async def test_a_manager_of_another_region_cannot_read_region_24(as_, world):
    assert_problem(await as_("manager_44").get("/api/v1/regions/24"), 404)


async def test_it_staff_reads_the_region_of_their_school(as_, world):
    assert (await as_("it_a").get("/api/v1/regions/24")).json()["code"] == "24"
    assert_problem(await as_("it_a").get("/api/v1/regions/44"), 404)


# Lists show only the rows in scope.


async def test_the_asset_list_shows_only_assets_in_scope(as_, world):
    await make_asset("L-A", UAI_A, world.model_id)
    await make_asset("L-B", UAI_B, world.model_id)
    await make_asset("L-C", UAI_C, world.model_id)
    assert await tags(as_("it_a")) == ["L-A"]
    assert await tags(as_("it_ab")) == ["L-A", "L-B"]
    assert await tags(as_("manager_44")) == ["L-C"]
    assert await tags(as_("admin")) == ["L-A", "L-B", "L-C"]
    page = (await as_("it_a").get("/api/v1/assets")).json()
    assert page["total"] == 1


async def test_filtering_on_an_establishment_out_of_scope_shows_nothing(as_, world):
    await make_asset("L-B2", UAI_B, world.model_id)
    assert await tags(as_("it_a"), establishment=UAI_B) == []


async def test_the_csv_export_contains_only_assets_in_scope(as_, world):
    await make_asset("X-A", UAI_A, world.model_id)
    await make_asset("X-C", UAI_C, world.model_id)
    text = (await as_("manager_44").get("/api/v1/assets/export.csv")).text
    assert "X-C;" in text
    assert "X-A" not in text


async def test_the_establishment_list_shows_only_establishments_in_scope(as_, world):
    async def uais(persona: str) -> list[str]:
        response = await as_(persona).get("/api/v1/establishments")
        return sorted(e["uai"] for e in response.json())

    assert await uais("it_a") == [UAI_A]
    assert await uais("head_a") == [UAI_A]
    assert await uais("it_ab") == sorted([UAI_A, UAI_B])
    assert await uais("manager_24") == sorted([UAI_A, UAI_B])
    assert await uais("manager_44") == [UAI_C]
    assert await uais("admin") == sorted([UAI_A, UAI_B, UAI_C])


async def test_the_region_list_shows_only_regions_in_scope(as_, world):
    async def codes(persona: str) -> list[str]:
        return [r["code"] for r in (await as_(persona).get("/api/v1/regions")).json()]

    assert await codes("admin") == ["24", "44"]
    assert await codes("manager_24") == ["24"]
    assert await codes("manager_44") == ["44"]
    assert await codes("it_a") == ["24"]


async def test_every_persona_reads_the_shared_device_catalogue(as_, world):
    for persona in ("it_a", "head_a", "manager_44"):
        response = await as_(persona).get("/api/v1/device-models")
        assert [m["id"] for m in response.json()] == [world.model_id]
