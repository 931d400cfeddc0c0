"""Login, logout, the caller's own account and API tokens."""

from __future__ import annotations

import pytest_asyncio

from api.accounts.tables import Account
from api.app import create_app
from tests import database
from tests.api.problems import assert_problem
from tests.conftest import client_for, running, with_changes
from tests.factories import PASSWORD, make_account

LOGIN = "/api/v1/auth/login"


def credentials(persona: str, password: str = PASSWORD) -> dict:
    return {"email": f"{persona}@ordipret.test", "password": password}


async def test_login_with_the_right_password_opens_a_session(client, world):
    response = await client.post(LOGIN, json=credentials("it_a"))
    assert response.status_code == 200
    assert response.json()["email"] == "it_a@ordipret.test"
    me = await client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["display_name"] == "it_a"


async def test_the_session_cookie_is_http_only_and_same_site_lax(client, world):
    response = await client.post(LOGIN, json=credentials("it_a"))
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("ordipret_session=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


async def test_login_ignores_the_case_and_spaces_of_the_email(client, world):
    response = await client.post(
        LOGIN, json={"email": "  IT_A@Ordipret.TEST ", "password": PASSWORD}
    )
    assert response.status_code == 200


async def test_login_with_a_wrong_password_is_refused(client, world):
    response = await client.post(LOGIN, json=credentials("it_a", "pas-le-bon"))
    assert_problem(response, 401)
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(client, world):
    unknown = await client.post(LOGIN, json=credentials("personne", PASSWORD))
    wrong = await client.post(LOGIN, json=credentials("it_a", "pas-le-bon"))
    assert assert_problem(unknown, 401)["detail"] == assert_problem(wrong, 401)["detail"]


async def test_a_deactivated_account_cannot_log_in(client, world):
    await Account.update({Account.active: False}).where(Account.id == world.account_ids["it_a"])
    assert_problem(await client.post(LOGIN, json=credentials("it_a")), 401)


async def test_a_session_id_planted_before_login_does_not_become_signed_in(app, world):
    """Session fixation: an id chosen by someone else must be replaced at login."""
    planted = "ordipret_session=choisi-par-un-attaquant"
    async with client_for(app, Cookie=planted) as victim:
        response = await victim.post(LOGIN, json=credentials("it_a"))
    assert response.status_code == 200
    assert response.cookies["ordipret_session"] != "choisi-par-un-attaquant"
    async with client_for(app, Cookie=planted) as attacker:
        assert_problem(await attacker.get("/api/v1/me"), 401)


async def test_logout_ends_the_session(client, world):
    await client.post(LOGIN, json=credentials("it_a"))
    # With a cookie, a POST must be one a cross-site page cannot send (tests/api/test_door.py)
    logout = await client.post("/api/v1/auth/logout", headers={"X-Requested-With": "fetch"})
    assert logout.status_code == 204
    assert_problem(await client.get("/api/v1/me"), 401)


async def test_an_anonymous_caller_gets_an_authentication_problem(client, world):
    assert_problem(await client.get("/api/v1/assets"), 401)


async def test_an_unknown_bearer_token_is_refused(app, world):
    async with client_for(app, Authorization="Bearer odp_not-a-real-token") as stranger:
        assert_problem(await stranger.get("/api/v1/me"), 401)


async def test_the_token_of_a_deactivated_account_is_refused(as_, world):
    await Account.update({Account.active: False}).where(Account.id == world.account_ids["it_a"])
    assert_problem(await as_("it_a").get("/api/v1/me"), 401)


async def test_me_describes_the_caller_role_and_scope(as_, world):
    body = (await as_("it_ab").get("/api/v1/me")).json()
    assert body["role"] == "it_staff"
    assert body["region_ids"] == []
    assert body["establishment_ids"] == sorted(
        [world.establishment_ids["A"], world.establishment_ids["B"]]
    )
    manager = (await as_("manager_24").get("/api/v1/me")).json()
    assert manager["role"] == "region_manager"
    assert manager["region_ids"] == [world.region_ids["24"]]


async def test_a_created_token_is_shown_once_and_works_as_a_bearer(app, as_, world):
    created = await as_("it_a").post("/api/v1/me/tokens", json={"name": "script inventaire"})
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("odp_")
    async with client_for(app, Authorization=f"Bearer {token}") as script:
        me = await script.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == "it_a@ordipret.test"
    listed = (await as_("it_a").get("/api/v1/me/tokens")).json()
    assert [t["name"] for t in listed] == ["tests", "script inventaire"]
    assert all("token" not in t for t in listed)


async def test_the_token_list_shows_only_the_caller_tokens(as_, world):
    await as_("it_b").post("/api/v1/me/tokens", json={"name": "jeton de B"})
    names = [t["name"] for t in (await as_("it_a").get("/api/v1/me/tokens")).json()]
    assert "jeton de B" not in names


async def test_a_token_without_a_name_is_refused(as_, world):
    response = await as_("it_a").post("/api/v1/me/tokens", json={"name": "   "})
    assert_problem(response, 422, "name")


async def test_a_revoked_token_is_refused(app, as_, world):
    created = (await as_("it_a").post("/api/v1/me/tokens", json={"name": "jetable"})).json()
    revoked = await as_("it_a").delete(f"/api/v1/me/tokens/{created['id']}")
    assert revoked.status_code == 204
    async with client_for(app, Authorization=f"Bearer {created['token']}") as script:
        assert_problem(await script.get("/api/v1/me"), 401)
    listed = {t["id"]: t for t in (await as_("it_a").get("/api/v1/me/tokens")).json()}
    assert listed[created["id"]]["revoked_at"] is not None


async def test_nobody_can_revoke_another_account_token(app, as_, world):
    created = (await as_("it_b").post("/api/v1/me/tokens", json={"name": "de B"})).json()
    assert_problem(await as_("admin").delete(f"/api/v1/me/tokens/{created['id']}"), 404)
    async with client_for(app, Authorization=f"Bearer {created['token']}") as script:
        assert (await script.get("/api/v1/me")).status_code == 200


@pytest_asyncio.fixture(loop_scope="session")
async def strict_app(settings):
    """A second app allowing only three login attempts a minute."""
    application = create_app(with_changes(settings, login_rate_limit_per_minute=3))
    async with running(application):
        from inventory.tables import Region

        await database.truncate_all(Region._meta.db)
        yield application


async def test_the_fourth_login_attempt_within_a_minute_is_throttled(strict_app):
    await make_account("it_a@ordipret.test", "admin")
    async with client_for(strict_app) as client:
        for _ in range(3):
            response = await client.post(LOGIN, json=credentials("it_a", "pas-le-bon"))
            assert response.status_code == 401
        throttled = await client.post(LOGIN, json=credentials("it_a"))
    assert_problem(throttled, 429)


async def test_throttling_counts_only_login_attempts(strict_app):
    await make_account("it_a@ordipret.test", "admin")
    async with client_for(strict_app) as client:
        for _ in range(5):
            assert (await client.get("/health")).status_code == 200
        assert (await client.post(LOGIN, json=credentials("it_a"))).status_code == 200
