"""The error answers of every operation, written into the OpenAPI once.

Litestar documents a handler's success and, at best, a 400 in its own (non-problem) format.
Every error here is an RFC 9457 problem document (api/errors.py), and which ones an operation
can give follows from what the handler is: every request passes the door (400) and the
authentication (401), may name something that is not there or not in the caller's scope —
in the path or in a filter (404) — and may break a rule (422); guards refuse (403); a write
may collide (409) or come in the wrong content type (415).
tests/api/test_openapi_fuzz.py checks the result against the running app.
"""

from __future__ import annotations

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from api.titles import TITLES, UNTITLED

PROBLEM_MEDIA_TYPE = "application/problem+json"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class FieldProblem(msgspec.Struct):
    field: str
    detail: str
    pointer: str
    line: int | None = None  # an import file's line


class Problem(msgspec.Struct):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """`responses=` for a handler: each status documented as a problem document."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=TITLES.get(status, UNTITLED).problem,
            generate_examples=False,
        )
        for status in statuses
    }


def statuses_of(handler: HTTPRouteHandler) -> list[int]:
    statuses = [400, 401, 404, 422]
    if handler.resolve_guards():
        statuses.append(403)
    if set(handler.http_methods) & UNSAFE_METHODS:
        statuses += [409, 415]
    if any(path.endswith("/auth/login") for path in handler.paths):
        statuses.append(429)  # api/infra/login_throttle.py
    return sorted(statuses)


def document_problems(app: Litestar) -> None:
    """Give each operation of the schema its error answers (before /schema is first built)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler) or not handler.resolve_include_in_schema():
                continue
            handler.responses = {
                **problem_responses(*statuses_of(handler)),
                **(handler.responses or {}),
            }
