"""The staff accounts API (/api/v1/accounts): guarded (admin and region managers), scoped
(a manager reaches the accounts of their region only), problems naming the field."""

from __future__ import annotations

from tests.api.problems import assert_problem
from tests.factories import UAI_A, UAI_C

NEW_IT = {
    "email": "referent@lycee-a.fr",
    "display_name": "Camille Référente",
    "role": "it_staff",
    "establishment_uais": [UAI_A],
}


async def test_a_manager_creates_an_account_and_sees_its_temporary_password_once(as_):
    manager = as_("manager_24")
    response = await manager.post("/api/v1/accounts", json=NEW_IT)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["account"]["establishments"] == [{"uai": UAI_A, "name": "Lycée A"}]
    assert len(body["temporary_password"]) >= 10
    account_id = body["account"]["id"]
    read = await manager.get(f"/api/v1/accounts/{account_id}")
    assert "temporary_password" not in read.json() and "password_hash" not in read.text
    history = await manager.get(f"/api/v1/accounts/{account_id}/history")
    assert [e["action"] for e in history.json()] == ["created"]


async def test_a_manager_giving_the_admin_role_gets_a_problem_naming_the_role(as_):
    response = await as_("manager_24").post("/api/v1/accounts", json={**NEW_IT, "role": "admin"})
    assert_problem(response, 422, "role")


async def test_a_school_of_another_region_is_refused_naming_the_field(as_):
    body = {**NEW_IT, "establishment_uais": [UAI_C]}
    assert_problem(
        await as_("manager_24").post("/api/v1/accounts", json=body), 422, "establishments"
    )


async def test_the_list_is_paginated_and_searched(as_):
    response = await as_("admin").get("/api/v1/accounts?q=manager&limit=1")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2 and len(body["items"]) == 1


async def test_a_manager_of_another_region_gets_404_on_an_account(as_, world):
    manager_44 = as_("manager_44")
    account = world.account_ids["it_a"]
    for url in (f"/api/v1/accounts/{account}", f"/api/v1/accounts/{account}/history"):
        assert_problem(await manager_44.get(url), 404)
    assert_problem(await manager_44.post(f"/api/v1/accounts/{account}/deactivate"), 404)
    assert_problem(
        await manager_44.patch(f"/api/v1/accounts/{account}", json={"role": "head"}), 404
    )


async def test_school_staff_are_turned_away_from_accounts(as_):
    for persona in ("it_a", "head_a"):
        assert_problem(await as_(persona).get("/api/v1/accounts"), 403)
        assert_problem(await as_(persona).post("/api/v1/accounts", json=NEW_IT), 403)


async def test_deactivating_an_account_revokes_its_access_at_once(as_, world):
    account = world.account_ids["it_a"]
    response = await as_("manager_24").post(f"/api/v1/accounts/{account}/deactivate")
    assert response.status_code == 200 and response.json()["active"] is False
    assert_problem(await as_("it_a").get("/api/v1/me"), 401)


async def test_a_patch_changes_only_what_it_names(as_, world):
    account = world.account_ids["it_a"]
    response = await as_("manager_24").patch(
        f"/api/v1/accounts/{account}", json={"display_name": "Alex Martin"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["display_name"] == "Alex Martin" and body["role"] == "it_staff"


async def test_a_password_reset_answers_a_new_temporary_password(as_, world):
    account = world.account_ids["it_a"]
    response = await as_("manager_24").post(f"/api/v1/accounts/{account}/password-reset")
    assert response.status_code == 200
    assert len(response.json()["temporary_password"]) >= 10


async def test_the_accounts_api_is_documented(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/accounts" in schema["paths"]
    assert "/api/v1/accounts/{account_id}/sign-ins" in schema["paths"]
