"""What operators watch, as Prometheus metrics (prometheus_client, through Litestar's
Prometheus support).

- `ordipret_requests_total`, `ordipret_request_duration_seconds`,
  `ordipret_requests_error_total` (5xx), `ordipret_requests_in_progress`: Litestar's
  middleware, labelled by the route *template* (`/api/v1/assets/{tag:str}`), never the path
  a client sent: tags, UAIs, student ids and tokens would otherwise become label values (and
  personal data, and unbounded series). A path no route matches is counted under the one
  label `<unmatched>` (api.infra.request_context).
- `ordipret_sign_ins_total{method, outcome}`: password, ENT by CAS or OIDC, API token.
- `ordipret_db_pool_connections` and `…_in_use`: each process samples its own pool; the sum
  over live processes is the deployment's.
- `ordipret_jobs{state}`: queued and running jobs, read from the database at each scrape.

Several worker processes (`ordipret serve --workers N`) give one view through
prometheus_client's multiprocess mode: `ordipret serve` points PROMETHEUS_MULTIPROC_DIR at
`<var>/metrics` and empties it before the workers start (api.cli.server).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.types import Message, Receive, Scope, Send
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client import multiprocess as multiprocess_mode
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

PREFIX = "ordipret"
UNMATCHED = "<unmatched>"  # the route label of a path no route matches
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SIGN_IN_METHODS = ("password", "ent_cas", "ent_oidc", "token")
SAMPLE_SECONDS = 2.0  # how often a process writes its pool's figures

SIGN_INS = Counter(
    f"{PREFIX}_sign_ins",
    "Sign-in attempts by method (password, ent_cas, ent_oidc, token) and outcome",
    ["method", "outcome"],
)
# Every series exists from the start, at zero; its child is kept (every API request counts
# a token sign-in: looking the child up by its label values cost more than the count).
_SIGN_IN_SERIES = {
    (method, succeeded): SIGN_INS.labels(method, "success" if succeeded else "failure")
    for method in SIGN_IN_METHODS
    for succeeded in (True, False)
}

# "livesum": summed over the processes alive (a stopped worker's figures are removed).
DB_CONNECTIONS = Gauge(
    f"{PREFIX}_db_pool_connections",
    "Connections the database pools hold open",
    multiprocess_mode="livesum",
)
DB_CONNECTIONS_IN_USE = Gauge(
    f"{PREFIX}_db_pool_connections_in_use",
    "Connections of the database pools lent to a query or a transaction now",
    multiprocess_mode="livesum",
)


def count_sign_in(method: str, succeeded: bool) -> None:
    series = _SIGN_IN_SERIES.get((method, succeeded))
    if series is None:
        series = SIGN_INS.labels(method, "success" if succeeded else "failure")
    series.inc()


def _series_labels(method: str, route: str, status: int) -> dict[str, str | int | float]:
    # The names and order of Litestar's own labels (PrometheusMiddleware), its series.
    return {"method": method, "path": route, "status_code": status, "app_name": PREFIX}


class RouteMetrics(PrometheusMiddleware):
    """Litestar's middleware and series, recorded with less work per request: its own builds
    a Request, parses the whole URL, builds the label dict and looks each series' child up
    by its label values (five times), on every request. Here the route template is read from
    the scope and each (method, route, status) keeps its children once found: the metrics
    cost a few dictionary reads, not a quarter of a scan's time."""

    def __init__(self, app, config: PrometheusConfig) -> None:
        super().__init__(app, config)
        self._in_progress: dict[tuple[str, str], Any] = {}
        self._finished: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}

    def _in_progress_child(self, method: str, route: str):
        child = self._in_progress.get((method, route))
        if child is None:
            labels = _series_labels(method, route, 200)
            child = self.requests_in_progress(labels).labels(*labels.values())
            self._in_progress[(method, route)] = child
        return child

    def _finished_children(self, method: str, route: str, status: int):
        children = self._finished.get((method, route, status))
        if children is None:
            labels = _series_labels(method, route, status)
            values = list(labels.values())
            errors = self.requests_error_count(labels).labels(*values) if status >= 500 else None
            children = (
                self.request_count(labels).labels(*values),
                self.request_time(labels).labels(*values),
                errors,
            )
            self._finished[(method, route, status)] = children
        return children

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method", scope["type"])
        route = scope["path_template"]
        in_progress = self._in_progress_child(method, route)
        started = time.perf_counter()
        span = [200, 0.0]  # status, duration (to the last body message, as Litestar's)

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                span[0] = message["status"]
            elif message["type"] == "http.response.body":
                span[1] = time.perf_counter() - started
            await send(message)

        in_progress.inc()
        try:
            await self.app(scope, receive, timed_send)
        finally:
            in_progress.dec()
            self._record_finished(method, route, span[0], span[1])

    def _record_finished(self, method: str, route: str, status: int, duration: float) -> None:
        count, timing, errors = self._finished_children(method, route, status)
        if errors is not None:
            errors.inc()
        count.inc()
        timing.observe(duration)


def prometheus_config() -> PrometheusConfig:
    return PrometheusConfig(
        app_name=PREFIX,
        prefix=PREFIX,
        group_path=True,  # the route template, not the path (see above)
        exclude=["^/metrics$"],
        middleware_class=RouteMetrics,
    )


class UnmatchedRequests(RouteMetrics):
    """Litestar's middleware only sees requests a route matched; the outer request wrapper
    records the others with it, into the same series, under one fixed label."""

    def declare(self) -> None:
        """Every family exists from the start (the errors one before the first 5xx)."""
        labels = _series_labels("GET", UNMATCHED, 200)
        for family in (self.request_count, self.request_time, self.requests_error_count):
            family(labels)
        self.requests_in_progress(labels)

    def record(self, method: str, status: int, duration: float) -> None:
        self._record_finished(method if method in METHODS else "OTHER", UNMATCHED, status, duration)


def unmatched_recorder(config: PrometheusConfig) -> UnmatchedRequests:
    recorder = UnmatchedRequests(app=_no_app, config=config)
    recorder.declare()
    return recorder


async def _no_app(scope, receive, send) -> None:  # pragma: no cover - never called
    raise RuntimeError("a recorder, not a middleware")


def sample_pool(engine) -> None:
    usage = getattr(engine, "pool_usage", None)
    if usage is not None:
        size, in_use = usage()
        DB_CONNECTIONS.set(size)
        DB_CONNECTIONS_IN_USE.set(in_use)


@contextlib.asynccontextmanager
async def pool_sampling(engine) -> AsyncIterator[None]:
    """For the app's lifespan: the pool's figures every few seconds; at the end, this
    process's gauges leave the multiprocess sum."""

    async def sample_forever() -> None:
        while True:
            sample_pool(engine)
            await asyncio.sleep(SAMPLE_SECONDS)

    task = asyncio.create_task(sample_forever())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if multiprocess_directory():
            multiprocess_mode.mark_process_dead(os.getpid())


def multiprocess_directory() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


class _JobQueue(Collector):
    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(f"{PREFIX}_jobs", "Jobs of the queue by state", labels=["state"])
        for state, count in sorted(self.counts.items()):
            family.add_metric([state], count)
        yield family


def exposition(engine, queue_counts: dict[str, int]) -> bytes:
    """The text exposition: every process's metrics (or this one's), then the queue's."""
    sample_pool(engine)  # this process's figures as of now
    registry = REGISTRY
    if multiprocess_directory():
        registry = CollectorRegistry()
        multiprocess_mode.MultiProcessCollector(registry)
    at_scrape = CollectorRegistry()
    at_scrape.register(_JobQueue(queue_counts))
    return generate_latest(registry) + generate_latest(at_scrape)
