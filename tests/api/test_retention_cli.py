"""`ordipret retention`, run as a real process: a dry run first (counts, nothing changed),
then for real (the run recorded), with the clock moved forward by `--now`."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.cli_process import ordipret

SEED = """
import datetime as dt
from api.cli.console import run_with_database
from api.settings import Settings
from tests.factories import make_student, make_world

async def seed():
    await make_world()
    for _ in range(3):
        await make_student("A", left_on=dt.date(2026, 9, 30))
    await make_student("A")

run_with_database(Settings.from_env(), seed)
"""


def _seed(directory: Path) -> None:
    env = {**os.environ, "ORDIPRET_DATABASE_URL": f"sqlite:///{directory / 'cli.sqlite'}"}
    env.pop("ORDIPRET_TEST_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", SEED], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def _anonymised(directory: Path) -> int:
    with sqlite3.connect(directory / "cli.sqlite") as db:
        query = "SELECT COUNT(*) FROM student WHERE anonymised_at IS NOT NULL"
        return db.execute(query).fetchone()[0]


def test_the_command_runs_dry_first_then_for_real_with_the_clock_moved_forward(migrated):
    _seed(migrated)
    early = ordipret(migrated, "retention", "--dry-run", "--now", "2027-09-01")
    assert early.returncode == 0, early.stderr
    assert "rien n'est dû" in early.stdout
    dry = ordipret(migrated, "retention", "--dry-run", "--now", "2027-10-02", "--batch", "2")
    assert dry.returncode == 0, dry.stderr
    assert "Simulation" in dry.stdout and "région 24 : 3 élèves anonymisés" in dry.stdout
    assert _anonymised(migrated) == 0
    real = ordipret(migrated, "retention", "--now", "2027-10-02", "--batch", "2")
    assert real.returncode == 0, real.stderr
    assert "Passage n° 1" in real.stdout and "3 élèves anonymisés" in real.stdout
    assert _anonymised(migrated) == 3
    assert "Élève" not in real.stdout  # counts only, never a name


def test_a_malformed_date_is_refused(migrated):
    result = ordipret(migrated, "retention", "--now", "demain")
    assert result.returncode == 2
    assert "AAAA-MM-JJ" in result.stderr
