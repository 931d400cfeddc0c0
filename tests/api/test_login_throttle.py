"""The login rate limit: per client address and per account, failures only, an address only
believed from a trusted proxy, and a 429 that says when to come back."""

from __future__ import annotations

import argparse
import contextlib

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.cli.server import uvicorn_options
from api.settings import Settings, parse_trusted_proxies
from tests import database
from tests.api.problems import assert_problem
from tests.api.test_pages import log_in
from tests.conftest import running, with_changes
from tests.factories import PASSWORD, make_account

LOGIN = "/api/v1/auth/login"
LIMIT = 3
SERVE_ARGS = argparse.Namespace(
    host="127.0.0.1", port=8000, workers=1, log_level="info", access_log=True
)


def credentials(persona: str, password: str = PASSWORD) -> dict:
    return {"email": f"{persona}@ordipret.test", "password": password}


@contextlib.asynccontextmanager
async def served(settings: Settings, server: str = "uvicorn"):
    """The app as `ordipret serve` runs it: wrapped by uvicorn with the options the command
    builds (its proxy-headers middleware included), or as Granian's workers build it
    (api/cli/granian_server.py), on empty tables, with two accounts."""
    from api.cli.granian_server import proxied

    application = create_app(settings)
    config = uvicorn.Config(application, **uvicorn_options(SERVE_ARGS, settings))
    config.load()
    async with running(application):
        from inventory.tables import Region

        await database.truncate_all(Region._meta.db)
        await make_account("it_a@ordipret.test", "it_staff")
        await make_account("it_b@ordipret.test", "it_staff")
        yield config.loaded_app if server == "uvicorn" else proxied(application, settings)


def client_from(asgi_app, host: str = "127.0.0.1", **headers: str) -> httpx.AsyncClient:
    """A client whose connection comes from `host` (the socket's peer, as uvicorn sees it)."""
    transport = httpx.ASGITransport(app=asgi_app, client=(host, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)


@pytest.fixture
def strict(settings: Settings) -> Settings:
    return with_changes(settings, login_rate_limit_per_minute=LIMIT)


async def test_forged_x_forwarded_for_values_do_not_reset_the_login_budget(strict):
    """uvicorn trusts loopback's forwarded headers by default: each forged address used to
    get its own counter."""
    async with served(strict) as app, client_from(app) as client:
        for attempt in range(LIMIT):
            forged = {"X-Forwarded-For": f"198.51.100.{attempt}"}
            wrong = await client.post(LOGIN, json=credentials("it_a", "pas-le-bon"), headers=forged)
            assert wrong.status_code == 401
        forged = {"X-Forwarded-For": "198.51.100.200"}
        throttled = await client.post(LOGIN, json=credentials("it_b", "x"), headers=forged)
    assert_problem(throttled, 429)


async def test_the_address_forwarded_by_a_trusted_proxy_is_the_one_counted(strict):
    behind_proxy = with_changes(strict, trusted_proxies=parse_trusted_proxies("10.0.0.0/24"))
    async with served(behind_proxy) as app, client_from(app, host="10.0.0.7") as proxy:
        first = {"X-Forwarded-For": "203.0.113.1"}
        for _ in range(LIMIT):
            await proxy.post(LOGIN, json=credentials("it_a", "pas-le-bon"), headers=first)
        spent = await proxy.post(LOGIN, json=credentials("it_b"), headers=first)
        other_client = await proxy.post(
            LOGIN, json=credentials("it_b"), headers={"X-Forwarded-For": "203.0.113.2"}
        )
    assert_problem(spent, 429)
    assert other_client.status_code == 200


def test_the_serve_command_ignores_forwarded_headers_without_trusted_proxies():
    options = uvicorn_options(SERVE_ARGS, Settings.from_env({}))
    assert options["proxy_headers"] is False
    assert options["forwarded_allow_ips"] == []


def test_the_serve_command_trusts_forwarded_headers_only_from_the_configured_proxies():
    settings = Settings.from_env({"ORDIPRET_TRUSTED_PROXIES": "10.0.0.5, 192.168.1.0/24,::1"})
    options = uvicorn_options(SERVE_ARGS, settings)
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == ["10.0.0.5/32", "192.168.1.0/24", "::1/128"]


def test_a_trusted_proxy_that_is_not_an_address_is_refused_in_french():
    with pytest.raises(ValueError, match="ORDIPRET_TRUSTED_PROXIES : 'proxy.local'"):
        Settings.from_env({"ORDIPRET_TRUSTED_PROXIES": "proxy.local"})


async def test_an_account_is_throttled_across_different_client_addresses(strict):
    async with served(strict) as app:
        for attempt in range(LIMIT):
            async with client_from(app, host=f"192.0.2.{attempt + 1}") as client:
                wrong = await client.post(LOGIN, json=credentials("it_a", "pas-le-bon"))
                assert wrong.status_code == 401
        async with client_from(app, host="192.0.2.99") as fresh:
            throttled = await fresh.post(LOGIN, json=credentials("it_a"))
            other_account = await fresh.post(LOGIN, json=credentials("it_b"))
    assert_problem(throttled, 429)
    assert other_account.status_code == 200


async def test_successful_logins_do_not_consume_the_budget(strict):
    async with served(strict) as app, client_from(app) as client:
        for _ in range(LIMIT * 3):
            assert (await client.post(LOGIN, json=credentials("it_a"))).status_code == 200
        for _ in range(LIMIT):
            wrong = await client.post(LOGIN, json=credentials("it_a", "pas-le-bon"))
            assert wrong.status_code == 401
        assert (await client.post(LOGIN, json=credentials("it_a"))).status_code == 429


async def test_a_throttled_login_says_when_to_retry(strict):
    async with served(strict) as app, client_from(app) as client:
        for _ in range(LIMIT):
            await client.post(LOGIN, json=credentials("it_a", "pas-le-bon"))
        throttled = await client.post(LOGIN, json=credentials("it_a"))
    problem = assert_problem(throttled, 429)
    assert 1 <= int(throttled.headers["retry-after"]) <= 60
    assert "patientez" in problem["detail"]


async def test_the_login_page_is_throttled_with_a_french_message_and_retry_after(strict):
    async with served(strict) as app:
        for attempt in range(LIMIT):
            async with client_from(app, host=f"192.0.2.{attempt + 1}") as client:
                assert (await log_in(client, "it_a", password="pas-le-bon")).status_code == 401
        async with client_from(app, host="192.0.2.50") as client:
            throttled = await log_in(client, "it_a")
    assert throttled.status_code == 429
    assert throttled.headers["content-type"].startswith("text/html")
    assert "Trop de tentatives de connexion" in throttled.text
    assert 1 <= int(throttled.headers["retry-after"]) <= 60


async def test_the_json_and_page_logins_share_one_budget(strict):
    async with served(strict) as app, client_from(app) as client:
        for _ in range(LIMIT - 1):
            await client.post(LOGIN, json=credentials("it_a", "pas-le-bon"))
        assert (await log_in(client, "it_a", password="pas-le-bon")).status_code == 401
        assert (await log_in(client, "it_a")).status_code == 429


async def test_under_granian_forged_x_forwarded_for_values_do_not_reset_the_login_budget(strict):
    async with served(strict, "granian") as app, client_from(app) as client:
        for attempt in range(LIMIT):
            forged = {"X-Forwarded-For": f"198.51.100.{attempt}"}
            wrong = await client.post(LOGIN, json=credentials("it_a", "pas-le-bon"), headers=forged)
            assert wrong.status_code == 401
        forged = {"X-Forwarded-For": "198.51.100.200"}
        throttled = await client.post(LOGIN, json=credentials("it_b", "x"), headers=forged)
    assert_problem(throttled, 429)


async def test_under_granian_the_address_forwarded_by_a_trusted_proxy_is_the_one_counted(strict):
    behind_proxy = with_changes(strict, trusted_proxies=parse_trusted_proxies("10.0.0.0/24"))
    async with served(behind_proxy, "granian") as app, client_from(app, host="10.0.0.7") as proxy:
        first = {"X-Forwarded-For": "203.0.113.1"}
        for _ in range(LIMIT):
            await proxy.post(LOGIN, json=credentials("it_a", "pas-le-bon"), headers=first)
        spent = await proxy.post(LOGIN, json=credentials("it_b"), headers=first)
        other_client = await proxy.post(
            LOGIN, json=credentials("it_b"), headers={"X-Forwarded-For": "203.0.113.2"}
        )
    assert_problem(spent, 429)
    assert other_client.status_code == 200
