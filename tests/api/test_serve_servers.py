"""`ordipret serve --server uvicorn|granian`: either server runs the app as an operator would
start it, with two workers, each opening its database pool in Litestar's lifespan."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest

from bench.server import production_server
from tests.factories import UAI_A, make_asset


def _get(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
async def test_either_server_answers_authenticated_lookups_with_two_workers(
    world, database_url, tmp_path, server
):
    await make_asset("R24-SRV1", UAI_A, world.model_id)
    token = world.tokens["manager_24"]
    with production_server(database_url, tmp_path / "var", workers=2, server=server) as running:
        url = running.url("/api/v1/assets/R24-SRV1")
        # Concurrent requests, each on a fresh connection: the workers share the socket.
        answers = await asyncio.gather(*(asyncio.to_thread(_get, url, token) for _ in range(20)))
    assert {status for status, _ in answers} == {200}
    assert {body["tag"] for _, body in answers} == {"R24-SRV1"}
