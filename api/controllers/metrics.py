"""`/metrics`, the Prometheus scrape (api.infra.metrics), closed to the public.

Request counts by route, sign-ins and pool figures say how the service is used and where it
hurts: not for anyone on the Internet. The scrape is answered to the bearer of
`ORDIPRET_METRICS_TOKEN` (`Authorization: Bearer …`, Prometheus' `authorization` setting) or
to a client whose address is in `ORDIPRET_METRICS_ALLOW`; with neither set, to nobody.
"""

from __future__ import annotations

import hmac
import ipaddress

from litestar import Request, Response, get
from litestar.connection import ASGIConnection
from litestar.plugins.prometheus import PrometheusController
from prometheus_client import CONTENT_TYPE_LATEST

from api.infra import metrics
from api.jobs import queue
from api.settings import Settings
from inventory.tables import Region


def _allowed_address(host: str | None, networks: tuple[str, ...]) -> bool:
    if not host or not networks:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in networks)


def scrape_allowed(connection: ASGIConnection) -> bool:
    settings: Settings = connection.app.state["settings"]
    scheme, _sep, token = connection.headers.get("authorization", "").partition(" ")
    if (
        settings.metrics_token
        and scheme.lower() == "bearer"
        and hmac.compare_digest(token.strip().encode(), settings.metrics_token.encode())
    ):
        return True
    host = connection.client.host if connection.client else None
    return _allowed_address(host, settings.metrics_allow)


class MetricsController(PrometheusController):
    path = "/metrics"

    @get(
        exclude_from_auth=True,  # its own bearer token, not an account's (scrape_allowed)
        include_in_schema=False,
    )
    async def get(self, request: Request) -> Response:  # type: ignore[override]
        if not scrape_allowed(request):
            # A plain 401, not the app's sign-in redirect: the client is a scraper.
            return Response(
                "Métriques réservées à la supervision.\n",
                status_code=401,
                media_type="text/plain",
                headers={"WWW-Authenticate": "Bearer"},
            )
        counts = await queue.depth()
        body = metrics.exposition(Region._meta.db, counts)
        return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST})


ROUTES = [MetricsController]
