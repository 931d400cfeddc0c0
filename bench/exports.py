"""`exports`: the streamed CSV of a region's devices (GET /api/v1/reports/exports/assets.csv)
on the real server: time to the first byte, total time, rows/s, and the server's memory.

The data: the `reports` benchmark's region (bench/report_data.py, bulk inserts), with
`--fleet × 2` devices (200,000 by default) and their students and loans, so that the "lent"
state is looked up for real; then the same devices as XLSX. Memory: the resident size of the
server's processes before the export and their peak (VmHWM) after it, from /proc (Linux).
Target: first byte < 200 ms.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.fleet import engine_name, fresh_database, migrated_engine
from bench.registry import BenchmarkFailed, Figures, Options, Rows, benchmark
from bench.report_data import REGION, bulk_insert, instant, reference_rows, region_rows, uai_of
from bench.server import production_server

TARGET_FIRST_BYTE_MS = 200
CHUNK = 64 * 1024


async def _setup(url: str, size: int) -> str:
    from api.accounts import staff
    from api.clock import today

    now = instant(dt.date(2026, 8, 25))
    engine = await migrated_engine(url)
    try:
        region_id, schools, models, categories = await reference_rows(now)
        assets, students, loans = region_rows(
            size, region_id, schools, models, categories, now, today()
        )
        await bulk_insert(url, {"asset": assets, "student": students, "loan": loans})
        account = await staff.create_account(
            email="manager@bench.test",
            password="banc-d-essai-2026!",
            role="region_manager",
            region_code=REGION,
            now=now,
        )
        _, token = await staff.create_token(account, "bench", now)
    finally:
        await engine.close_connection_pool()
    return token


def _processes(pid: int) -> list[int]:
    """The server's process and its descendants (uvicorn's supervisor and workers)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                queue += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def _memory_kib(pid: int, field: str) -> int:
    """The largest `field` (VmRSS, VmHWM) among the server's processes, in KiB."""
    best = 0
    for process in _processes(pid):
        try:
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    best = max(best, int(line.split()[1]))
        except OSError:
            continue
    return best


def _export(url: str, token: str) -> tuple[float, float, int, int]:
    """(seconds to the first byte, total seconds, data rows of a CSV, bytes)."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        if response.status != 200:
            raise BenchmarkFailed(f"GET {url} answered {response.status}")
        first = response.read(1)
        first_byte = time.perf_counter() - started
        size, lines = len(first), first.count(b"\n")
        while chunk := response.read(CHUNK):
            size += len(chunk)
            lines += chunk.count(b"\n")
    return first_byte, time.perf_counter() - started, lines - 1, size


def table(figures: Figures) -> Rows:
    return [
        ("what", "figure", "target"),
        ("first byte", f"{figures['first_byte_ms']:.0f} ms", f"< {TARGET_FIRST_BYTE_MS} ms"),
        ("whole CSV", f"{figures['export_s']:.1f} s ({figures['mib']:.0f} MiB)", ""),
        ("rows/s", f"{figures['rows_per_s']:,.0f}", ""),
        (
            "server memory, CSV (RSS before → peak)",
            f"{figures['rss_before_mib']:.0f} → {figures['rss_peak_mib']:.0f} MiB",
            figures["verdict"],
        ),
        (
            "same devices as XLSX (whole file)",
            f"{figures['xlsx_s']:.1f} s ({figures['xlsx_mib']:.0f} MiB), "
            f"server peak {figures['rss_peak_after_xlsx_mib']:.0f} MiB",
            "",
        ),
        (f"{figures['engine']}, {figures['rows']:,} devices; setup {figures['setup_s']:.0f} s",),
    ]


@benchmark("exports", "streamed CSV of a region's devices: first byte, rows/s, memory", table)
def exports(options: Options) -> Figures:
    size = max(options.fleet * 2, 100)
    with tempfile.TemporaryDirectory(prefix="ordipret-bench-exports-") as tmp:
        url = fresh_database(options.database_url, Path(tmp))
        started = time.perf_counter()
        token = asyncio.run(_setup(url, size))
        setup_s = time.perf_counter() - started
        with production_server(url, Path(tmp) / "var", workers=1) as server:
            address = server.url(f"/api/v1/reports/exports/assets.csv?region={REGION}")
            # Warm-up on one lycée: connections opened, queries compiled.
            _export(
                server.url(f"/api/v1/reports/exports/assets.csv?establishment={uai_of(0)}"), token
            )
            before = _memory_kib(server.pid, "VmRSS")
            first_byte, total, rows, size_bytes = _export(address, token)
            peak = _memory_kib(server.pid, "VmHWM")
            # The same devices as XLSX: built in temporary files, then sent.
            _, xlsx_total, _, xlsx_bytes = _export(address.replace(".csv", ".xlsx"), token)
            xlsx_peak = _memory_kib(server.pid, "VmHWM")
    if rows != size:
        raise BenchmarkFailed(f"the CSV holds {rows} rows, not {size}")
    first_byte_ms = first_byte * 1000
    return {
        "engine": engine_name(url),
        "rows": rows,
        "first_byte_ms": round(first_byte_ms, 1),
        "export_s": round(total, 2),
        "rows_per_s": round(rows / total),
        "mib": round(size_bytes / 2**20, 1),
        "rss_before_mib": round(before / 1024, 1),
        "rss_peak_mib": round(peak / 1024, 1),
        "xlsx_s": round(xlsx_total, 2),
        "xlsx_mib": round(xlsx_bytes / 2**20, 1),
        "rss_peak_after_xlsx_mib": round(xlsx_peak / 1024, 1),
        "verdict": "ok" if first_byte_ms < TARGET_FIRST_BYTE_MS else "MISSED",
        "setup_s": round(setup_s, 1),
    }
