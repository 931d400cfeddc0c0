from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from tests import database
from tests.factories import World, make_world


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ordipret")


@pytest.fixture(scope="session")
def database_url(session_dir: Path) -> str:
    url = database.test_database_url(session_dir)
    database.prepare(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        public_url="http://testserver",
        secret_key="test-secret-key-test-secret-key-0123456789",
        var_dir=tmp_path / "var",
        login_rate_limit_per_minute=1000,
    )


@pytest.fixture
async def app(settings: Settings):
    """The app, its lifespan entered in the test's own event loop, on empty tables."""
    application = create_app(settings)
    async with running(application):
        from inventory.tables import Region

        await database.truncate_all(Region._meta.db)
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


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as anonymous:
        yield anonymous


@pytest.fixture
async def world(app) -> World:
    """Two schools of region 24, one of region 44, and a persona for each role."""
    return await make_world()


@pytest.fixture
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
