"""The principal cache (api/accounts/principal_cache.py) is never stale: a revoked token, a
deactivated account or new establishments take effect on the next request, whoever made the
change, on both engines. On PostgreSQL a change made by another connection arrives as a
notification: those tests wait for it (a bounded poll of the cache's generation)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
import time

import asyncpg
import pytest

from api.accounts import principal_cache
from api.accounts.principal_cache import APPLICATION_NAME, CHANNEL, PrincipalCache, _Listener
from api.accounts.staff import load_principal
from api.accounts.tables import Account
from api.infra.database import engine_for
from inventory.db import write_transaction
from tests.api.test_auth import LOGIN, credentials
from tests.conftest import client_for
from tests.factories import UAI_A, UAI_B, make_asset


def cache() -> PrincipalCache:
    found = principal_cache.cache_for(Account._meta.db)
    assert found is not None, "the app's lifespan serves a principal cache"
    return found


def is_postgres() -> bool:
    return Account._meta.db.engine_type == "postgres"


def token_key(token: str) -> tuple[str, str]:
    return ("token", hashlib.sha256(token.encode()).hexdigest())


async def until(condition, timeout_s: float = 5.0) -> None:
    """A bounded poll: PostgreSQL's notifications and reconnections take milliseconds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.005)


async def other_connection_writes(sql: str, *args) -> None:
    """A write by another process: not through the app, nor its engine, nor its pool."""
    engine = Account._meta.db
    if is_postgres():
        connection = await asyncpg.connect(engine.config["dsn"])
        try:
            await connection.execute(sql.replace("?", "$1"), *args)
        finally:
            await connection.close()
    else:
        connection = sqlite3.connect(engine.path)
        try:
            connection.execute(sql, args)
            connection.commit()
        finally:
            connection.close()


async def settled() -> None:
    """The cache is on, and every notification of what was committed until now has arrived
    (PostgreSQL delivers them in commit order: a last one of our own comes after them all),
    so that what is read next stays cached. SQLite's check is synchronous: nothing to wait."""
    await until(lambda: cache().on)
    if is_postgres():
        generation = cache().generation
        await other_connection_writes(f"NOTIFY {CHANNEL}")
        await until(lambda: cache().generation > generation)


REVOKE_BY_DIGEST = "UPDATE api_token SET revoked_at = created_at WHERE token_hash = ?"


async def test_a_token_revoked_through_the_api_is_refused_on_the_next_request(app, world, as_):
    created = (await as_("it_a").post("/api/v1/me/tokens", json={"name": "script"})).json()
    await settled()
    async with client_for(app, Authorization=f"Bearer {created['token']}") as script:
        assert (await script.get("/api/v1/me")).status_code == 200
        assert token_key(created["token"]) in cache()
        assert (await as_("it_a").delete(f"/api/v1/me/tokens/{created['id']}")).status_code == 204
        assert (await script.get("/api/v1/me")).status_code == 401


async def test_a_deactivated_account_loses_its_token_and_its_session_on_the_next_request(
    app, world, as_
):
    async with client_for(app) as browser:
        assert (await browser.post(LOGIN, json=credentials("it_a"))).status_code == 200
        await settled()
        assert (await browser.get("/api/v1/me")).status_code == 200
        assert (await as_("it_a").get("/api/v1/me")).status_code == 200
        assert ("account", world.account_ids["it_a"]) in cache()
        assert token_key(world.tokens["it_a"]) in cache()

        deactivated = await as_("admin").post(
            f"/api/v1/accounts/{world.account_ids['it_a']}/deactivate"
        )
        assert deactivated.status_code == 200

        assert (await browser.get("/api/v1/me")).status_code == 401
        assert (await as_("it_a").get("/api/v1/me")).status_code == 401


async def test_new_establishments_of_an_it_staff_member_scope_the_next_request(world, as_):
    await make_asset("R24-0001", UAI_A, world.model_id)
    await make_asset("R24-0002", UAI_B, world.model_id)
    await settled()
    it_a = as_("it_a")
    assert (await it_a.get("/api/v1/assets/R24-0001")).status_code == 200
    assert (await it_a.get("/api/v1/assets/R24-0002")).status_code == 404
    assert token_key(world.tokens["it_a"]) in cache()

    moved = await as_("admin").patch(
        f"/api/v1/accounts/{world.account_ids['it_a']}", json={"establishment_uais": [UAI_B]}
    )
    assert moved.status_code == 200, moved.text

    assert (await it_a.get("/api/v1/assets/R24-0002")).status_code == 200
    assert (await it_a.get("/api/v1/assets/R24-0001")).status_code == 404


async def test_a_token_revoked_by_another_process_is_refused_once_it_committed(world, as_):
    await settled()
    assert (await as_("it_a").get("/api/v1/me")).status_code == 200
    assert token_key(world.tokens["it_a"]) in cache()
    generation = cache().generation

    await other_connection_writes(REVOKE_BY_DIGEST, token_key(world.tokens["it_a"])[1])
    if is_postgres():  # the commit's notification, milliseconds later
        await until(lambda: cache().generation > generation)

    assert (await as_("it_a").get("/api/v1/me")).status_code == 401
    assert (await as_("it_b").get("/api/v1/me")).status_code == 200


async def test_without_its_listener_the_cache_is_off_and_requests_read_the_database(
    world, as_, monkeypatch
):
    if not is_postgres():
        pytest.skip("SQLite has no listener: its check is synchronous")
    await settled()
    assert (await as_("it_a").get("/api/v1/me")).status_code == 200
    assert token_key(world.tokens["it_a"]) in cache()
    # The listener reconnects at once: refused a while, so that the cache stays off meanwhile.
    refused = True
    connect = _Listener.connect

    async def refusing(listener):
        if refused:
            raise OSError("refused by the test")
        return await connect(listener)

    monkeypatch.setattr(_Listener, "connect", refusing)

    await other_connection_writes(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = ? AND datname = current_database()",
        APPLICATION_NAME,
    )
    await until(lambda: not cache().on)
    assert len(cache()) == 0
    # Changes made now send notifications nobody hears: the cache, off, reads them.
    await other_connection_writes(REVOKE_BY_DIGEST, token_key(world.tokens["it_a"])[1])
    assert (await as_("it_a").get("/api/v1/me")).status_code == 401
    assert (await as_("it_b").get("/api/v1/me")).status_code == 200
    assert token_key(world.tokens["it_b"]) not in cache()

    refused = False
    await until(lambda: cache().on, timeout_s=10)  # the retries' back-off
    await settled()
    assert (await as_("it_b").get("/api/v1/me")).status_code == 200
    assert token_key(world.tokens["it_b"]) in cache()
    assert (await as_("it_a").get("/api/v1/me")).status_code == 401


# The cache itself, without the app


def reader(values: list[str], during=None):
    """A read of the database that answers `values` in turn (`during` runs while it reads)."""
    reads = []

    async def read(key):
        reads.append(key)
        if during is not None:
            during()
        await asyncio.sleep(0)
        return values[len(reads) - 1]

    return read, reads


async def test_a_read_during_which_an_invalidation_arrived_is_not_stored():
    principals = PrincipalCache()
    principals.turn_on(lambda: True)
    read, reads = reader(["before the change", "after the change"], during=principals.invalidate)
    assert await principals.lookup("key", read, "key") == "before the change"
    assert "key" not in principals
    assert await principals.lookup("key", read, "key") == "after the change"
    assert len(reads) == 2


async def test_a_read_without_invalidation_is_stored_and_served_again():
    principals = PrincipalCache()
    principals.turn_on(lambda: True)
    read, reads = reader(["principal"])
    assert await principals.lookup("key", read, "key") == "principal"
    assert await principals.lookup("key", read, "key") == "principal"
    assert len(reads) == 1


async def test_an_entry_older_than_the_maximum_age_is_read_again():
    principals = PrincipalCache(max_age_s=0.0)
    principals.turn_on(lambda: True)
    read, reads = reader(["first", "second"])
    await principals.lookup("key", read, "key")
    assert await principals.lookup("key", read, "key") == "second"
    assert len(reads) == 2


async def test_a_full_cache_is_emptied_before_it_stores_more():
    principals = PrincipalCache(max_entries=2)
    principals.turn_on(lambda: True)
    read, _ = reader(["a", "b", "c"])
    for key in ("a", "b", "c"):
        await principals.lookup(key, read, key)
    assert len(principals) == 1 and "c" in principals


async def test_a_read_inside_a_transaction_is_neither_served_from_the_cache_nor_stored(world, as_):
    await settled()
    assert (await as_("it_a").get("/api/v1/me")).status_code == 200
    key = ("account", world.account_ids["it_a"])
    assert (await load_principal(world.account_ids["it_a"])).role == "it_staff"
    assert key in cache()
    with contextlib.suppress(RuntimeError):
        async with write_transaction():
            await Account.update({Account.role: "head"}).where(
                Account.id == world.account_ids["it_a"]
            )
            assert (await load_principal(world.account_ids["it_a"])).role == "head"
            raise RuntimeError("rolled back")
    assert (await load_principal(world.account_ids["it_a"])).role == "it_staff"


async def test_a_cache_turned_off_reads_every_time_and_a_missing_one_too():
    principals = PrincipalCache()
    read, reads = reader(["one", "two", "three", "four"])
    assert await principals.lookup("key", read, "key") == "one"
    assert await principals.lookup("key", read, "key") == "two"
    # No lifespan serves this engine (the command line, a function called directly).
    engine = engine_for("sqlite:///unused.sqlite")
    assert await principal_cache.lookup(engine, "key", read, "key") == "three"
    assert await principal_cache.lookup(engine, "key", read, "key") == "four"
    assert len(principals) == 0
