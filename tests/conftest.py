"""The app under test: built once per session, its tables and its var/ emptied for each test.

Building the app (two hundred handlers) and opening its database pool costs seconds, so one
app serves every test. Everything async (tests and fixtures) runs in one session-wide event
loop, the loop the app's lifespan and its pool live in. Per-test isolation:

- tables: truncated before each test that uses the app (tests/database.py, truncate_all);
- var/ (session and rate-limit files, damage photos): emptied before each test (`settings`);
- the tables are bound back to the shared engine before each test, since a test building an
  app of its own (other settings: `with_changes`) or the browser tests' server rebinds them.

Tests needing other settings build their own app with `create_app(with_changes(settings, …))`
and `running(…)`, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from pytest_asyncio import is_async_test

from api.app import create_app
from api.infra.piccolo_conf import bind
from api.settings import Settings
from inventory.tables import Region
from tests import database
from tests.factories import World, make_world

# The loop every async test and fixture runs in: the shared app's pool belongs to it.
LOOP = "session"


def pytest_collection_modifyitems(items) -> None:
    """Run every async test in the session's loop (pytest-asyncio's documented recipe)."""
    in_session_loop = pytest.mark.asyncio(loop_scope=LOOP)
    for item in items:
        if is_async_test(item):
            item.add_marker(in_session_loop, append=False)


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ordipret")


@pytest.fixture(scope="session")
def database_url(session_dir: Path) -> str:
    url = database.test_database_url(session_dir)
    database.prepare(url)
    return url


@pytest.fixture(scope="session")
def session_settings(database_url: str, session_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        public_url="http://testserver",
        secret_key="test-secret-key-test-secret-key-0123456789",
        var_dir=session_dir / "var",
        login_rate_limit_per_minute=1000,
        worker="off",  # jobs run when a test says so (api.jobs.worker.run_all)
        access_log=True,  # its lines are checked (tests/api/test_request_logs.py)
    )


def empty_directory(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


@pytest.fixture
def settings(session_settings: Settings) -> Settings:
    """The shared app's settings, with an empty var/ directory: no session, no login attempt
    counted, no photo left by an earlier test."""
    empty_directory(session_settings.var_dir)
    return session_settings


@pytest_asyncio.fixture(scope="session", loop_scope=LOOP)
async def shared_app(session_settings: Settings):
    """The app and its engine, lifespan entered once for the whole session."""
    application = create_app(session_settings)
    engine = Region._meta.db  # bound by create_app
    async with running(application):
        yield application, engine


@pytest_asyncio.fixture(loop_scope=LOOP)
async def app(shared_app, settings: Settings):
    """The shared app, on empty tables, with an empty var/ directory."""
    application, engine = shared_app
    bind(engine)  # another app (with other settings, or the browser tests') may have rebound
    await database.truncate_all(engine)
    yield application


@contextlib.asynccontextmanager
async def running(application):
    """Run the ASGI lifespan in a task of its own: pytest-asyncio sets a fixture up and tears
    it down in different tasks, which anyio's cancel scopes inside the lifespan refuse."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def lifespan() -> None:
        async with application.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(lifespan())
    await started.wait()
    try:
        yield
    finally:
        stop.set()
        await task


def client_for(app, **headers: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=headers
    )


@pytest_asyncio.fixture(loop_scope=LOOP)
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as anonymous:
        yield anonymous


@pytest_asyncio.fixture(loop_scope=LOOP)
async def world(app) -> World:
    """Two schools of region 24, one of region 44, and a persona for each role."""
    return await make_world()


@pytest_asyncio.fixture(loop_scope=LOOP)
async def as_(app, world: World):
    """`as_("it_a")` is a client signed in as that persona (through an API token)."""
    opened: list[httpx.AsyncClient] = []

    def make(persona: str) -> httpx.AsyncClient:
        c = client_for(app, Authorization=f"Bearer {world.tokens[persona]}")
        opened.append(c)
        return c

    yield make
    for c in opened:
        await c.aclose()


def with_changes(settings: Settings, **changes) -> Settings:
    return dataclasses.replace(settings, **changes)
