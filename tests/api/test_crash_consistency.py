"""A real server killed (SIGKILL) while it imports a large file, at moments spread up to and
past its commit: the database holds the whole file or nothing of it, with one history event
per created row — on SQLite and PostgreSQL alike.

Why it holds: each import writes every row in one transaction (`write_transaction`), and both
engines make a transaction durable by one atomic step (SQLite's commit record in the WAL,
PostgreSQL's commit record in its WAL); a process killed before that step leaves a transaction
the engine discards on recovery. This test checks the property from outside, as a crash would.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from inventory.tables import Asset, AssetEvent
from loans.tables import Guardian, Student
from tests.factories import World
from tests.inventory.test_asset_import import csv_file as asset_file
from tests.inventory.test_asset_import import row as asset_row
from tests.loans.test_student_import import csv_file as student_file
from tests.loans.test_student_import import row as student_row

ROWS = 2_000
# Fractions of an uninterrupted import. The writing is a small part of it since the imports
# write in bulk (the checks and the statistics refreshed after the commit take the rest), so
# the kills start early enough to land before the commit too.
KILL_AT = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0, 1.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server(database_url: str, var_dir: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """`ordipret serve` as a real process, one worker (the process that runs the import)."""
    port = free_port()
    env = {**os.environ, "ORDIPRET_DATABASE_URL": database_url, "ORDIPRET_VAR_DIR": str(var_dir)}
    env.pop("ORDIPRET_TEST_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/livez", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def send(base: str, path: str, token: str, body: bytes) -> tuple[threading.Thread, list]:
    """Post the file from a thread; the list receives the response, if one comes."""
    answered: list[httpx.Response] = []

    def post() -> None:
        with contextlib.suppress(httpx.TransportError):  # killed under the request: expected
            answered.append(
                httpx.post(
                    f"{base}{path}",
                    params={"dry_run": "false"},
                    content=body,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
                    timeout=120,
                )
            )

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    return thread, answered


async def asset_counts() -> tuple[int, int]:
    events = await AssetEvent.count().where(AssetEvent.action == "imported")
    return await Asset.count(), events


async def forget_assets() -> None:
    await AssetEvent.delete(force=True)
    await Asset.delete(force=True)


async def student_counts() -> tuple[int, int]:
    return await Student.count(), await Guardian.count()


async def forget_students() -> None:
    await Guardian.delete(force=True)
    await Student.delete(force=True)


def assets_file() -> bytes:
    return asset_file(*(asset_row(f"K-{n:05d}", f"SNK{n:07d}") for n in range(ROWS)))


def students_file() -> bytes:
    guardian = ["Martin", "Claire", "", "", "oui"]
    return student_file(
        *(
            student_row(f"ENTK{n:06d}", last_name=f"Nom{n}", guardian1=guardian)
            for n in range(ROWS // 2)
        )
    )


IMPORTS = {
    # path, file, counts (rows, their companion rows), how to empty them
    "assets": ("/api/v1/assets/import", assets_file, asset_counts, forget_assets),
    "students": ("/api/v1/students/import", students_file, student_counts, forget_students),
}


@pytest.mark.parametrize("kind", list(IMPORTS))
async def test_a_server_killed_during_an_import_leaves_all_of_it_or_nothing(
    world: World, database_url: str, tmp_path: Path, kind: str
):
    path, make_file, counts, forget = IMPORTS[kind]
    body = make_file()
    token = world.tokens["admin"]
    with server(database_url, tmp_path / "var") as (_, base):
        started = time.monotonic()
        thread, answered = send(base, path, token, body)
        thread.join()
        duration = time.monotonic() - started
    assert answered[0].status_code == 200, answered[0].text[:300]
    complete = await counts()
    assert complete[0] > 0 and complete[1] > 0, "the uninterrupted import must succeed"
    outcomes = []
    for fraction in KILL_AT:
        await forget()
        with server(database_url, tmp_path / "var") as (process, base):
            thread, _ = send(base, path, token, body)
            await asyncio.sleep(duration * fraction)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            thread.join(timeout=30)
        found = await counts()
        assert found in ((0, 0), complete), f"killed at {fraction:.0%}: {found} rows half-written"
        outcomes.append(found == complete)
    # The kills landed on both sides of the commit at least once, or the test proved little.
    assert not all(outcomes), "every kill came after the commit"
