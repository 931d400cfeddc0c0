"""`lookup`: an authenticated asset read against the bare JSON route, on the real server.

Both routes are loaded in the same run, by the same generator with the same settings, so
their ratio says what authentication plus one scoped asset query cost on top of the
framework itself, whatever the machine. Target: the lookup keeps 40 % of the bare
throughput on SQLite with 2 workers (scanning at a desk must feel instant at la rentrée).
"""

from __future__ import annotations

import json
import random
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.fleet import engine_name, fresh_database, load_fleet
from bench.loadgen import LoadResult, LoadSpec, run_load_in_process
from bench.registry import BenchmarkFailed, Figures, Options, Rows, benchmark
from bench.server import ordipret, ordipret_env, production_server

TARGET_RATIO = 0.40
SCHOOL_ROLES = {"it_staff", "head"}  # linked by the demo to its first lycée only


def _visible_tags(fleet, role: str) -> list[str]:
    """Tags the role may read: everything for the region roles, its school for school staff."""
    if role not in SCHOOL_ROLES:
        return [asset.tag for asset in fleet]
    from api.demo import LYCEES, uai

    school = uai(LYCEES[0][0])
    return [asset.tag for asset in fleet if asset.establishment_uai == school]


def _check_once(url: str, token: str, tag: str) -> None:
    """One lookup before the load, so that a broken token or route fails with a clear message."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise BenchmarkFailed(
            f"GET {url} answered {error.code}: {error.read()[:300].decode(errors='replace')}"
        ) from None
    if body.get("tag") != tag:
        raise BenchmarkFailed(f"GET {url} answered another asset: {body!r:.300}")


def _require_clean(label: str, result: LoadResult) -> None:
    if result.failures or result.requests == 0:
        raise BenchmarkFailed(
            f"{label}: {result.failures} failed request(s) out of "
            f"{sum(result.statuses.values())}; statuses {result.statuses}, "
            f"errors {result.errors}; first failure: {result.first_failure or '-'}"
        )


def _figures_of(prefix: str, result: LoadResult) -> Figures:
    return {
        f"{prefix}_rps": round(result.rps, 1),
        f"{prefix}_p50_ms": round(result.p50_ms, 2),
        f"{prefix}_p99_ms": round(result.p99_ms, 2),
        f"{prefix}_requests": result.requests,
        f"{prefix}_client_cpu_pct": round(result.client_cpu_pct, 1),
    }


def table(figures: Figures) -> Rows:
    rows: Rows = [("route", "req/s", "p50 ms", "p99 ms", "requests", "client CPU %")]
    for prefix, label in (("bare", "GET /livez"), ("lookup", "GET /api/v1/assets/{tag}")):
        rows.append(
            (
                label,
                f"{figures[f'{prefix}_rps']:,.0f}",
                f"{figures[f'{prefix}_p50_ms']:.2f}",
                f"{figures[f'{prefix}_p99_ms']:.2f}",
                f"{figures[f'{prefix}_requests']:,}",
                f"{figures[f'{prefix}_client_cpu_pct']:.0f}",
            )
        )
    rows.append(
        (
            "ratio lookup / bare",
            f"{figures['ratio']:.1%}",
            "",
            f"target ≥ {figures['target_ratio']:.0%}",
            str(figures["verdict"]),
            "",
        )
    )
    rows.append(
        (
            f"{figures['engine']}, {figures['workers']} workers, {figures['fleet']:,} assets, "
            f"token of {figures['role']} ({figures['lookup_tags']:,} visible tags), "
            f"{figures['connections']} connections, {figures['warmup_s']:g} s warm-up "
            f"+ {figures['duration_s']:g} s measured per route",
        )
    )
    rows.append(
        (
            f"setup {figures['setup_s']:.1f} s (of which fleet import "
            f"{figures['fleet_load_s']:.1f} s), server start {figures['server_start_s']:.1f} s",
        )
    )
    return rows


@benchmark(
    "lookup",
    "GET /api/v1/assets/{tag} with a bearer token vs GET /livez, 100k assets, real server",
    table=table,
)
def lookup(options: Options) -> Figures:
    from api.demo import ACCOUNTS

    emails = {role: email for email, role, _ in ACCOUNTS}  # one demo account per role
    if options.role not in emails:
        raise BenchmarkFailed(f"--role: one of {', '.join(emails)}")
    with tempfile.TemporaryDirectory(prefix="ordipret-bench-") as tmp:
        tmp_dir = Path(tmp)
        var_dir = tmp_dir / "var"
        started = time.perf_counter()
        url = fresh_database(options.database_url, tmp_dir)
        print(f"· {engine_name(url)}: loading {options.fleet:,} assets…", flush=True)
        fleet_started = time.perf_counter()
        fleet = load_fleet(url, options.fleet)
        fleet_load_s = time.perf_counter() - fleet_started
        env = ordipret_env(url, var_dir)
        token = ordipret(
            "create-token", "--email", emails[options.role], "--name", "bench", env=env
        ).split()[-1]
        if not token.startswith("odp_"):
            raise BenchmarkFailed(f"ordipret create-token printed no token: {token[:20]!r}")
        tags = _visible_tags(fleet, options.role)
        setup_s = time.perf_counter() - started

        print(f"· starting ordipret serve --workers {options.workers}…", flush=True)
        server_started = time.perf_counter()
        with production_server(url, var_dir, workers=options.workers) as server:
            server_start_s = time.perf_counter() - server_started
            probe = random.Random(1).choice(tags)
            _check_once(server.url(f"/api/v1/assets/{probe}"), token, probe)

            def spec(paths, headers=()) -> LoadSpec:
                return LoadSpec(
                    host=server.host,
                    port=server.port,
                    paths=tuple(paths),
                    headers=headers,
                    connections=options.connections,
                    warmup=options.warmup,
                    duration=options.duration,
                )

            print("· load: GET /livez…", flush=True)
            bare = run_load_in_process(spec(["/livez"]))
            _require_clean("GET /livez", bare)
            print(f"· load: GET /api/v1/assets/{{tag}} over {len(tags):,} tags…", flush=True)
            looked_up = run_load_in_process(
                spec(
                    [f"/api/v1/assets/{tag}" for tag in tags],
                    headers=(("Authorization", f"Bearer {token}"),),
                )
            )
            _require_clean("GET /api/v1/assets/{tag}", looked_up)

    ratio = looked_up.rps / bare.rps
    return {
        "engine": engine_name(url),
        "workers": options.workers,
        "fleet": options.fleet,
        "role": options.role,
        "connections": options.connections,
        "lookup_tags": len(tags),
        "duration_s": options.duration,
        "warmup_s": options.warmup,
        **_figures_of("bare", bare),
        **_figures_of("lookup", looked_up),
        "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "verdict": "PASS" if ratio >= TARGET_RATIO else "BELOW",
        "setup_s": round(setup_s, 1),
        "fleet_load_s": round(fleet_load_s, 1),
        "server_start_s": round(server_start_s, 1),
    }
