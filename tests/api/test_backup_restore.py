"""`ordipret backup` while the app writes, then `ordipret restore` onto an empty deployment:
every invariant of the restored database holds and every document has its bytes — on SQLite
and PostgreSQL, with the documents in a directory or in the database.

The writer lends, takes back and files documents through the domain's use-cases, in this
test's event loop, while the real `ordipret backup` runs as another process.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
import time
from pathlib import Path

import asyncpg
import pytest

from api.infra.backup import sqlite as backup_sqlite
from loans.storage import DatabaseStorage
from tests.api.backups import (
    ASSETS,
    Fetch,
    Target,
    Writer,
    connected,
    manifest_of,
    storage_of,
)
from tests.cli_process import ordipret
from tests.database import is_postgres
from tests.factories import World


async def check_invariants(target: Target, storage: str, manifest: dict) -> None:
    async with connected(target.database_url) as fetch:
        for table, count in manifest["tables"].items():
            assert (await fetch(f'SELECT count(*) FROM "{table}"')) == [(count,)], table
        # One open loan per device, and the partial unique indexes came back to keep it so.
        assert not await fetch(
            "SELECT asset FROM loan WHERE closed_at IS NULL GROUP BY asset HAVING count(*) > 1"
        )
        await refuse_second_open_loan(target.database_url, fetch)
        # Each open loan holds a slot of its student's category, within the maximum (1 here).
        assert not await fetch(
            "SELECT student FROM loan WHERE closed_at IS NULL "
            "GROUP BY student, category, slot HAVING count(*) > 1"
        )
        assert not await fetch("SELECT id FROM loan WHERE closed_at IS NULL AND slot <> 1")
        # States agree: open loans are open states, their devices in stock (lent by the loan),
        # and every handed-over loan has its hand-over event (no half transaction copied).
        assert not await fetch(
            "SELECT id FROM loan WHERE (closed_at IS NULL) <> "
            "(state IN ('draft', 'awaiting_signature', 'active'))"
        )
        assert not await fetch(
            "SELECT l.id FROM loan l JOIN asset a ON a.id = l.asset "
            "WHERE l.closed_at IS NULL AND a.state <> 'in_stock'"
        )
        assert not await fetch(
            "SELECT l.id FROM loan l WHERE l.handed_over_at IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM loan_event e WHERE e.loan = l.id AND e.action = 'hand_over')"
        )
        if is_postgres(target.database_url):
            assert not await fetch(
                "SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"
            )
            assert (await fetch("SELECT count(*) FROM pg_constraint WHERE contype = 'f'"))[0][0]
        else:
            assert not await fetch("PRAGMA foreign_key_check")
        rows = await fetch("SELECT sha256, size FROM document")
        assert rows
        for sha256, size in rows:
            if storage == "directory":
                content = (
                    target.var_dir / "documents" / sha256[:2] / sha256[2:4] / sha256
                ).read_bytes()
            else:
                found = await fetch(
                    f"SELECT content FROM document_content WHERE sha256 = '{sha256}'"
                )
                content = bytes(found[0][0])
            assert hashlib.sha256(content).hexdigest() == sha256 and len(content) == size


async def refuse_second_open_loan(database_url: str, fetch: Fetch) -> None:
    """A copy of an open loan (another id, same device and slot) is refused."""
    if is_postgres(database_url):
        names = "SELECT column_name FROM information_schema.columns WHERE table_name = 'loan'"
    else:
        names = "SELECT name FROM pragma_table_info('loan')"
    columns = ", ".join(f'"{name}"' for (name,) in await fetch(names) if name != "id")
    copy = (
        f"INSERT INTO loan ({columns}) SELECT {columns} FROM loan WHERE closed_at IS NULL LIMIT 1"
    )
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await fetch(copy)


@pytest.mark.parametrize("storage", ["directory", "database"])
async def test_a_backup_taken_while_loans_and_documents_are_written_restores_whole(
    world: World, settings, database_url: str, tmp_path: Path, restore_target: Target, storage: str
):
    writer = Writer(world, storage_of(storage, settings.var_dir))
    await writer.prepare()
    for _ in range(ASSETS + 2):  # devices lent and some already back, before the backup
        await writer.step()
    writing = asyncio.create_task(writer.run())
    archive = tmp_path / "sauvegarde.tar"
    source = {
        "ORDIPRET_DATABASE_URL": database_url,
        "ORDIPRET_VAR_DIR": str(settings.var_dir),
        "ORDIPRET_STORAGE": storage,
    }
    steps_before = writer.steps
    done = await asyncio.to_thread(
        ordipret, tmp_path, "backup", "-o", str(archive), env_extra=source
    )
    steps_after = writer.steps
    writer.stop.set()
    await writing
    assert done.returncode == 0, done.stdout + done.stderr
    assert steps_after > steps_before, "the app wrote nothing while the backup ran"
    manifest = manifest_of(archive)
    assert manifest["engine"] == ("postgresql" if is_postgres(database_url) else "sqlite")
    assert manifest["missing_documents"] == []
    # The snapshot is of a moment of the load: after its first loans, before its last.
    assert ASSETS + 2 <= manifest["tables"]["loan"] <= writer.steps

    restored = await asyncio.to_thread(
        ordipret, tmp_path, "restore", str(archive), env_extra=restore_target.env(storage)
    )

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "restaurée" in restored.stdout
    await check_invariants(restore_target, storage, manifest)


async def test_a_sqlite_copy_made_in_many_steps_while_loans_are_written_is_of_one_moment(
    world, settings, database_url, tmp_path, monkeypatch
):
    if is_postgres(database_url):
        pytest.skip("SQLite's online backup API")
    monkeypatch.setattr(backup_sqlite, "PAGES_PER_STEP", 1)
    writer = Writer(world, DatabaseStorage())
    await writer.prepare()
    await writer.step()
    writing = asyncio.create_task(writer.run())
    seen: list[int] = []

    def advance(done: int, total: int) -> None:
        """Between the first steps of the copy, wait for the app to commit (a second at most)."""
        if len(seen) < 3:
            deadline = time.monotonic() + 1
            while writer.steps == (seen[-1] if seen else -1) and time.monotonic() < deadline:
                time.sleep(0.001)
        seen.append(writer.steps)

    copy = tmp_path / "copie.sqlite"
    snapshot = await asyncio.to_thread(
        backup_sqlite.snapshot, backup_sqlite.database_path(database_url), copy, advance
    )
    writer.stop.set()
    await writing

    assert len(set(seen)) > 1, "no commit landed between the steps of the copy"
    with contextlib.closing(sqlite3.connect(copy)) as copied:
        for table, count in snapshot.tables.items():
            assert copied.execute(f'SELECT count(*) FROM "{table}"').fetchone() == (count,), table
        assert copied.execute("PRAGMA integrity_check").fetchone() == ("ok",)
