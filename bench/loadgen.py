"""A small HTTP/1.1 load generator: keep-alive connections over raw asyncio streams.

The benchmark machine has two cores and the server under test takes both workers, so the
client must cost as little as possible: requests are pre-encoded bytes, a response is parsed
only as far as its status line and its length, and uvloop is used when it is installed.
It runs in a process of its own (`run_load_in_process`, i.e. `python -m bench.loadgen`) so
that it never shares an event loop, or the GIL, with the code it measures.

Every response counts, warm-up included: a benchmark that got errors measured nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LoadSpec", "LoadResult", "run_load", "run_load_in_process"]


@dataclass(frozen=True)
class LoadSpec:
    host: str
    port: int
    paths: tuple[str, ...]  # one is picked at random for every request
    headers: tuple[tuple[str, str], ...] = ()
    connections: int = 32
    warmup: float = 2.0  # seconds of load before measuring: JIT-free, but caches and pools warm
    duration: float = 8.0  # seconds measured
    seed: int = 0


@dataclass
class LoadResult:
    duration: float
    requests: int  # responses completed inside the measured window
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[int, int] = field(default_factory=dict)  # every response, warm-up included
    errors: dict[str, int] = field(default_factory=dict)  # connection-level failures
    first_failure: str = ""  # status line and start of the body of the first non-2xx
    client_cpu_s: float = 0.0  # CPU the load generator itself used (its share of the cores)
    wall_s: float = 0.0  # warm-up plus measurement, as it really lasted

    @property
    def client_cpu_pct(self) -> float:
        return 100 * self.client_cpu_s / self.wall_s if self.wall_s else 0.0

    @property
    def failures(self) -> int:
        bad = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        return bad + sum(self.errors.values())


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def _encode_requests(spec: LoadSpec) -> list[bytes]:
    host = f"{spec.host}:{spec.port}"
    extra = "".join(f"{name}: {value}\r\n" for name, value in spec.headers)
    return [
        (f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Accept: */*\r\n\r\n").encode("latin-1")
        for path in spec.paths
    ]


class _Closed(Exception):
    """The server closed the connection (or asked to): open a new one."""


def _parse_head(head: bytes) -> tuple[int, int, bool, bool]:
    """(status, content length or -1, chunked, connection close) of a response head."""
    lines = head.split(b"\r\n")
    status_line = lines[0]
    if not status_line.startswith(b"HTTP/1."):
        raise ValueError(f"not an HTTP response: {status_line[:60]!r}")
    status = int(status_line[9:12])
    length, chunked, close = -1, False, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = b"close" in value.lower()
    return status, length, chunked, close


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers expected: the final empty line
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


class _Run:
    """State shared by the connections of one run (one event loop, so no locks)."""

    def __init__(self, spec: LoadSpec) -> None:
        self.spec = spec
        self.requests = _encode_requests(spec)
        self.rng = random.Random(spec.seed)
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.first_failure = ""
        now = time.perf_counter()
        self.measure_from = now + spec.warmup
        self.measure_until = self.measure_from + spec.duration

    async def connection(self) -> None:
        spec = self.spec
        choice, requests = self.rng.choice, self.requests
        clock = time.perf_counter
        while clock() < self.measure_until:
            try:
                reader, writer = await asyncio.open_connection(spec.host, spec.port)
            except OSError as error:
                self.errors[type(error).__name__] += 1
                await asyncio.sleep(0.05)
                continue
            try:
                while True:
                    started = clock()
                    if started >= self.measure_until:
                        return
                    writer.write(choice(requests))
                    head = await reader.readuntil(b"\r\n\r\n")
                    status, length, chunked, close = _parse_head(head)
                    if chunked:
                        body = await _read_chunked(reader)
                    else:
                        body = await reader.readexactly(length) if length > 0 else b""
                    finished = clock()
                    self.statuses[status] += 1
                    if not 200 <= status < 300 and not self.first_failure:
                        status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
                        self.first_failure = f"{status_line} {body[:300].decode(errors='replace')}"
                    if started >= self.measure_from and finished <= self.measure_until:
                        self.latencies.append(finished - started)
                    if close:
                        raise _Closed
            except _Closed:
                pass
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
                self.errors[type(error).__name__] += 1
            except ValueError as error:  # a malformed response
                self.errors["ValueError"] += 1
                if not self.first_failure:
                    self.first_failure = str(error)
            finally:
                writer.close()

    async def run(self) -> LoadResult:
        cpu_before, wall_before = _cpu_seconds(), time.perf_counter()
        tasks = [asyncio.ensure_future(self.connection()) for _ in range(self.spec.connections)]
        # A server that stops answering must not hang the benchmark.
        grace = self.measure_until - time.perf_counter() + 10.0
        done, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
            self.errors["timeout"] += 1
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if task.exception() is not None:
                error = task.exception()
                self.errors[type(error).__name__] += 1
        cpu_used = _cpu_seconds() - cpu_before
        latencies = sorted(self.latencies)
        duration = self.spec.duration
        return LoadResult(
            duration=duration,
            requests=len(latencies),
            rps=len(latencies) / duration if duration > 0 else 0.0,
            p50_ms=percentile(latencies, 0.50) * 1000,
            p99_ms=percentile(latencies, 0.99) * 1000,
            max_ms=(latencies[-1] * 1000) if latencies else 0.0,
            statuses=dict(self.statuses),
            errors=dict(self.errors),
            first_failure=self.first_failure,
            client_cpu_s=cpu_used,
            wall_s=time.perf_counter() - wall_before,
        )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run_load(spec: LoadSpec) -> LoadResult:
    """Load `spec.host:spec.port` in the current event loop (tests use this directly)."""
    if not spec.paths:
        raise ValueError("LoadSpec.paths is empty")
    return await _Run(spec).run()


def _run_with_best_loop(spec: LoadSpec) -> LoadResult:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(run_load(spec))
    return uvloop.run(run_load(spec))


def _main() -> None:
    """`python -m bench.loadgen`: a LoadSpec as JSON on stdin, its LoadResult as JSON on stdout."""
    raw = json.load(sys.stdin)
    raw["paths"] = tuple(raw["paths"])
    raw["headers"] = tuple(tuple(pair) for pair in raw["headers"])
    result = _run_with_best_loop(LoadSpec(**raw))
    json.dump(dataclasses.asdict(result), sys.stdout)


def run_load_in_process(spec: LoadSpec) -> LoadResult:
    """Run the load from a separate, fresh Python process and return its result."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.loadgen"],
        cwd=Path(__file__).resolve().parent.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = process.communicate(
            json.dumps(dataclasses.asdict(spec)).encode(),
            timeout=spec.warmup + spec.duration + 60.0,
        )
    finally:
        if process.poll() is None:  # timeout, Ctrl-C: the generator goes with us
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise RuntimeError(
            f"load generator exited with {process.returncode}: {err.decode(errors='replace')}"
        )
    raw = json.loads(out)
    raw["statuses"] = {int(status): count for status, count in raw["statuses"].items()}
    return LoadResult(**raw)


if __name__ == "__main__":
    _main()
