"""`lookup`: an authenticated asset read against a bare Litestar app, on the real server,
under uvicorn and under Granian (`ordipret serve --server`), same workers, same run.

Per server, three loads by the same generator with the same settings: the bare app's JSON
route (`bench.bare_app`: no middleware, no database, an asset-sized answer), the app's own
`/livez` (its middleware, no query) and the lookup. The ratio lookup / bare app says what
ordipret adds — authentication, middleware, one scoped asset query — on top of the framework
and the server, whatever the machine. Target: the lookup keeps 50 % of the bare app's
throughput with 2 workers (scanning at a desk must feel instant at la rentrée). The faster
server by lookup throughput is `ordipret serve`'s default.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.fleet import engine_name, fresh_database, load_fleet
from bench.loadgen import LoadResult, LoadSpec, run_load_in_process
from bench.registry import BenchmarkFailed, Figures, Options, Rows, benchmark
from bench.server import ordipret, ordipret_env, production_server, served

TARGET_RATIO = 0.50
SERVERS = ("uvicorn", "granian")
SETTLE_S = 3.0  # after the first answer: every worker started (imports take seconds here)
ROUTES = (
    ("bare", "bare Litestar app, GET /bare"),
    ("livez", "GET /livez"),
    ("lookup", "GET /api/v1/assets/{tag}"),
)
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
    rows: Rows = [("server, route", "req/s", "p50 ms", "p99 ms", "requests", "client CPU %")]
    for server in figures["servers"]:  # type: ignore[attr-defined]
        for route, label in ROUTES:
            prefix = f"{server}_{route}"
            rows.append(
                (
                    f"{server}: {label}",
                    f"{figures[f'{prefix}_rps']:,.0f}",
                    f"{figures[f'{prefix}_p50_ms']:.2f}",
                    f"{figures[f'{prefix}_p99_ms']:.2f}",
                    f"{figures[f'{prefix}_requests']:,}",
                    f"{figures[f'{prefix}_client_cpu_pct']:.0f}",
                )
            )
        rows.append(
            (
                f"{server}: ratio lookup / bare app",
                f"{figures[f'{server}_ratio']:.1%}",
                f"(/livez {figures[f'{server}_ratio_livez']:.0%})",
                f"target ≥ {figures['target_ratio']:.0%}",
                str(figures[f"{server}_verdict"]),
                "",
            )
        )
    if figures.get("fastest"):
        rows.append((f"fastest lookup: {figures['fastest']}",))
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
            f"{figures['fleet_load_s']:.1f} s)",
        )
    )
    return rows


def _bare_app(server: str, workers: int, var_dir: Path):
    """The bare app under `server`, `workers` workers, on a free port."""
    return served(
        lambda host, port: [
            *("-m", "bench.bare_app", "--server", server, "--host", host),
            *("--port", str(port), "--workers", str(workers)),
        ],
        dict(os.environ),
        var_dir,
        "/bare",
    )


@benchmark(
    "lookup",
    "GET /api/v1/assets/{tag} with a token vs a bare Litestar app, uvicorn and Granian",
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

        servers = (options.server,) if options.server else SERVERS
        figures: Figures = {}
        for server in servers:
            figures |= _measure(server, options, url, var_dir, token, tags)

    for server in servers:
        ratio = figures[f"{server}_lookup_rps"] / figures[f"{server}_bare_rps"]  # type: ignore[operator]
        livez = figures[f"{server}_lookup_rps"] / figures[f"{server}_livez_rps"]  # type: ignore[operator]
        figures[f"{server}_ratio"] = round(ratio, 3)
        figures[f"{server}_ratio_livez"] = round(livez, 3)
        figures[f"{server}_verdict"] = "PASS" if ratio >= TARGET_RATIO else "BELOW"
    return {
        "engine": engine_name(url),
        "servers": list(servers),
        "fastest": max(servers, key=lambda s: figures[f"{s}_lookup_rps"]),  # type: ignore[arg-type,return-value]
        "workers": options.workers,
        "fleet": options.fleet,
        "role": options.role,
        "connections": options.connections,
        "lookup_tags": len(tags),
        "duration_s": options.duration,
        "warmup_s": options.warmup,
        **figures,
        "target_ratio": TARGET_RATIO,
        "setup_s": round(setup_s, 1),
        "fleet_load_s": round(fleet_load_s, 1),
    }


def _measure(
    server: str, options: Options, url: str, var_dir: Path, token: str, tags: list[str]
) -> Figures:
    """The three loads of one server: the bare app, then ordipret's /livez and lookup."""

    def spec(running, paths, headers=()) -> LoadSpec:
        return LoadSpec(
            host=running.host,
            port=running.port,
            paths=tuple(paths),
            headers=headers,
            connections=options.connections,
            warmup=options.warmup,
            duration=options.duration,
        )

    print(f"· {server}: bare app, {options.workers} workers…", flush=True)
    with _bare_app(server, options.workers, var_dir / f"bare-{server}") as running:
        time.sleep(SETTLE_S)
        bare = run_load_in_process(spec(running, ["/bare"]))
    _require_clean(f"{server}: GET /bare", bare)
    print(f"· {server}: ordipret serve --workers {options.workers}…", flush=True)
    with production_server(url, var_dir, workers=options.workers, server=server) as running:
        time.sleep(SETTLE_S)
        probe = random.Random(1).choice(tags)
        _check_once(running.url(f"/api/v1/assets/{probe}"), token, probe)
        livez = run_load_in_process(spec(running, ["/livez"]))
        _require_clean(f"{server}: GET /livez", livez)
        print(f"· {server}: GET /api/v1/assets/{{tag}} over {len(tags):,} tags…", flush=True)
        looked_up = run_load_in_process(
            spec(
                running,
                [f"/api/v1/assets/{tag}" for tag in tags],
                headers=(("Authorization", f"Bearer {token}"),),
            )
        )
        _require_clean(f"{server}: GET /api/v1/assets/{{tag}}", looked_up)
    return {
        **_figures_of(f"{server}_bare", bare),
        **_figures_of(f"{server}_livez", livez),
        **_figures_of(f"{server}_lookup", looked_up),
    }
