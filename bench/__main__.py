"""`python -m bench` runs every benchmark; `python -m bench NAME …` runs the named ones.

A readable table per benchmark, then one last line of JSON with every figure, so that runs
can be compared by a script.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time

from bench.registry import (
    BenchmarkFailed,
    Options,
    Rows,
    default_rows,
    load_all,
    run,
)


def _parser(names: list[str]) -> argparse.ArgumentParser:
    defaults = Options()
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmarks of ordipret (ratios measured in one run)."
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run (all: {', '.join(names)})"
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=defaults.duration,
        help="measured seconds per load (default %(default)s)",
    )
    parser.add_argument(
        "--warmup", type=float, default=defaults.warmup, help="seconds of warm-up per load"
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=defaults.connections,
        help="concurrent keep-alive connections of the load generator",
    )
    parser.add_argument("--workers", type=int, default=defaults.workers, help="server workers")
    parser.add_argument("--fleet", type=int, default=defaults.fleet, help="assets in the fleet")
    parser.add_argument(
        "--scale",
        choices=["region", "national"],
        default=None,
        help="benches reading a region's data (reports) build `ordipret demo --scale` data",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --scale and --database-url: measure the scale demo already in that database "
        "(built by `ordipret demo --scale`) instead of wiping it and building it again",
    )
    parser.add_argument(
        "--server",
        choices=["uvicorn", "granian"],
        default=None,
        help="HTTP server of ordipret serve (default: its own; lookup: both, compared)",
    )
    parser.add_argument(
        "--role",
        default=defaults.role,
        choices=["admin", "region_manager", "it_staff", "head"],
        help="whose API token makes the authenticated requests",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("ORDIPRET_BENCH_DATABASE_URL"),
        help="postgresql://… to bench PostgreSQL (its public schema is WIPED); "
        "default: a fresh SQLite file (env ORDIPRET_BENCH_DATABASE_URL)",
    )
    return parser


def _print_table(rows: Rows) -> None:
    """Align the rows in columns, the first one as a header; one-cell rows are notes below."""
    table = [row for row in rows if len(row) > 1]
    notes = [row[0] for row in rows if len(row) == 1]
    if table:
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        for index, row in enumerate(table):
            cells = [
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            ]
            print("  " + "  ".join(cells).rstrip())
            if index == 0:
                print("  " + "  ".join("-" * w for w in widths))
    for note in notes:
        print("  " + note)


def _terminate(signum, frame) -> None:
    # SIGTERM unwinds like Ctrl-C, so that every `finally` stops servers and removes temp dirs.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    benchmarks = load_all()
    args = _parser(list(benchmarks)).parse_args(argv)
    unknown = [name for name in args.names if name not in benchmarks]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(benchmarks)}")
        return 2
    options = Options(
        duration=args.duration,
        warmup=args.warmup,
        connections=args.connections,
        workers=args.workers,
        fleet=args.fleet,
        role=args.role,
        database_url=args.database_url or None,
        scale=args.scale,
        reuse=args.reuse,
        server=args.server,
    )
    signal.signal(signal.SIGTERM, _terminate)
    results: dict[str, dict] = {}
    failed = False
    for name in args.names or list(benchmarks):
        bench = benchmarks[name]
        print(f"\n== {name}: {bench.summary}", flush=True)
        started = time.perf_counter()
        try:
            figures = run(bench, options)
        except KeyboardInterrupt:
            print(f"\n{name}: interrupted")
            return 130
        except (BenchmarkFailed, RuntimeError) as error:
            print(f"\n!! {name} FAILED: {error}", flush=True)
            results[name] = {"error": str(error)}
            failed = True
            continue
        figures["total_s"] = round(time.perf_counter() - started, 1)
        results[name] = figures
        print()
        _print_table((bench.table or default_rows)(figures))
    print(json.dumps(results, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
