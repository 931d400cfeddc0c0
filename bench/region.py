"""`region`: a region manager's day on `ordipret demo --scale region` data, on the real server.

Every region-wide JSON list at page 1 and deep in the list, the search by serial, and the
whole region's asset CSV export (total, first byte, the server's memory growth). Deep pages
follow the lists' `next_cursor` (the `cursor` query parameter); a list without one is read
at `offset` — what existing clients still send — so that the bench measures today's and
tomorrow's lists alike.

The data is never written: `--reuse` with a SQLite URL measures a copy of the file, with a
PostgreSQL URL a copy of the database (`CREATE DATABASE … TEMPLATE`, dropped at the end);
the copy receives the bench's account and token. Without `--reuse`, the region is built
in a fresh database (`ordipret demo --scale region`'s builder; tens of minutes).

Figures: p50/p95 over `SAMPLES` requests per list and depth; targets printed beside (lists
p95 < 150 ms, serial search < 20 ms, CSV < 10 s, first byte < 200 ms, RSS growth < 50 MB).
The student import of 100,000 rows is measured elsewhere: `EXTRA` takes more measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import shutil
import statistics
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.exports import _export, _memory_kib
from bench.fleet import engine_name, fresh_database, is_postgres, migrated_engine
from bench.loadgen import percentile
from bench.registry import BenchmarkFailed, Figures, Options, Rows, benchmark
from bench.server import Server, production_server

SAMPLES = 30  # requests per list and depth (after one warm-up)
BUDGET_S = 15.0  # fewer requests (5 at least) for a line slower than this in all
PAGE = 50  # the lists' default page
WALK = 500  # the page used to walk to depth by cursor (the lists' maximum)
DEEP_FRACTION = 0.5  # how far into the list "deep" is
MAX_WALK = 200  # pages walked at most to reach depth (100,000 rows)
TARGETS = {"list_p95_ms": 150, "serial_ms": 20, "csv_s": 10, "first_byte_ms": 200, "rss_mb": 50}
# Region-wide lists: (name, path and query of page 1). The campaign's to-do is added when the
# region has a campaign.
LISTS = (
    ("assets", "/api/v1/assets"),
    ("loans", "/api/v1/loans"),
    ("students", "/api/v1/students"),
    ("campaigns", "/api/v1/campaigns"),
    ("overdue", "/api/v1/loans/overdue"),
    ("accounts", "/api/v1/accounts"),
    ("stocktakes", "/api/v1/stocktakes"),
    ("establishments", "/api/v1/establishments"),
)
# More measures on the same server and token (e.g. the student import of 100,000 rows):
# functions (server, token, region code) -> figures, their keys added to the bench's.
EXTRA: list[Callable[[Server, str, str], Figures]] = []


@contextlib.contextmanager
def private_copy(url: str, tmp: Path) -> Iterator[str]:
    """A copy of the database at `url` that the bench may write, removed at the end."""
    if not is_postgres(url):
        source = Path(url.removeprefix("sqlite:///"))
        copy = tmp / "region.sqlite"
        shutil.copyfile(source, copy)  # a consistent file: nobody writes the scale data
        yield f"sqlite:///{copy}"
        return
    parsed = urllib.parse.urlparse(url)
    source_name = parsed.path.lstrip("/")
    name = f"{source_name}_bench_{int(time.time())}"
    admin = parsed._replace(path="/postgres").geturl()
    asyncio.run(_pg(admin, f'CREATE DATABASE "{name}" TEMPLATE "{source_name}"'))
    try:
        yield parsed._replace(path=f"/{name}").geturl()
    finally:
        asyncio.run(_pg(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _pg(admin_url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _manager_token(url: str, reuse: bool, scale: str) -> tuple[str, str]:
    """(a region manager's token of the first region, that region's code)."""
    from api.accounts import staff
    from api.demo_scale import build
    from inventory.tables import Region

    now = dt.datetime.now(dt.UTC)
    engine = await migrated_engine(url)
    try:
        if reuse:
            first = await Region.select(Region.code).order_by(Region.id).first()
            if first is None:
                raise BenchmarkFailed("--reuse: no scale demo in that database")
            code = first["code"]
        else:
            code = (await build(engine, scale, 24, now)).first_region
        account = await staff.create_account(
            email=f"region-bench-{now.timestamp():.0f}@bench.test",
            password="banc-d-essai-2026!",
            role="region_manager",
            region_code=code,
            now=now,
        )
        return (await staff.create_token(account, "bench", now))[1], code
    finally:
        await engine.close_connection_pool()


def _get(server: Server, path: str, token: str) -> tuple[float, object]:
    request = urllib.request.Request(server.url(path), headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        raise BenchmarkFailed(
            f"GET {path} answered {error.code}: {error.read()[:300].decode(errors='replace')}"
        ) from None
    return time.perf_counter() - started, json.loads(body)


def _with(path: str, **query: object) -> str:
    return f"{path}{'&' if '?' in path else '?'}{urllib.parse.urlencode(query)}"


def _timed(server: Server, path: str, token: str) -> list[float]:
    _get(server, path, token)  # warm-up: connections open, statements compiled
    times: list[float] = []
    while len(times) < SAMPLES and (len(times) < 5 or sum(times) < BUDGET_S):
        times.append(_get(server, path, token)[0])
    return times


def _deep_path(server: Server, path: str, token: str, first: dict) -> tuple[str, int, str]:
    """(the address of a page deep in the list, its depth in rows, "cursor" or "offset")."""
    total = first.get("total") if isinstance(first.get("total"), int) else None
    if first.get("total_exact") is False:
        total = None  # "more than" the count's cap: go as deep as the walk allows
    if "next_cursor" in first:  # walk by cursor, the largest pages, to about mid-list
        goal = int(total * DEEP_FRACTION) if total else WALK * MAX_WALK
        cursor, depth = first["next_cursor"], 0
        while cursor and depth + WALK <= goal and depth < WALK * MAX_WALK:
            _, page = _get(server, _with(path, cursor=cursor, limit=WALK), token)
            depth += len(page["items"])  # type: ignore[index]
            cursor = page.get("next_cursor")  # type: ignore[union-attr]
        return (_with(path, cursor=cursor, limit=PAGE) if cursor else path), depth, "cursor"
    depth = int((total or 0) * DEEP_FRACTION)
    return _with(path, offset=depth, limit=PAGE), depth, "offset"


def _measure_list(server: Server, token: str, name: str, path: str) -> Figures:
    _, first = _get(server, path, token)
    if not isinstance(first, dict):  # a plain list: one page, nothing deeper
        first = {"items": first}
    page1 = _timed(server, path, token)
    deep_path, depth, how = _deep_path(server, path, token, first)
    deep = _timed(server, deep_path, token) if depth else []
    figures: Figures = {
        f"{name}_total": first.get("total"),
        f"{name}_p1_p50_ms": _ms(statistics.median(page1)),
        f"{name}_p1_p95_ms": _ms(percentile(sorted(page1), 0.95)),
        f"{name}_deep_depth": depth,
        f"{name}_deep_by": how,
    }
    if deep:
        figures[f"{name}_deep_p50_ms"] = _ms(statistics.median(deep))
        figures[f"{name}_deep_p95_ms"] = _ms(percentile(sorted(deep), 0.95))
    return figures


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _lists(server: Server, token: str) -> tuple[Figures, list[str]]:
    figures: Figures = {}
    names = []
    lists = list(LISTS)
    _, campaigns = _get(server, "/api/v1/campaigns?limit=1", token)
    if campaigns["items"]:  # type: ignore[index]
        campaign = campaigns["items"][0]["id"]  # type: ignore[index]
        lists.append(("campaign_todo", f"/api/v1/campaigns/{campaign}/todo?status=all"))
    for name, path in lists:
        print(f"· {name}…", flush=True)
        figures |= _measure_list(server, token, name, path)
        names.append(name)
    return figures, names


def _search(server: Server, token: str) -> Figures:
    _, page = _get(server, "/api/v1/assets?limit=1&sort=-acquired_on", token)
    serial = page["items"][0]["serial"]  # type: ignore[index]
    exact = _timed(server, _with("/api/v1/assets", q=serial), token)
    prefix = _timed(server, _with("/api/v1/assets", q=serial[:5]), token)
    return {
        "serial_exact_p50_ms": _ms(statistics.median(exact)),
        "serial_exact_p95_ms": _ms(percentile(sorted(exact), 0.95)),
        "serial_prefix_p50_ms": _ms(statistics.median(prefix)),
        "serial_prefix_p95_ms": _ms(percentile(sorted(prefix), 0.95)),
    }


def _csv(server: Server, token: str) -> Figures:
    address = server.url("/api/v1/assets/export.csv")
    _export(server.url("/api/v1/assets/export.csv?q=ZZZZZZ"), token)  # warm, no rows
    before = _memory_kib(server.pid, "VmRSS")
    first_byte, total, rows, size = _export(address, token)
    peak = _memory_kib(server.pid, "VmHWM")
    return {
        "csv_rows": rows,
        "csv_s": round(total, 2),
        "csv_first_byte_ms": _ms(first_byte),
        "csv_mib": round(size / 2**20, 1),
        "rss_before_mb": round(before / 1024, 1),
        "rss_peak_mb": round(peak / 1024, 1),
        "rss_growth_mb": round((peak - before) / 1024, 1),
    }


def _verdict(value: object, target: float) -> str:
    return "ok" if isinstance(value, int | float) and value < target else "MISSED"


def table(figures: Figures) -> Rows:
    rows: Rows = [("what", "p50", "p95", "target", "")]
    for name in figures["lists"]:  # type: ignore[attr-defined]
        total = figures.get(f"{name}_total")
        rows.append(
            (
                f"{name}, page 1 ({total if total is not None else '?'} rows)",
                f"{figures[f'{name}_p1_p50_ms']} ms",
                f"{figures[f'{name}_p1_p95_ms']} ms",
                f"< {TARGETS['list_p95_ms']} ms",
                _verdict(figures[f"{name}_p1_p95_ms"], TARGETS["list_p95_ms"]),
            )
        )
        if f"{name}_deep_p95_ms" in figures:
            rows.append(
                (
                    f"{name}, {figures[f'{name}_deep_depth']:,} rows deep "
                    f"(by {figures[f'{name}_deep_by']})",
                    f"{figures[f'{name}_deep_p50_ms']} ms",
                    f"{figures[f'{name}_deep_p95_ms']} ms",
                    f"< {TARGETS['list_p95_ms']} ms",
                    _verdict(figures[f"{name}_deep_p95_ms"], TARGETS["list_p95_ms"]),
                )
            )
    for kind in ("exact", "prefix"):
        rows.append(
            (
                f"search by serial ({kind})",
                f"{figures[f'serial_{kind}_p50_ms']} ms",
                f"{figures[f'serial_{kind}_p95_ms']} ms",
                f"< {TARGETS['serial_ms']} ms",
                _verdict(figures[f"serial_{kind}_p50_ms"], TARGETS["serial_ms"]),
            )
        )
    rows += [
        (
            f"CSV export, whole region ({figures['csv_rows']:,} rows, {figures['csv_mib']} MiB)",
            f"{figures['csv_s']} s",
            "",
            f"< {TARGETS['csv_s']} s",
            _verdict(figures["csv_s"], TARGETS["csv_s"]),
        ),
        (
            "its first byte",
            f"{figures['csv_first_byte_ms']} ms",
            "",
            f"< {TARGETS['first_byte_ms']} ms",
            _verdict(figures["csv_first_byte_ms"], TARGETS["first_byte_ms"]),
        ),
        (
            f"server RSS growth ({figures['rss_before_mb']} → peak {figures['rss_peak_mb']} MB)",
            f"{figures['rss_growth_mb']} MB",
            "",
            f"< {TARGETS['rss_mb']} MB",
            _verdict(figures["rss_growth_mb"], TARGETS["rss_mb"]),
        ),
        (
            f"{figures['engine']}, region {figures['region']} ({figures['data']}), server "
            f"{figures['server']}, 1 worker, {SAMPLES} requests per line after one warm-up "
            f"(5 at least within {BUDGET_S:g} s); "
            f"setup {figures['setup_s']} s",
        ),
    ]
    if not EXTRA:
        rows.append(("student import of 100,000 rows: measured elsewhere (bench.region.EXTRA)",))
    return rows


@benchmark("region", "a region manager's lists, serial search, CSV export at region scale", table)
def region(options: Options) -> Figures:
    scale = options.scale or "region"
    with tempfile.TemporaryDirectory(prefix="ordipret-bench-region-") as tmp:
        tmp_dir = Path(tmp)
        started = time.perf_counter()
        if options.reuse and options.database_url:
            database = private_copy(options.database_url, tmp_dir)
        else:
            database = contextlib.nullcontext(fresh_database(options.database_url, tmp_dir))
        with database as url:
            token, code = asyncio.run(_manager_token(url, bool(options.reuse), scale))
            setup_s = time.perf_counter() - started
            with production_server(url, tmp_dir / "var", workers=1, server=options.server) as srv:
                figures, names = _lists(srv, token)
                print("· search, CSV export…", flush=True)
                figures |= _search(srv, token)
                figures |= _csv(srv, token)
                for measure in EXTRA:
                    figures |= measure(srv, token, code)
    return {
        "engine": engine_name(url),
        "region": code,
        "server": options.server or "default",
        "data": f"ordipret demo --scale {scale}" + (" (copy)" if options.reuse else ""),
        "lists": names,
        **figures,
        "targets": TARGETS,
        "setup_s": round(setup_s, 1),
    }
