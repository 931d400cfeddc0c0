"""`search`: the device search (exact serial, beginning, any part) and the student search by
name, as a region's manager, on a region's data (`--scale region --database-url URL --reuse`).

In process, through the domain functions the pages and the API call (no HTTP: the server's
cost is the `lookup` bench's): each search run `ROUNDS` times, median and p95 in ms. The
asset list's search includes its page of 50 and its total, as the page shows them. Target
(issue 13): a search by serial under 20 ms on SQLite and PostgreSQL.

The database is measured as it is: with `--reuse` it is not migrated (a copy of a region made
for measuring may lack the migration log); without, the scale demo is built first.
"""

from __future__ import annotations

import random
import statistics
import time

from bench.fleet import engine_name
from bench.registry import Figures, Options, Rows, benchmark

ROUNDS = 30
TARGET_MS = 20.0


async def _engine(options: Options):
    from api.infra.database import engine_for
    from api.infra.piccolo_conf import bind

    if not options.reuse:
        import datetime as dt

        from api.demo_scale import build
        from bench.fleet import migrated_engine

        engine = await migrated_engine(options.database_url)
        await build(engine, options.scale, 24, dt.datetime.now(dt.UTC))
        return engine
    engine = engine_for(options.database_url, pool_size=2)
    bind(engine)
    await engine.start_connection_pool()
    return engine


async def _timed(call) -> tuple[float, float, object]:
    samples, result = [], None
    for _ in range(ROUNDS):
        started = time.perf_counter()
        result = await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], result


async def _measure(options: Options) -> Figures:
    from inventory.assets import AssetFilters, list_assets
    from inventory.scope import Scope
    from inventory.tables import Asset, Region
    from labels.scan import locate
    from loans.students import StudentFilters, list_students
    from loans.tables import Student

    engine = await _engine(options)
    try:
        region = await Region.select(Region.id).order_by(Region.id).first()
        scope = Scope.region(region["id"])
        count = await Asset.count()
        picked = random.Random(13).randint(1, count)  # the same device in every run
        rows = await Asset.select(Asset.serial).where(Asset.id == picked).first()
        serial = rows["serial"]
        student = await Student.select(Student.last_name).order_by(Student.id).first()
        searches = {
            "serial_exact (scan lookup)": lambda: locate(serial, scope),
            "serial_exact (list)": lambda: list_assets(scope, AssetFilters(search=serial)),
            "prefix_2": lambda: list_assets(scope, AssetFilters(search=serial[:2])),
            "prefix_9": lambda: list_assets(scope, AssetFilters(search=serial[:9])),
            "substring_5": lambda: list_assets(scope, AssetFilters(search=serial[-7:-2])),
            "student_name_3": lambda: list_students(
                scope, StudentFilters(q=student["last_name"][:3].upper())
            ),
        }
        figures: Figures = {
            "engine": engine_name(options.database_url or ""),
            "assets": count,
            "serial": serial,
        }
        for name, call in searches.items():
            median, p95, result = await _timed(call)
            found = getattr(result, "total", None)
            figures[name] = {"median_ms": round(median, 2), "p95_ms": round(p95, 2), "found": found}
        return figures
    finally:
        await engine.close_connection_pool()


def _table(figures: Figures) -> Rows:
    if "skipped" in figures:
        return [(str(figures["skipped"]),)]
    rows: Rows = [(key, str(figures[key])) for key in ("engine", "assets", "serial")]
    for name, value in figures.items():
        if isinstance(value, dict):
            found = "" if value["found"] is None else f", {value['found']} found"
            rows.append((name, f"median {value['median_ms']} ms, p95 {value['p95_ms']} ms{found}"))
    return rows


@benchmark("search", "device and student searches on a region's data (ms)", table=_table)
async def search(options: Options) -> Figures:
    if options.database_url is None or options.scale is None:
        return {"skipped": "search: needs --scale region --database-url URL (a region's data)"}
    return await _measure(options)
