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
from collections.abc import AsyncIterator, Iterator

from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
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
for _method in SIGN_IN_METHODS:  # every series exists from the start, at zero
    for _outcome in ("success", "failure"):
        SIGN_INS.labels(_method, _outcome)

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
    SIGN_INS.labels(method, "success" if succeeded else "failure").inc()


class RouteMetrics(PrometheusMiddleware):
    """Litestar's middleware, labelling by the route template straight from the scope: its
    own parses the request's whole URL first, on every request, then drops it."""

    def _get_default_labels(self, request) -> dict[str, str | int | float]:
        return {
            "method": request.scope.get("method", request.scope["type"]),
            "path": request.scope["path_template"],
            "status_code": 200,
            "app_name": self._config.app_name,
        }


def prometheus_config() -> PrometheusConfig:
    return PrometheusConfig(
        app_name=PREFIX,
        prefix=PREFIX,
        group_path=True,  # the route template, not the path (see above)
        exclude=["^/metrics$"],
        middleware_class=RouteMetrics,
    )


class UnmatchedRequests(PrometheusMiddleware):
    """Litestar's middleware only sees requests a route matched; the outer request wrapper
    records the others with it, into the same series, under one fixed label."""

    @staticmethod
    def _labels(method: str, status: int) -> dict[str, str | int | float]:
        # The names and order of Litestar's own labels (PrometheusMiddleware), its series.
        return {"method": method, "path": UNMATCHED, "status_code": status, "app_name": PREFIX}

    def declare(self) -> None:
        """Every family exists from the start (the errors one before the first 5xx)."""
        labels = self._labels("GET", 200)
        for family in (self.request_count, self.request_time, self.requests_error_count):
            family(labels)
        self.requests_in_progress(labels)

    def record(self, method: str, status: int, duration: float) -> None:
        labels = self._labels(method if method in METHODS else "OTHER", status)
        values = list(labels.values())
        self.request_count(labels).labels(*values).inc()
        self.request_time(labels).labels(*values).observe(duration)
        if status >= 500:
            self.requests_error_count(labels).labels(*values).inc()


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
