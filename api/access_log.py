"""Recording who read a student's data (`loans.access_log`), the same way for every route.

A handler that reads a student's record, loan, agreement, documents or photos *notes* it
(`note_read`), after the read succeeded; pages note it without asking, since `page()` notes
the `student` or `loan` it is given (api/pages/rendering.py). `AccessLogMiddleware` writes
what the request noted in ONE statement, before the response starts: a read that could not be
recorded is not shown (the request fails). The reason recorded is the route's template
(`/eleves/{student_id}`), which holds no personal data.

Only staff reads are recorded: the student and guardian space has no staff principal, and
reads by students and guardians of their own data need no entry.
"""

from __future__ import annotations

import dataclasses

from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.accounts.staff import Principal
from api.clock import utcnow
from inventory.scope import Scope as RowScope
from loans.access_log import Read, Reader, record_reads

NOTED = "ordipret.reads"  # scope state: the reads a request noted
# Filters of a student list that hold personal data: recorded by name, never by value.
PERSONAL_FILTERS = frozenset({"q", "ine", "ent", "ent_id"})


def note_read(connection: ASGIConnection, read: Read) -> None:
    """Record, with the response, that this request showed `read` to its staff reader."""
    if isinstance(connection.scope.get("user"), Principal):
        connection.scope.setdefault("state", {}).setdefault(NOTED, []).append(read)


def note_list(connection: ASGIConnection, student_ids: list[int], filters: object) -> None:
    """A list of students shown: one entry per student, with the list's filter (a dataclass
    or a mapping; the values of the personal filters left out)."""
    if not student_ids:
        return
    if dataclasses.is_dataclass(filters) and not isinstance(filters, type):
        filters = dataclasses.asdict(filters)
    assert isinstance(filters, dict)
    shown = [
        name if name in PERSONAL_FILTERS else f"{name}={value}"
        for name, value in sorted(filters.items())
        if value not in (None, "", False)
    ]
    note_read(connection, Read("list", tuple(student_ids), detail=" ".join(shown)))


class AccessLogMiddleware:
    """Writes the reads a request noted, as its response starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_after_recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                await _record(scope)
            await send(message)

        await self.app(scope, receive, send_after_recording)


async def _record(scope: Scope) -> None:
    reads = scope.get("state", {}).pop(NOTED, None)
    principal = scope.get("user")
    if not reads or not isinstance(principal, Principal):
        return
    reader = Reader(principal.account_id, principal.display_name, principal.role)
    why = scope.get("path_template") or scope["path"]
    await record_reads(reader, utcnow(), why, reads)


def audit_scope(principal: Principal) -> RowScope:
    """Whose reads a principal may audit: the platform admin every region's, a data
    protection officer their region's; anyone else none (the guard refuses them first)."""
    if principal.role == "admin":
        return RowScope.platform()
    if principal.role == "dpo" and principal.region_id is not None:
        return RowScope.region(principal.region_id)
    return RowScope()
