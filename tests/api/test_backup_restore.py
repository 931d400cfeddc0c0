"""`ordipret backup` while the app writes, then `ordipret restore` onto an empty deployment:
every invariant of the restored database holds and every document has its bytes — on SQLite
and PostgreSQL, with the documents in a directory or in the database.

The writer lends, takes back and files documents through the domain's use-cases, in this
test's event loop, while the real `ordipret backup` runs as another process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
import tarfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from api.infra.backup import sqlite as backup_sqlite
from api.infra.backup.archive import BackupError
from api.infra.backup.restoring import restore_backup
from api.infra.backup.taking import take_backup
from loans import documents, lifecycle
from loans.storage import DatabaseStorage, DirectoryStorage, Storage
from loans.tables import Document
from tests.cli_process import ordipret
from tests.conftest import with_changes
from tests.database import is_postgres
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, World, make_asset, make_student

ASSETS, STUDENTS = 4, 8
Fetch = Callable[[str], Awaitable[list[tuple]]]


def silent(description: str):
    return contextlib.nullcontext(lambda done, total: None)


@dataclass
class Target:
    """An empty deployment to restore onto: its database and its var directory."""

    database_url: str
    var_dir: Path

    def env(self, storage: str) -> dict[str, str]:
        return {
            "ORDIPRET_DATABASE_URL": self.database_url,
            "ORDIPRET_VAR_DIR": str(self.var_dir),
            "ORDIPRET_STORAGE": storage,
        }


@pytest.fixture
async def target(database_url: str, tmp_path: Path) -> AsyncIterator[Target]:
    var_dir = tmp_path / "restored-var"
    if not is_postgres(database_url):
        yield Target(f"sqlite:///{var_dir / 'ordipret.sqlite'}", var_dir)
        return
    name = urlsplit(database_url).path.lstrip("/") + "_restore"  # wt_backup_test_restore
    admin = urlsplit(database_url)._replace(path="/postgres").geturl()
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
        yield Target(urlsplit(database_url)._replace(path=f"/{name}").geturl(), var_dir)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def connected(database_url: str) -> AsyncIterator[Fetch]:
    """Plain SQL on a database, as tuples: the restored one is read without the app."""
    if is_postgres(database_url):
        connection = await asyncpg.connect(database_url)

        async def fetch_pg(sql: str) -> list[tuple]:
            return [tuple(row) for row in await connection.fetch(sql)]

        try:
            yield fetch_pg
        finally:
            await connection.close()
        return
    path = database_url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as lite:

        async def fetch_lite(sql: str) -> list[tuple]:
            return lite.execute(sql).fetchall()

        yield fetch_lite


def storage_of(kind: str, var_dir: Path) -> Storage:
    return DirectoryStorage(var_dir / "documents") if kind == "directory" else DatabaseStorage()


class Writer:
    """Lends the devices in turn, takes them back and files a document at each step, until
    stopped: at step k, device k % 4 is taken back from its borrower (if lent) and lent to
    student k % 8, whose previous loan (step k - 8) was of the same device, back since."""

    def __init__(self, world: World, storage: Storage) -> None:
        self.world, self.storage, self.steps = world, storage, 0
        self.stop = asyncio.Event()
        self.open: dict[str, int] = {}

    async def prepare(self) -> None:
        self.tags = [await make_asset(f"BK-{n}", UAI_A, self.world.model_id) for n in range(ASSETS)]
        self.students = [(await make_student("A")).id for _ in range(STUDENTS)]

    async def step(self) -> None:
        k, now = self.steps, NOW + dt.timedelta(minutes=self.steps)
        tag = self.tags[k % ASSETS]
        if tag in self.open:
            loan_id = self.open.pop(tag)
            await lifecycle.take_back(
                PLATFORM, ACTOR, now, loan_id, accessories_returned=["chargeur"], condition="B"
            )
            await self.file(loan_id, "receipt", k)
        loan_id = await lifecycle.prepare_loan(
            PLATFORM,
            ACTOR,
            now,
            asset_tag=tag,
            student_id=self.students[k % STUDENTS],
            max_open_per_category=1,
        )
        await lifecycle.record_paper_signature(PLATFORM, ACTOR, now, loan_id, now.date())
        await self.file(loan_id, "paper_scan", k)
        await lifecycle.hand_over(PLATFORM, ACTOR, now, loan_id, ["chargeur"], dt.date(2027, 7, 4))
        self.open[tag] = loan_id
        self.steps += 1

    async def file(self, loan_id: int, kind: str, k: int) -> None:
        data = f"%PDF-1.4 {kind} {k} ".encode() * 40
        await documents.store_document(
            self.storage,
            PLATFORM,
            ACTOR,
            NOW,
            kind=kind,
            data=data,
            media_type="application/pdf",
            loan_id=loan_id,
        )

    async def run(self) -> None:
        while not self.stop.is_set():
            await self.step()
            await asyncio.sleep(0)


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return json.loads(member.read())


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
    world: World, settings, database_url: str, tmp_path: Path, target: Target, storage: str
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
        ordipret, tmp_path, "restore", str(archive), env_extra=target.env(storage)
    )

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "restaurée" in restored.stdout
    await check_invariants(target, storage, manifest)


async def test_restore_refuses_a_database_that_already_holds_data(world, settings, tmp_path):
    archive = tmp_path / "sauvegarde.tar"
    await take_backup(settings, archive, silent)
    students = await make_student("A")

    with pytest.raises(BackupError, match="contient déjà"):
        await restore_backup(settings, archive, silent)

    assert (await make_student("A")).id == students.id + 1  # the database is as it was


async def test_restore_refuses_a_documents_directory_that_is_not_empty(
    world, settings, tmp_path, target: Target
):
    archive = tmp_path / "sauvegarde.tar"
    await take_backup(with_changes(settings, storage="directory"), archive, silent)
    await DirectoryStorage(target.var_dir / "documents").put(b"un document d'ailleurs")
    elsewhere = with_changes(
        settings, database_url=target.database_url, var_dir=target.var_dir, storage="directory"
    )

    with pytest.raises(BackupError, match="n'est pas vide"):
        await restore_backup(elsewhere, archive, silent)

    await assert_no_database_written(target)
    assert len(list((target.var_dir / "documents").rglob("*/*/*"))) == 1


@pytest.mark.parametrize(
    ("member", "refusal"),
    [
        ("database", "database.sqlite : empreinte SHA-256|database.pgdump : empreinte SHA-256"),
        ("documents/", "documents/.* : empreinte SHA-256"),
        ("manifest.json", "Manifeste"),
    ],
)
async def test_an_archive_with_one_byte_changed_is_refused_before_anything_is_written(
    world, settings, tmp_path, target: Target, member: str, refusal: str
):
    writer = Writer(world, storage_of("directory", settings.var_dir))
    await writer.prepare()
    await writer.step()
    archive = tmp_path / "sauvegarde.tar"
    source = with_changes(settings, storage="directory")
    await take_backup(source, archive, silent)
    with tarfile.open(archive) as tar:
        chosen = next(m for m in tar.getmembers() if m.name.startswith(member))
    with archive.open("r+b") as file:  # one byte in the middle of that member's data
        file.seek(chosen.offset_data + chosen.size // 2)
        byte = file.read(1)
        file.seek(-1, 1)
        file.write(bytes([byte[0] ^ 0x01]))
    elsewhere = with_changes(
        settings, database_url=target.database_url, var_dir=target.var_dir, storage="directory"
    )

    with pytest.raises(BackupError, match=refusal):
        await restore_backup(elsewhere, archive, silent)

    assert not (target.var_dir / "documents").exists()
    await assert_no_database_written(target)


async def assert_no_database_written(target: Target) -> None:
    if is_postgres(target.database_url):
        async with connected(target.database_url) as fetch:
            assert not await fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    else:
        assert not sqlite_file(target).exists()


def sqlite_file(target: Target) -> Path:
    return Path(target.database_url.removeprefix("sqlite:///"))


async def test_a_document_file_lost_before_the_backup_is_named_by_it_and_by_the_restore(
    world, settings, tmp_path, target: Target
):
    storage = DirectoryStorage(settings.var_dir / "documents")
    writer = Writer(world, storage)
    await writer.prepare()
    await writer.step()
    [sha256] = [row["sha256"] for row in await Document.select(Document.sha256)]
    storage.path_of(sha256).unlink()
    archive = tmp_path / "sauvegarde.tar"
    source = {
        "ORDIPRET_DATABASE_URL": settings.database_url,
        "ORDIPRET_VAR_DIR": str(settings.var_dir),
        "ORDIPRET_STORAGE": "directory",
    }

    backup = await asyncio.to_thread(
        ordipret, tmp_path, "backup", "-o", str(archive), env_extra=source
    )
    restored = await asyncio.to_thread(
        ordipret, tmp_path, "restore", str(archive), env_extra=target.env("directory")
    )

    assert backup.returncode == 1 and "1 document(s)" in backup.stdout, backup.stdout
    assert manifest_of(archive)["missing_documents"] == [sha256]
    assert restored.returncode == 1, restored.stdout + restored.stderr
    assert "Documents sans contenu : 1" in restored.stdout


async def test_a_backup_on_postgresql_without_pg_dump_is_refused_clearly(
    settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path))  # no PostgreSQL client tools there
    on_postgres = with_changes(settings, database_url="postgresql://postgres@127.0.0.1:1/absente")

    with pytest.raises(BackupError, match="pg_dump introuvable"):
        await take_backup(on_postgres, tmp_path / "sauvegarde.tar", silent)

    assert not list(tmp_path.iterdir())


async def test_a_backup_never_overwrites_an_existing_file(settings, tmp_path):
    earlier = tmp_path / "sauvegarde.tar"
    earlier.write_bytes(b"la sauvegarde d'hier")

    with pytest.raises(BackupError, match="existe déjà"):
        await take_backup(settings, earlier, silent)

    assert earlier.read_bytes() == b"la sauvegarde d'hier"


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
