"""Around every HTTP request: its id, its access line, and its count when no route matched.

This wraps Litestar's whole ASGI handler (routing and exception handling included), not a
route's middleware stack: a path no route matches never reaches route middleware, and its
404 must carry a request id and an access line too.

The access line (ORDIPRET_ACCESS_LOG=1) says the method, the route *template*, the status
and the duration: never the path or the query string, where tags, student ids, names searched
for or tokens travel.
"""

from __future__ import annotations

import logging
import time

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.infra.logs import REQUEST_ID, request_id_from
from api.infra.metrics import METHODS, UNMATCHED, UnmatchedRequests

HEADER = "X-Request-ID"
HEADER_KEY = HEADER.lower().encode()
access = logging.getLogger("ordipret.access")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class RequestContext:
    def __init__(self, app: ASGIApp, unmatched: UnmatchedRequests, access_log: bool) -> None:
        self.app = app
        self.unmatched = unmatched
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(_header(scope, b"x-request-id"))
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers")
                if isinstance(headers, list):  # Litestar's: appended, not searched and rebuilt
                    headers.append((HEADER_KEY, request_id.encode("latin-1")))
                else:
                    MutableScopeHeaders.from_message(message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration = time.perf_counter() - started
            route = scope.get("path_template")
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            if not route:
                self.unmatched.record(method, status, duration)
            if self.access_log:
                access.info(
                    "%s %s %s %.1f ms",
                    method,
                    route or UNMATCHED,
                    status,
                    duration * 1000,
                    extra={
                        "method": method,
                        "route": route or UNMATCHED,
                        "status": status,
                        "duration_ms": round(duration * 1000, 1),
                    },
                )
            REQUEST_ID.reset(token)
