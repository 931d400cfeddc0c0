"""The benchmarks `python -m bench` knows, by name.

To add one: write a module with a function taking `Options` and returning a flat dict of
figures (sync or async), decorate it with `@benchmark("name", "what it measures")`, and add
the module to `MODULES`. Optionally give a `table` function turning the figures into rows
for the readable summary; without one, every figure is printed on its own row.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# Imported on demand, in this order, by `python -m bench`.
MODULES = (
    "bench.lookup",
    "bench.labels",
    "bench.handover",
    "bench.seal",
    "bench.agreements",
    "bench.scan_stack",
    "bench.agreement_batch",
    "bench.cas_signin",
    "bench.directory_import",
    "bench.reports",
    "bench.exports",
    "bench.jobs",
    "bench.search",
    "bench.student_import",
    "bench.region",
    "bench.backup",
)

Figures = dict[str, object]
Rows = list[tuple[str, ...]]


@dataclass(frozen=True)
class Options:
    """Settings shared by every benchmark, from the command line."""

    duration: float = 8.0  # measured seconds per load run
    warmup: float = 2.0
    connections: int = 32
    workers: int = 2
    fleet: int = 100_000
    role: str = "it_staff"
    database_url: str | None = None  # None: a fresh SQLite file in a temporary directory
    scale: str | None = None  # "region" or "national": benches that read data build that demo
    # With `scale` and a PostgreSQL URL: measure the demo already built there (`ordipret demo
    # --scale` took 20 minutes for national) instead of wiping and building it again.
    reuse: bool = False
    # The HTTP server of `ordipret serve --server`: None for its default, or for the benches
    # that compare them (lookup) both.
    server: str | None = None


@dataclass(frozen=True)
class Benchmark:
    name: str
    summary: str
    run: Callable[[Options], Figures | Awaitable[Figures]]
    table: Callable[[Figures], Rows] | None = None


BENCHMARKS: dict[str, Benchmark] = {}


class BenchmarkFailed(Exception):
    """The benchmark could not measure what it claims (errors, bad setup): fail loudly."""


def benchmark(name: str, summary: str, table: Callable[[Figures], Rows] | None = None):
    def register(function):
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} registered twice")
        BENCHMARKS[name] = Benchmark(name=name, summary=summary, run=function, table=table)
        return function

    return register


def load_all() -> dict[str, Benchmark]:
    for module in MODULES:
        importlib.import_module(module)
    return BENCHMARKS


def run(bench: Benchmark, options: Options) -> Figures:
    result = bench.run(options)
    if inspect.isawaitable(result):
        result = asyncio.run(result)
    return result


def default_rows(figures: Figures) -> Rows:
    return [(key, str(value)) for key, value in figures.items()]
