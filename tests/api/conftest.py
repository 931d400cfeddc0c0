"""Fixtures of the API tests that run the command line as a real process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.api.ent_sessions import ent, staff  # noqa: F401 (fixtures of the space's tests)
from tests.cli_process import ordipret


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
