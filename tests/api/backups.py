"""What the backup tests share: an empty deployment to restore onto, plain SQL on a
database, and a writer that lends, takes back and files documents while a backup runs."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import sqlite3
import tarfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from loans import documents, lifecycle
from loans.storage import DatabaseStorage, DirectoryStorage, Storage
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
async def restore_target(database_url: str, tmp_path: Path) -> AsyncIterator[Target]:
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


async def assert_no_database_written(target: Target) -> None:
    if is_postgres(target.database_url):
        async with connected(target.database_url) as fetch:
            assert not await fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    else:
        assert not sqlite_file(target).exists()


def sqlite_file(target: Target) -> Path:
    return Path(target.database_url.removeprefix("sqlite:///"))
