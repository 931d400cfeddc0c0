"""Settings read from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from api.infra.database import engine_for
from api.settings import Settings


def test_the_default_database_lives_in_the_var_dir(tmp_path: Path):
    settings = Settings.from_env({"ORDIPRET_VAR_DIR": str(tmp_path / "etat")})
    engine = engine_for(settings.database_url)
    assert Path(engine.path) == tmp_path / "etat" / "ordipret.sqlite"


def test_a_relative_var_dir_keeps_the_database_relative_to_the_working_directory():
    settings = Settings.from_env({"ORDIPRET_VAR_DIR": "donnees"})
    assert settings.database_url == "sqlite:///donnees/ordipret.sqlite"


def test_without_a_var_dir_the_database_is_var_ordipret_sqlite():
    assert Settings.from_env({}).database_url == "sqlite:///var/ordipret.sqlite"


def test_an_explicit_database_url_wins_over_the_var_dir(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'ailleurs.sqlite'}"
    settings = Settings.from_env({"ORDIPRET_VAR_DIR": str(tmp_path), "ORDIPRET_DATABASE_URL": url})
    assert settings.database_url == url


def test_migrate_without_a_database_url_creates_the_sqlite_file_in_the_var_dir(tmp_path: Path):
    env = {**os.environ, "ORDIPRET_VAR_DIR": str(tmp_path / "etat")}
    for name in ("ORDIPRET_DATABASE_URL", "ORDIPRET_TEST_DATABASE_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "migrate"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "etat" / "ordipret.sqlite").is_file()
    assert not (tmp_path / "var").exists()
