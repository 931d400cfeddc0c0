import asyncio
import contextlib
import datetime as dt
from pathlib import Path

from api.clock import utcnow
from api.controllers import health
from api.infra import storage
from api.jobs import queue
from loans.storage import DirectoryStorage
from tests.api.problems import assert_problem


async def test_health_answers_ok_without_authentication(client):
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "storage": "ok",
        "queue": "ok",
        "worker": "ok",
    }


async def test_livez_answers_without_reading_anything(client, app, tmp_path):
    with unwritable_storage(app, tmp_path):
        assert (await client.get("/livez")).status_code == 200


@contextlib.contextmanager
def unwritable_storage(app, tmp_path: Path):
    """The app's documents kept under a path that is a file, not a directory (an unwritable
    directory would not do: the tests may run as root, who writes anywhere)."""
    blocked = tmp_path / "documents"
    blocked.write_text("not a directory")
    kept = app.state[storage.STATE_KEY]
    app.state[storage.STATE_KEY] = DirectoryStorage(blocked / "inside")
    try:
        yield
    finally:
        app.state[storage.STATE_KEY] = kept


async def test_health_is_503_naming_the_storage_when_documents_cannot_be_kept(
    client, app, tmp_path
):
    with unwritable_storage(app, tmp_path):
        response = await client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "indisponible" and body["storage"] == "indisponible"
    assert body["database"] == body["queue"] == body["worker"] == "ok"
    assert str(tmp_path) not in response.text  # no path, no detail for the public


async def test_a_job_waiting_with_no_worker_beating_is_reported_without_leaving_rotation(
    client, world
):
    old = utcnow() - queue.LEASE - dt.timedelta(seconds=5)
    await queue.enqueue("stocktake_report", {}, world.account_ids["it_a"], old)
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json()["worker"] == "arrêté" and response.json()["status"] == "dégradé"
    assert response.json()["queue"] == "ok"


async def test_a_job_waiting_behind_one_a_worker_draws_is_only_slow(client, world):
    owner = world.account_ids["it_a"]
    old = utcnow() - queue.LEASE - dt.timedelta(seconds=5)
    await queue.enqueue("stocktake_report", {}, owner, old)
    await queue.enqueue("stocktake_report", {}, owner, old)
    assert await queue.claim(utcnow()) is not None  # the first, beating now
    assert (await client.get("/health")).status_code == 200


async def test_a_stopped_inline_worker_is_reported_as_degraded(client, app):
    async def stopped() -> None:
        return None

    task = asyncio.ensure_future(stopped())
    await task
    app.state[health.WORKER_STATE] = task
    try:
        response = await client.get("/health")
    finally:
        del app.state[health.WORKER_STATE]
    assert response.status_code == 200
    assert response.json()["worker"] == "arrêté" and response.json()["status"] == "dégradé"


async def test_the_openapi_schema_is_served_without_authentication(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "ordipret"
    assert "/api/v1/assets" in schema["paths"]


async def test_an_unknown_api_address_is_a_not_found_problem(as_):
    assert_problem(await as_("admin").get("/api/v1/nothing-here"), 404)


async def test_a_method_the_address_does_not_accept_is_a_405_problem(as_):
    assert_problem(await as_("admin").delete("/api/v1/regions"), 405)
