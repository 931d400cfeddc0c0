"""`jobs`: the request time of a stocktake report of 2,000 devices, drawn in the request (as
before the job queue) and queued (202 Accepted, `api.jobs`), in the same run; and how long
the worker then takes to draw it.

The data: one lycée of 2,000 devices (the `--fleet` option is not used), a stocktake that
found 500 of them and misses 1,500: a 46-page report. The app is driven in-process
(httpx over ASGI, its lifespan entered, its own worker off so that the queued runs are only
measured by `run_all`). Target: the queued request under 0.5 s.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from bench.fleet import engine_name, fresh_database, migrated_engine
from bench.registry import Figures, Options, Rows, benchmark

DEVICES = 2_000
FOUND = 500
RUNS = 5
TARGET_SECONDS = 0.5
UAI = "0450001G"


async def _setup(url: str) -> tuple[str, int]:
    """The lycée, its devices, the stocktake; an IT staff member's token and the stocktake."""
    from api.accounts import staff
    from inventory import assets, catalogue, regions
    from inventory.scope import Actor, Scope
    from labels.scan import scan_into_stocktake
    from loans import desk

    now = dt.datetime.now(dt.UTC)
    platform, actor = Scope.platform(), Actor(id=None, name="banc d'essai")
    engine = await migrated_engine(url)
    try:
        await regions.create_region(platform, "24", "Centre-Val de Loire")
        await regions.create_establishment(
            platform, uai=UAI, name="Lycée Bench", city="Orléans", region_code="24"
        )
        model = await catalogue.create_device_model(
            platform, manufacturer="Bench", name="ThinkPad E14", category="laptop", accessories=[]
        )
        for n in range(DEVICES):
            values = {"tag": f"B-{n:05d}", "serial": f"SN{n:08d}", "model_id": model.id}
            await assets.create_asset(platform, actor, now, {**values, "establishment_uai": UAI})
        stocktake = await desk.open_stocktake(platform, actor, now, UAI, "")
        for n in range(FOUND):
            await scan_into_stocktake(platform, actor, now, stocktake.id, f"B-{n:05d}")
        account = await staff.create_account(
            email="it@bench.test",
            password="banc-d-essai-2026!",
            role="it_staff",
            establishment_uais=[UAI],
            now=now,
        )
        _, token = await staff.create_token(account, "bench", now)
    finally:
        await engine.close_connection_pool()
    return token, stocktake.id


async def _measure(url: str, var_dir: Path, token: str, stocktake_id: int) -> Figures:
    import httpx

    from api.app import create_app
    from api.controllers import stocktakes as stocktake_api
    from api.infra.storage import STATE_KEY
    from api.jobs import worker
    from api.settings import Settings

    settings = Settings(database_url=url, var_dir=var_dir, worker="off")
    app = create_app(settings)
    path = f"/api/v1/stocktakes/{stocktake_id}/report.pdf"
    inline, queued, drawn = [], [], []
    threshold = stocktake_api.INLINE_REPORT_LINES
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for run in range(RUNS + 1):  # the first of each is a warm-up
                stocktake_api.INLINE_REPORT_LINES = 10**9  # as before: drawn in the request
                started = time.perf_counter()
                before = await client.get(path, headers=headers)
                seconds = time.perf_counter() - started
                assert before.status_code == 200, before.text
                stocktake_api.INLINE_REPORT_LINES = threshold
                started = time.perf_counter()
                after = await client.get(path, headers=headers)
                queued_seconds = time.perf_counter() - started
                assert after.status_code == 202, after.text
                started = time.perf_counter()
                await worker.run_all(app.state[STATE_KEY], settings.public_url)
                drawn_seconds = time.perf_counter() - started
                if run:
                    inline.append(seconds)
                    queued.append(queued_seconds)
                    drawn.append(drawn_seconds)
    stocktake_api.INLINE_REPORT_LINES = threshold
    after_s = statistics.median(queued)
    return {
        "engine": engine_name(url),
        "inline_ms": statistics.median(inline) * 1000,
        "queued_ms": after_s * 1000,
        "worker_ms": statistics.median(drawn) * 1000,
        "verdict": "ok" if after_s < TARGET_SECONDS else "TOO SLOW",
    }


def table(figures: Figures) -> Rows:
    return [
        ("what (median of 5)", "ms", "target"),
        ("GET report.pdf, drawn in the request (before)", f"{figures['inline_ms']:.0f}", ""),
        (
            "GET report.pdf, queued: 202 Accepted (after)",
            f"{figures['queued_ms']:.0f}",
            f"< {TARGET_SECONDS * 1000:.0f} — {figures['verdict']}",
        ),
        ("the worker drawing and keeping it (off the request)", f"{figures['worker_ms']:.0f}", ""),
        (f"{figures['engine']}, {DEVICES:,} devices ({FOUND} found, the rest missing)",),
    ]


@benchmark("jobs", "stocktake report of 2,000 devices: request time drawn vs queued", table)
def run(options: Options) -> Figures:
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database(options.database_url, Path(tmp))  # runs its own event loop
        token, stocktake_id = asyncio.run(_setup(url))
        return asyncio.run(_measure(url, Path(tmp) / "var", token, stocktake_id))
