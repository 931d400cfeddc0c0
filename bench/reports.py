"""`reports`: the region overview (GET /api/v1/reports/overview) on the real server, beside
the raw SQL aggregates it runs, timed on the same database in the same run.

The data: with `--scale region` (or national), `ordipret demo --scale`'s own data, the
figures of the current school year (the dashboard's default); without it, the benchmark
builds a simpler region with bulk inserts: 20 lycées, `--fleet / 5` devices (20,000
by default) and as many students, two loans per student over two school years (40,000):
last year's returned (conditions A to D), lost or stolen, this year's active (some overdue)
or awaiting signature; one running distribution campaign per lycée. `--fleet 1000000` gives
a region of 200,000 devices, students and 400,000 loans.

Figures (a region manager's token, 1 worker): the median HTTP time of the overview and of
the whole dashboard page, and the median of the sum of the overview's raw queries run directly
on a connection of the driver (no Piccolo, no HTTP). Targets: ratio ≤ 1.5, and under 1 s for
a region.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.fleet import engine_name, fresh_database, is_postgres, migrated_engine
from bench.registry import BenchmarkFailed, Figures, Options, Rows, benchmark
from bench.report_data import REGION, SCHOOLS, bulk_insert, instant, reference_rows, region_rows
from bench.server import production_server

RUNS = 7  # measured requests (after one warm-up), the median is kept
TARGET_RATIO = 1.5
TARGET_SECONDS = 1.0
PERIOD = (dt.date(2025, 7, 5), dt.date(2027, 7, 4))  # both school years of the data


async def _setup(url: str, size: int) -> tuple[str, list[tuple[str, list]]]:
    """Load the region; return a region manager's token and the overview's raw queries."""
    from api.accounts import staff
    from inventory.scope import Scope
    from loans.reports import target as targets
    from loans.reports.overview import overview_queries

    now = instant(dt.date(2026, 8, 25))
    engine = await migrated_engine(url)
    try:
        region_id, schools, models, categories = await reference_rows(now)
        assets, students, loans = region_rows(
            size, region_id, schools, models, categories, now, _today()
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
        target = await targets.resolve(
            Scope.region(region_id), _today(), period_from=PERIOD[0], period_to=PERIOD[1]
        )
        queries = await overview_queries(target)
    finally:
        await engine.close_connection_pool()
    return token, queries


@dataclass(frozen=True)
class ScaleSetup:
    token: str  # a region manager's, of the first region
    queries: list[tuple[str, list]]  # the region overview's raw queries
    region: str
    admin_token: str
    platform_queries: list[tuple[str, list]]  # the platform overview's (every region)


async def _setup_scale(url: str, scale: str, reuse: bool) -> ScaleSetup:
    """Build `ordipret demo --scale` data (`api.demo_scale`, as the command does), or take
    the one already there (`reuse`); return a region manager's token of its first region and
    an admin's, with the raw queries of the region's and of the platform's overview (the
    current school year, the dashboard's default)."""
    from api.accounts import staff
    from api.demo_scale import build
    from inventory.scope import Scope
    from inventory.tables import Region
    from loans.reports import target as targets
    from loans.reports.overview import overview_queries

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
        region = await Region.select(Region.id).where(Region.code == code).first()
        tokens = []
        for role, region_code in (("region_manager", code), ("admin", None)):
            account = await staff.create_account(
                email=f"{role}-{now.timestamp():.0f}@bench.test",
                password="banc-d-essai-2026!",
                role=role,
                region_code=region_code,
                now=now,
            )
            tokens.append((await staff.create_token(account, "bench", now))[1])
        target = await targets.resolve(Scope.region(region["id"]), _today())
        platform = await targets.resolve(Scope.platform(), _today())
        return ScaleSetup(
            tokens[0],
            await overview_queries(target),
            code,
            tokens[1],
            await overview_queries(platform),
        )
    finally:
        await engine.close_connection_pool()


def _today() -> dt.date:
    from api.clock import today

    return today()


async def _raw_seconds(url: str, queries: list[tuple[str, list]]) -> float:
    """One pass of every query on a bare connection of the driver."""
    if is_postgres(url):
        import asyncpg

        connection = await asyncpg.connect(url)
        try:
            await connection.execute("SET jit = off")  # as loans.reports.target.rows does
            started = time.perf_counter()
            for sql, args in queries:
                count = sql.count("{}")
                await connection.fetch(sql.format(*(f"${i + 1}" for i in range(count))), *args)
            return time.perf_counter() - started
        finally:
            await connection.close()
    import sqlite3

    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        started = time.perf_counter()
        for sql, args in queries:
            connection.execute(sql.replace("{}", "?"), args).fetchall()
        return time.perf_counter() - started
    finally:
        connection.close()


def _get(url: str, token: str) -> float:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
    except urllib.error.HTTPError as error:
        raise BenchmarkFailed(
            f"GET {url} answered {error.code}: {error.read()[:300].decode(errors='replace')}"
        ) from None
    return time.perf_counter() - started


def table(figures: Figures) -> Rows:
    return [
        ("what", "median ms", "target"),
        ("GET /api/v1/reports/overview", f"{figures['http_ms']:.0f}", "< 1000"),
        ("GET /tableau-de-bord (the whole page)", f"{figures['dashboard_ms']:.0f}", ""),
        (f"raw SQL aggregates ({figures['queries']} queries)", f"{figures['sql_ms']:.0f}", ""),
        *(
            [
                (
                    "GET /api/v1/reports/overview, every region (admin)",
                    f"{figures['platform_ms']:.0f}",
                    "< 2000 (national)",
                ),
                ("its raw SQL aggregates", f"{figures['platform_sql_ms']:.0f}", ""),
            ]
            if figures.get("platform_ms") is not None
            else []
        ),
        ("ratio HTTP / SQL", f"{figures['ratio']:.2f}", f"≤ {TARGET_RATIO} — {figures['verdict']}"),
        (
            f"{figures['engine']}, {figures['devices']:,} devices, {figures['loans']:,} loans "
            f"({figures['data']} data); setup {figures['setup_s']:.1f} s",
        ),
    ]


@benchmark("reports", "region overview over HTTP vs its raw SQL aggregates, same run", table=table)
def reports(options: Options) -> Figures:
    size = max(options.fleet // 5, SCHOOLS)
    with tempfile.TemporaryDirectory(prefix="ordipret-bench-reports-") as tmp:
        reusing = options.reuse and options.scale and options.database_url
        url = options.database_url if reusing else fresh_database(options.database_url, Path(tmp))
        started = time.perf_counter()
        scale = None
        if options.scale:  # the reviewer's data: `ordipret demo --scale`, current school year
            scale = asyncio.run(_setup_scale(url, options.scale, options.reuse))
            token, queries, region = scale.token, scale.queries, scale.region
            overview = f"/api/v1/reports/overview?region={region}"
        else:
            token, queries = asyncio.run(_setup(url, size))
            region = REGION
            overview = f"/api/v1/reports/overview?region={REGION}&from={PERIOD[0]}&to={PERIOD[1]}"
        setup_s = time.perf_counter() - started
        loans = asyncio.run(_count(url, "loan"))
        if options.scale:
            size = asyncio.run(_count(url, "asset"))
        with production_server(url, Path(tmp) / "var", workers=1) as server:
            address = server.url(overview)
            _get(address, token)  # warm-up: connections opened, queries compiled
            http = [_get(address, token) for _ in range(RUNS)]
            page = server.url(f"/tableau-de-bord?region={region}")
            _get(page, token)
            dashboard = [_get(page, token) for _ in range(RUNS)]
            platform: list[float] = []
            if scale:  # every region, as the platform admin reads it
                everything = server.url("/api/v1/reports/overview")
                _get(everything, scale.admin_token)
                platform = [_get(everything, scale.admin_token) for _ in range(RUNS)]
        asyncio.run(_raw_seconds(url, queries))  # the same warm cache for the raw queries
        sql = [asyncio.run(_raw_seconds(url, queries)) for _ in range(RUNS)]
        platform_sql = (
            [asyncio.run(_raw_seconds(url, scale.platform_queries)) for _ in range(RUNS)]
            if scale
            else []
        )
    http_s, sql_s = statistics.median(http), statistics.median(sql)
    ratio = http_s / sql_s if sql_s else float("inf")
    return {
        "engine": engine_name(url),
        "devices": size,
        "students": size,
        "loans": loans,
        "queries": len(queries),
        "http_ms": round(http_s * 1000, 1),
        "dashboard_ms": round(statistics.median(dashboard) * 1000, 1),
        "data": f"ordipret demo --scale {options.scale}" if options.scale else "bench's own",
        "sql_ms": round(sql_s * 1000, 1),
        "ratio": round(ratio, 2),
        "target_ratio": TARGET_RATIO,
        "verdict": "ok" if ratio <= TARGET_RATIO and http_s < TARGET_SECONDS else "MISSED",
        "setup_s": round(setup_s, 1),
        "platform_ms": round(statistics.median(platform) * 1000, 1) if platform else None,
        "platform_sql_ms": (
            round(statistics.median(platform_sql) * 1000, 1) if platform_sql else None
        ),
    }


async def _count(url: str, table_name: str) -> int:
    if is_postgres(url):
        import asyncpg

        connection = await asyncpg.connect(url)
        try:
            return await connection.fetchval(f"SELECT COUNT(*) FROM {table_name}")
        finally:
            await connection.close()
    import sqlite3

    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return connection.execute(f"SELECT COUNT(*) FROM {table_name}").fetchone()[0]
    finally:
        connection.close()
