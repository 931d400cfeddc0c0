"""Browser-like clients signed in through the ENT, without the ENT: the session the ENT
sign-in leaves (`SESSION_ENT_KEY`, `SESSION_METHOD_KEY`) is written straight into the app's
session store under a fresh id, serialized as the session backend does, and the client
carries its cookie. The space's tests then exercise everything from `/mon-espace` on."""

from __future__ import annotations

import secrets

import httpx
import pytest_asyncio

from api.infra.sessions import RotatingSessionBackend
from loans.ent_identity import SESSION_ENT_KEY, SESSION_METHOD_KEY, EntIdentity
from tests.conftest import client_for

COOKIE = "ordipret_session"  # api/app.py


async def plant_session(app, who: EntIdentity) -> str:
    """A session holding the identity, in the app's store; its id."""
    session_id = secrets.token_hex(16)
    data = {SESSION_ENT_KEY: who.as_session(), SESSION_METHOD_KEY: who.method}
    store = app.stores.get("sessions")
    await store.set(session_id, RotatingSessionBackend.serialize_data(data), expires_in=3600)
    return session_id


@pytest_asyncio.fixture(loop_scope="session")
async def ent(app):
    """`await ent(identity("K-1"))`: a client signed in through the ENT as that identity."""
    opened: list[httpx.AsyncClient] = []

    async def make(who: EntIdentity) -> httpx.AsyncClient:
        client = client_for(app)
        client.cookies.set(COOKIE, await plant_session(app, who))
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()
