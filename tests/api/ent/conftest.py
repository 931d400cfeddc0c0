"""Fixtures of the ENT sign-in tests: a real CAS server (django-cas-server, once per session),
loopback servers run in the test's loop, and a browser's walk through a CAS sign-in."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import pytest
import pytest_asyncio
import uvicorn

from bench.cas_loopback.process import cas_server, free_port, ticket_url

LOOP = "session"
PASSWORD = "mot-de-passe-ent"
REGION = "24"


@pytest.fixture(scope="session")
def app_port() -> int:
    """Where the shared app is served on loopback when the CAS server must reach it (SLO)."""
    return free_port()


@pytest.fixture(scope="session")
def cas_url(tmp_path_factory, app_port: int):
    directory = tmp_path_factory.mktemp("cas")
    with cas_server(directory, slo_callback=f"http://127.0.0.1:{app_port}/ent/{REGION}/cas") as url:
        yield url


@contextlib.asynccontextmanager
async def serving(asgi_app, port: int | None = None):
    """Serve an ASGI app on loopback from the test's own loop; yields its base URL."""
    config = uvicorn.Config(
        asgi_app, host="127.0.0.1", port=port or free_port(), lifespan="off", log_level="error"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        await task


async def configure(as_, **connector) -> None:
    body = {"protocol": "cas3", "allowed_kinds": ["student", "guardian", "staff"], **connector}
    response = await as_("admin").put(f"/api/v1/regions/{REGION}/ent-connector", json=body)
    assert response.status_code == 200, response.text


@pytest_asyncio.fixture(loop_scope=LOOP)
async def cas_connector(as_, cas_url: str) -> str:
    await configure(as_, server_url=cas_url)
    return cas_url


async def cas_sign_in(client: httpx.AsyncClient, username: str) -> httpx.Response:
    """Our login → the CAS form → back to us with the ticket: our answer to the ticket."""
    start = await client.get(f"/ent/{REGION}/connexion")
    assert start.status_code == 303, start.text
    async with httpx.AsyncClient() as ent:
        back = await ticket_url(ent, start.headers["location"], username, PASSWORD)
    return await client.get(back)


async def session_of(app, client: httpx.AsyncClient) -> dict | None:
    """What the shared session store holds for this browser's cookie."""
    session_id = client.cookies.get("ordipret_session")
    if not session_id:
        return None
    data = await app.stores.get("sessions").get(session_id)
    return json.loads(data) if data is not None else None
