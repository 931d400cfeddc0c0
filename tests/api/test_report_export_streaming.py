"""Streaming: exporting many devices keeps the server's memory flat. The app is driven as
the ASGI server drives it (each body chunk sent is counted, then dropped), and tracemalloc
measures the peak of Python memory while the body is produced, against the peak of merely
reading the same rows in one query."""

from __future__ import annotations

import asyncio
import datetime as dt
import tracemalloc

import pytest

from bench.report_data import bulk_insert
from inventory.scope import Scope
from loans.report_exports import assets_sql
from loans.reports import target as targets
from loans.reports.target import rows
from tests.factories import NOW

DEVICES = 20_000


async def insert_devices(database_url: str, world, count: int) -> None:
    region, school = world.region_ids["24"], world.establishment_ids["A"]
    acquired = dt.date(2025, 9, 1)
    await bulk_insert(
        database_url,
        {
            "asset": [
                (f"S{k:06d}", f"SN{k:09d}", "lenovo", world.model_id, region, school)
                + ("in_stock", "A", acquired, dt.date(2028, 9, 1), "", NOW, NOW)
                for k in range(count)
            ]
        },
    )


class Body:
    """What a client receives, counted chunk by chunk and never kept whole."""

    def __init__(self) -> None:
        self.sent = asyncio.Event()  # the last chunk: a server then reports the client gone
        self.status = 0
        self.size = 0
        self.lines = 0
        self.chunks = 0
        self.tail = b""

    async def send(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body" and message.get("body"):
            chunk = message["body"]
            self.size += len(chunk)
            self.lines += chunk.count(b"\r\n")
            self.chunks += 1
            self.tail = chunk[-200:]
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.sent.set()


async def get(app, path: str, query: str, token: str) -> Body:
    body = Body()
    requested = False

    async def receive() -> dict:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await body.sent.wait()  # the client stays until the body is sent
        return {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    await asyncio.wait_for(app(scope, receive, body.send), timeout=120)
    return body


async def peak_of(work) -> tuple[object, int]:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = await work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
async def test_a_large_export_keeps_memory_flat(app, world, database_url, extension):
    await insert_devices(database_url, world, DEVICES)
    token = world.tokens["manager_24"]
    path = f"/api/v1/reports/exports/assets.{extension}"
    await get(app, path, "region=24", token)  # warm: handlers and queries compiled
    body, streaming_peak = await peak_of(lambda: get(app, path, "region=24", token))
    assert body.status == 200
    if extension == "csv":
        assert body.lines == DEVICES + 1  # the header and every device
        assert b"S019999;SN000019999;en stock;Lenovo" in body.tail
    assert body.chunks > 10  # sent as it was made, not as one block
    target = await targets.resolve(Scope.platform(), NOW.date(), region="24")
    everything, reading_peak = await peak_of(lambda: rows(assets_sql(target, DEVICES * 2), 0, 0))
    assert len(everything) == DEVICES
    # Holding the rows alone takes megabytes; the whole export a fraction of it.
    assert streaming_peak < reading_peak / 4, (streaming_peak, reading_peak)
