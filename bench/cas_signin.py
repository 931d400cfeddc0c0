"""`cas_signin`: students signing in through their ENT's CAS, end to end, on the real server.

A real CAS server (django-cas-server, the one the ENT tests use) on loopback, the app as
`ordipret serve --workers 2` with the region's CAS 3 connector. Each sign-in is a new browser
(no cookie): our `/ent/24/connexion` redirect, the CAS login page and its form, then our
service URL with the ticket, which validates it at the CAS server (`/p3/serviceValidate`)
and opens the session (redirect to /mon-espace with a session cookie; anything else fails the
benchmark). Browsers run concurrently for the measured duration.

Reported: p50/p99 of the whole round trip and of our ticket step alone (validation call to
the CAS server + session), and sign-ins per second. The CAS server is Django's development
server: at this load it is most of the round trip, so our step is the figure to watch.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import httpx

from bench.fleet import engine_name, fresh_database, migrated_engine
from bench.loadgen import percentile
from bench.registry import BenchmarkFailed, Figures, Options, Rows, benchmark
from bench.server import production_server

REGION = "24"
BROWSERS = 8
# The CAS server's "bench" service pattern accepts http://127.0.0.1:<port>/ent/…: the service
# URL is a string the CAS server compares, it need not be reachable from it.
PUBLIC_URL = "http://127.0.0.1:8000"


async def _configure(url: str, cas_url: str) -> None:
    from api.ent.connectors import Connector, save_connector
    from inventory import regions
    from inventory.scope import Actor, Scope

    engine = await migrated_engine(url)
    try:
        await regions.create_region(Scope.platform(), REGION, "Centre-Val de Loire")
        connector = Connector(
            region_id=0,
            region_code=REGION,
            enabled=True,
            protocol="cas3",
            server_url=cas_url,
            attribute_flavour="sdet",
            allowed_kinds=("student", "guardian"),
        )
        await save_connector(
            Actor(id=None, name="banc d'essai"), dt.datetime.now(dt.UTC), REGION, connector
        )
    finally:
        await engine.close_connection_pool()


async def _sign_in(app_url: str, timings: dict[str, list[float]]) -> None:
    from bench.cas_loopback.process import ticket_url

    clock = time.perf_counter
    started = clock()
    async with httpx.AsyncClient(base_url=app_url, timeout=30) as browser:
        go = await browser.get(f"/ent/{REGION}/connexion")
        if go.status_code != 303:
            raise BenchmarkFailed(f"/connexion answered {go.status_code}")
        back = await ticket_url(browser, go.headers["location"], "eleve", "mot-de-passe-ent")
        path = back.removeprefix(PUBLIC_URL)
        ticket_started = clock()
        landed = await browser.get(path)
        done = clock()
        if landed.status_code != 303 or landed.headers.get("location") != "/mon-espace":
            raise BenchmarkFailed(
                f"the ticket step answered {landed.status_code}: {landed.text[:300]}"
            )
        if "ordipret_session" not in landed.cookies:
            raise BenchmarkFailed("no session cookie after the sign-in")
    timings["round_trip"].append((done - started) * 1000)
    timings["ticket"].append((done - ticket_started) * 1000)


async def _load(app_url: str, warmup: float, duration: float, browsers: int) -> tuple[dict, float]:
    timings: dict[str, list[float]] = {"round_trip": [], "ticket": []}
    scratch: dict[str, list[float]] = {"round_trip": [], "ticket": []}
    end_of_warmup = time.perf_counter() + warmup

    async def browser_loop(until: float, into: dict) -> None:
        while time.perf_counter() < until:
            await _sign_in(app_url, into)

    await asyncio.gather(*(browser_loop(end_of_warmup, scratch) for _ in range(browsers)))
    started = time.perf_counter()
    await asyncio.gather(*(browser_loop(started + duration, timings) for _ in range(browsers)))
    return timings, time.perf_counter() - started


def table(figures: Figures) -> Rows:
    return [
        ("step", "p50 ms", "p99 ms"),
        (
            "whole sign-in (redirect, CAS form, ticket)",
            f"{figures['round_trip_p50_ms']:.1f}",
            f"{figures['round_trip_p99_ms']:.1f}",
        ),
        (
            "our ticket step (validation + session)",
            f"{figures['ticket_p50_ms']:.1f}",
            f"{figures['ticket_p99_ms']:.1f}",
        ),
        (
            f"{figures['sign_ins']:,} sign-ins in {figures['measured_s']:.1f} s = "
            f"{figures['sign_ins_per_s']:.1f} sign-ins/s ({figures['browsers']} browsers at once, "
            f"{figures['engine']}, {figures['workers']} workers)",
        ),
    ]


@benchmark("cas_signin", "CAS sign-in round trip against a loopback django-cas-server", table=table)
def cas_signin(options: Options) -> Figures:
    from bench.cas_loopback.process import cas_server

    with tempfile.TemporaryDirectory(prefix="ordipret-bench-") as tmp:
        tmp_dir = Path(tmp)
        url = fresh_database(options.database_url, tmp_dir)
        print("· starting the CAS server (django-cas-server)…", flush=True)
        with cas_server(tmp_dir) as cas_url:
            asyncio.run(_configure(url, cas_url))
            previous = os.environ.get("ORDIPRET_PUBLIC_URL")
            os.environ["ORDIPRET_PUBLIC_URL"] = PUBLIC_URL  # read by the server's environment
            try:
                with production_server(url, tmp_dir / "var", workers=options.workers) as server:
                    browsers = max(1, min(BROWSERS, options.connections))
                    print(f"· {browsers} browsers signing in…", flush=True)
                    timings, measured = asyncio.run(
                        _load(server.url(""), options.warmup, options.duration, browsers)
                    )
            finally:
                if previous is None:
                    os.environ.pop("ORDIPRET_PUBLIC_URL", None)
                else:
                    os.environ["ORDIPRET_PUBLIC_URL"] = previous
    if not timings["round_trip"]:
        raise BenchmarkFailed("no sign-in completed")
    figures: Figures = {
        "engine": engine_name(url),
        "workers": options.workers,
        "browsers": browsers,
    }
    for step in ("round_trip", "ticket"):
        latencies = sorted(timings[step])
        figures[f"{step}_p50_ms"] = round(percentile(latencies, 0.50), 2)
        figures[f"{step}_p99_ms"] = round(percentile(latencies, 0.99), 2)
    figures["sign_ins"] = len(timings["round_trip"])
    figures["measured_s"] = round(measured, 2)
    figures["sign_ins_per_s"] = round(len(timings["round_trip"]) / measured, 1)
    return figures
