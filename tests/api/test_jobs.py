"""Documents prepared off the request path (api.jobs): the request queues the job and answers
at once; a worker draws the PDF; its owner, and only its owner, follows it to the download.

The test app runs no worker of its own (`worker="off"`): each test runs the queue when it
says so (`run_all`), so that the state seen between the request and the run is certain."""

from __future__ import annotations

import datetime as dt

import pypdfium2
import pytest

from api.clock import utcnow
from api.controllers import stocktakes as stocktake_api
from api.infra.storage import STATE_KEY
from api.jobs import queue, worker
from api.jobs.tables import Job
from tests.api.test_stocktakes_api import STOCKTAKES, _counted, shelf  # noqa: F401
from tests.factories import World

ASYNC = {"Prefer": "respond-async"}
URL = "http://testserver"


def storage(app):
    return app.state[STATE_KEY]


def first_page_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return " ".join(document[0].get_textpage().get_text_range().split())


async def queued_report(as_, persona: str = "it_a") -> tuple[int, str, int]:
    """A closed stocktake whose report was asked for: (stocktake id, job URL, job id)."""
    stocktake_id = await _counted(as_)
    response = await as_(persona).get(f"{STOCKTAKES}/{stocktake_id}/report.pdf", headers=ASYNC)
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    return stocktake_id, location, int(location.rsplit("/", 1)[1])


async def test_a_report_asked_for_is_queued_then_prepared_and_downloaded(app, as_, shelf):  # noqa: F811
    stocktake_id, location, job_id = await queued_report(as_)
    assert location == f"/api/v1/jobs/{job_id}"
    waiting = (await as_("it_a").get(location)).json()
    # The request returned before anything was drawn.
    assert waiting["state"] == "queued" and waiting["file_url"] is None
    assert await worker.run_all(storage(app), URL) == [job_id]
    job = (await as_("it_a").get(location)).json()
    assert job["state"] == "done" and job["error"] is None
    assert job["progress"]["total"] > 0 and job["progress"]["done"] == job["progress"]["total"]
    assert job["file_url"] == f"{location}/file"
    download = await as_("it_a").get(job["file_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert f'filename="inventaire-{stocktake_id}-' in download.headers["content-disposition"]
    assert f"Inventaire n° {stocktake_id} — Lycée A" in first_page_text(download.content)


async def test_a_report_of_more_devices_than_the_threshold_is_queued_without_asking(
    as_,
    shelf,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(stocktake_api, "INLINE_REPORT_LINES", 2)
    stocktake_id = await _counted(as_)
    response = await as_("it_a").get(f"{STOCKTAKES}/{stocktake_id}/report.pdf")
    assert response.status_code == 202
    assert response.json()["kind"] == "stocktake_report"


async def test_a_browser_asking_for_the_report_is_led_to_the_preparation_page(as_, shelf):  # noqa: F811
    stocktake_id = await _counted(as_)
    response = await as_("it_a").get(
        f"{STOCKTAKES}/{stocktake_id}/report.pdf",
        headers={**ASYNC, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/preparation/")


async def test_the_preparation_page_shows_a_labelled_progress_bar_then_the_link(
    app,
    as_,
    signed_in,
    shelf,  # noqa: F811
):
    _, location, job_id = await queued_report(as_)
    browser = await signed_in("it_a")
    waiting = await browser.get(f"/preparation/{job_id}")
    assert waiting.status_code == 200
    assert '<label for="job-progress">' in waiting.text and "<progress" in waiting.text
    assert "Préparation du document en cours" in waiting.text
    claimed = await queue.claim(utcnow())
    assert claimed is not None
    await queue.beat(claimed, utcnow(), 3, 10)
    running = await browser.get(f"/preparation/{job_id}")
    assert 'value="3"' in running.text and "3 / 10" in running.text
    assert (await as_("it_a").get(location)).json()["progress"] == {"done": 3, "total": 10}
    await Job.update({Job.heartbeat_at: utcnow() - dt.timedelta(hours=1)}).where(Job.id == job_id)
    await worker.run_all(storage(app), URL)
    ready = await browser.get(f"/preparation/{job_id}")
    assert "Le document est prêt." in ready.text
    assert f'href="/api/v1/jobs/{job_id}/file"' in ready.text
    assert (await browser.get(f"/api/v1/jobs/{job_id}/file")).content.startswith(b"%PDF")


@pytest.mark.parametrize("persona", ["it_ab", "admin"])
async def test_another_account_does_not_find_the_job(app, as_, signed_in, shelf, persona):  # noqa: F811
    _, location, job_id = await queued_report(as_)
    await worker.run_all(storage(app), URL)
    for path in (location, f"{location}/file"):
        assert (await as_(persona).get(path)).status_code == 404
    other = await signed_in(persona)
    assert (await other.get(f"/preparation/{job_id}")).status_code == 404


async def test_a_failing_job_shows_its_error_in_french(app, as_, signed_in, world: World):
    job_id = await queue.enqueue(
        "stocktake_report", {"stocktake_id": 999}, world.account_ids["it_a"], utcnow()
    )
    await worker.run_all(storage(app), URL)
    job = (await as_("it_a").get(f"/api/v1/jobs/{job_id}")).json()
    assert job["state"] == "failed" and job["file_url"] is None
    assert "introuvable" in job["error"].lower()
    refused = await as_("it_a").get(f"/api/v1/jobs/{job_id}/file")
    assert refused.status_code == 409 and "introuvable" in refused.text.lower()
    page = await (await signed_in("it_a")).get(f"/preparation/{job_id}")
    assert "n'a pas pu être préparé" in page.text and 'role="alert"' in page.text


async def test_a_job_whose_worker_died_is_run_again_and_the_dead_run_cannot_overwrite_it(
    app,
    as_,
    shelf,  # noqa: F811
):
    _, location, job_id = await queued_report(as_)
    dead = await queue.claim(utcnow() - dt.timedelta(minutes=10))  # then its process was killed
    assert dead is not None and dead.attempt == 1
    assert await worker.run_all(storage(app), URL) == [job_id]
    job = (await as_("it_a").get(location)).json()
    assert job["state"] == "done"
    await queue.fail(dead, utcnow(), "trop tard")  # the old run wakes up: its lease is gone
    assert (await as_("it_a").get(location)).json()["state"] == "done"


async def test_a_running_job_with_a_recent_heartbeat_is_left_to_its_worker(app, as_, shelf):  # noqa: F811
    await queued_report(as_)
    assert await queue.claim(utcnow()) is not None
    assert await worker.run_all(storage(app), URL) == []


async def test_a_job_interrupted_too_often_fails_instead_of_looping(app, as_, shelf):  # noqa: F811
    _, location, job_id = await queued_report(as_)
    await Job.update({Job.attempt: queue.MAX_ATTEMPTS}).where(Job.id == job_id)
    await queue.claim(utcnow() - dt.timedelta(minutes=10))
    await worker.run_all(storage(app), URL)
    job = (await as_("it_a").get(location)).json()
    assert job["state"] == "failed" and "interrompue" in job["error"]


async def test_results_are_removed_a_day_later_with_their_file(app, as_, shelf):  # noqa: F811
    _, location, job_id = await queued_report(as_)
    await worker.run_all(storage(app), URL)
    sha256 = (await Job.select(Job.result_sha256).where(Job.id == job_id).first())["result_sha256"]
    assert await storage(app).exists(sha256)
    assert await worker.purge(storage(app), utcnow()) == 0
    assert await worker.purge(storage(app), utcnow() + dt.timedelta(days=1, minutes=1)) == 1
    assert not await storage(app).exists(sha256)
    assert (await as_("it_a").get(location)).status_code == 404


async def test_the_in_process_worker_prepares_a_queued_document_by_itself(app, as_, shelf):  # noqa: F811
    import asyncio

    _, location, _ = await queued_report(as_)
    wake = asyncio.Event()
    async with worker.running(storage(app), URL, wake):
        wake.set()
        for _ in range(200):  # a bound, not a timing assertion
            if (await as_("it_a").get(location)).json()["state"] == "done":
                break
            await asyncio.sleep(0.05)
    assert (await as_("it_a").get(location)).json()["state"] == "done"


async def test_a_job_given_back_by_a_stopping_worker_is_taken_again_at_once(app, as_, shelf):  # noqa: F811
    _, location, job_id = await queued_report(as_)
    claimed = await queue.claim(utcnow())
    assert claimed is not None
    await queue.release(claimed)
    assert (await as_("it_a").get(location)).json()["state"] == "queued"
    assert await worker.run_all(storage(app), URL) == [job_id]


async def test_a_client_asking_for_a_job_is_told_its_preference_was_applied(as_, shelf):  # noqa: F811
    stocktake_id = await _counted(as_)
    response = await as_("it_a").get(f"{STOCKTAKES}/{stocktake_id}/report.pdf", headers=ASYNC)
    assert response.headers["preference-applied"] == "respond-async"
