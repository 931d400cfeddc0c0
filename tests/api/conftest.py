"""Fixtures shared by the API tests: staff browsers signed in, ENT sessions, and the command
line run as a real process."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.api.backups import restore_target  # noqa: F401 (a fixture of the backup tests)
from tests.api.ent_sessions import ent  # noqa: F401 (a fixture of the space's tests)
from tests.cli_process import ordipret
from tests.conftest import client_for


@pytest_asyncio.fixture(loop_scope="session")
async def signed_in(app, world):
    """`await signed_in("it_a")`: a browser-like client holding that persona's session cookie
    (signed in through the login form). Modules name it after their users (desk, staff…)."""
    from tests.api.test_pages import log_in

    opened: list[httpx.AsyncClient] = []

    async def make(persona: str) -> httpx.AsyncClient:
        client = client_for(app)
        opened.append(client)
        response = await log_in(client, persona)
        assert response.status_code == 303, response.text
        return client

    yield make
    for client in opened:
        await client.aclose()


@pytest.fixture(scope="module")
def migrated_once(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("cli")
    result = ordipret(directory, "migrate")
    assert result.returncode == 0, result.stderr
    return directory


@pytest.fixture
def migrated(migrated_once: Path, tmp_path: Path) -> Path:
    """A database just migrated by `ordipret migrate`: a copy of one migrated once."""
    shutil.copytree(migrated_once, tmp_path, dirs_exist_ok=True)
    return tmp_path


@pytest.fixture
def desk(signed_in):
    """The loan desk's tests call the staff's browsers so."""
    return signed_in


@pytest.fixture
def staff(signed_in):
    """The space's tests call the staff's browsers so."""
    return signed_in
