"""Server-side sessions that cannot be fixed by an attacker.

Litestar's backend keeps whatever session id the browser's cookie carries, even one the store
never issued, so an id planted before login would become a signed-in session. This backend
only reuses ids found in the store, and gives the session a fresh id when someone signs in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import DefineMiddleware
from litestar.middleware.session.base import SessionMiddleware
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Message, Receive, Scope, ScopeSession, Send

_KNOWN_ID = "ordipret.session_id_known"
_FRESH_ID = "ordipret.session_id_fresh"
_ROTATE = "ordipret.session_rotate"


def rotate_session_id(connection: ASGIConnection) -> None:
    """Ask for a new session id when the response is sent (call it on sign-in)."""
    connection.scope.setdefault("state", {})[_ROTATE] = True


def rotate_session_id_now(connection: ASGIConnection) -> str:
    """Rotate, and choose the new id now rather than when the response is sent: a sign-in
    through the ENT records which session its ticket opened, for single logout to end it.
    32 random bytes, as the backend's own ids (`session_id_bytes`)."""
    rotate_session_id(connection)
    state = connection.scope.setdefault("state", {})
    state[_FRESH_ID] = secrets.token_hex(32)
    return state[_FRESH_ID]


class RotatingSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection) -> dict:
        if session_id := connection.cookies.get(self.config.key):
            store = self.config.get_store_from_app(connection.scope["app"])
            data = await self.get(session_id, store=store)
            if data is not None:
                connection.scope.setdefault("state", {})[_KNOWN_ID] = session_id
                return self.deserialize_data(data)
        return {}

    def get_session_id(self, connection: ASGIConnection) -> str:
        """The id the response will carry; "" until one is needed (made in store_in_message,
        so that requests that store nothing cost no random bytes)."""
        state = connection.scope.setdefault("state", {})
        if state.get(_FRESH_ID):
            return state[_FRESH_ID]
        if state.get(_KNOWN_ID) and not state.get(_ROTATE):
            return state[_KNOWN_ID]
        return ""

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection
    ) -> None:
        state = connection.scope.setdefault("state", {})
        if not scope_session and not state.get(_KNOWN_ID):
            # Nothing to keep and nothing to forget: no file, no cookie. Scripts with bearer
            # tokens and health probes would otherwise leave an empty session per request.
            return
        if state.get(_ROTATE) and state.get(_KNOWN_ID):
            store = self.config.get_store_from_app(connection.scope["app"])
            await self.delete(state[_KNOWN_ID], store=store)
        if not self.get_session_id(connection):
            state[_FRESH_ID] = self.generate_session_id()
        await super().store_in_message(scope_session, message, connection)


class CookielessFastSessions(SessionMiddleware):
    """Litestar's session middleware, with a short way for requests that carry no cookie at
    all — scripts with bearer tokens, scanners' API calls, probes: they have no session to
    load, and keep none unless the handler puts something in (a sign-in), which the send
    wrapper still sees. Building the connection and its wrapper for them cost a tenth of a
    scan's time."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if any(name == b"cookie" for name, _ in scope.get("headers", ())):
            await super().__call__(scope, receive, send)
            return
        scope["session"] = {}

        async def send_keeping_a_new_session(message: Message) -> None:
            if message["type"] == "http.response.start" and scope.get("session"):
                connection = ASGIConnection[Any, Any, Any, Any](scope, receive=receive, send=send)
                await self.backend.store_in_message(scope["session"], message, connection)
            await send(message)

        await self.app(scope, receive, send_keeping_a_new_session)


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend  # type: ignore[assignment]

    @property
    def middleware(self) -> DefineMiddleware:
        return DefineMiddleware(CookielessFastSessions, backend=self._backend_class(config=self))
