"""The migration that replaces `loan.paper_signed_on` by paper signatures, on a database of
its own (the engine under test: SQLite, or PostgreSQL when the tests run on it)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from urllib.parse import urlparse

import asyncpg

from tests.database import is_postgres


async def _fresh_database(url: str, tmp_path) -> str:
    if not is_postgres(url):
        return f"sqlite:///{tmp_path / 'paper-migration.sqlite'}"
    name = f"{urlparse(url).path.lstrip('/')}_paper_migration"
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return urlparse(url)._replace(path=f"/{name}").geturl()


async def test_legacy_paper_dates_migrate_to_paper_signatures_without_scan(database_url, tmp_path):
    url = await _fresh_database(database_url, tmp_path)
    run = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tests.loans.paper_migration_run", url],
        env={**os.environ, "ORDIPRET_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["signed"] == {"minor": True, "adult": True, "unsigned": False}
    assert result["paper_day"] == {"minor": "2026-06-15", "adult": "2026-06-15", "unsigned": "None"}
    assert result["paper_column_left"] is False
    assert result["signatures"] == [
        ["minor", "student", "minor MARTIN", "paper", True],
        ["minor", "guardian", "Claire MARTIN", "paper", True],
        ["minor", "head_of_school", "Le chef d’établissement", "paper", True],
        ["adult", "student", "adult MARTIN", "paper", True],
        ["adult", "head_of_school", "Le chef d’établissement", "paper", True],
    ]
