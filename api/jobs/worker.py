"""Running the queue: one job at a time per worker, its drawing in a thread, a heartbeat and its
progress written about once a second; finished results expire after a day.

A worker runs inside each app process (started in the lifespan, `ORDIPRET_WORKER=inline`,
the default) or as its own process (`ordipret worker`, with `ORDIPRET_WORKER=off` for the app).
Any number of them share one queue: claiming is atomic (api.jobs.queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable

from api.accounts.staff import load_principal
from api.clock import utcnow
from api.jobs import queue
from api.jobs.kinds import KINDS, Made, Work
from api.jobs.progress import Progress
from inventory.errors import DomainError
from loans.storage import Storage
from loans.tables import Document

logger = logging.getLogger("ordipret.jobs")

BEAT_SECONDS = 1.0
IDLE_SECONDS = 2.0  # how often an idle worker looks at the queue when nobody woke it
PURGE_EVERY = dt.timedelta(minutes=10)
UNEXPECTED = (
    "Une erreur inattendue a empêché de préparer le document. Réessayez ; si elle se répète, "
    "prévenez l'assistance."
)
TOO_MANY = "Le document n'a pas pu être préparé : sa préparation a été interrompue trop souvent."
NO_ACCOUNT = "Le document n'a pas été préparé : le compte qui l'a demandé est désactivé."


async def _made(claimed: queue.Claimed, work: Work, clock: Callable[[], dt.datetime]) -> Made:
    task = asyncio.create_task(KINDS[claimed.kind](work, claimed.arguments))
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=BEAT_SECONDS)
            if done:
                return task.result()
            await queue.beat(claimed, clock(), *work.progress.value)
    except asyncio.CancelledError:  # the process is stopping: another worker will draw it
        task.cancel()
        await queue.release(claimed)
        raise


async def run_next(
    storage: Storage, public_url: str, clock: Callable[[], dt.datetime] = utcnow
) -> int | None:
    """Run the next job to its end (done or failed); its id, or None when the queue is empty."""
    claimed = await queue.claim(clock())
    if claimed is None:
        return None
    if claimed.attempt > queue.MAX_ATTEMPTS:
        await queue.fail(claimed, clock(), TOO_MANY)
        return claimed.id
    principal = await load_principal(claimed.owner_id)
    if principal is None:
        await queue.fail(claimed, clock(), NO_ACCOUNT)
        return claimed.id
    work = Work(principal, storage, public_url, clock(), Progress())
    try:
        made = await _made(claimed, work, clock)
    except DomainError as error:  # what the request could not see coming (a deleted row…)
        await queue.fail(claimed, clock(), error.message)
    except Exception:
        logger.exception("job %s (%s) failed", claimed.id, claimed.kind)
        await queue.fail(claimed, clock(), UNEXPECTED)
    else:
        sha256 = await storage.put(made.content)
        steps = work.progress.value[1]
        await queue.finish(claimed, clock(), sha256, made.file_name, made.media_type, steps)
    return claimed.id


async def run_all(
    storage: Storage, public_url: str, clock: Callable[[], dt.datetime] = utcnow
) -> list[int]:
    """Run every job waiting now (the tests' and `ordipret worker --once`'s way)."""
    ran = []
    while (job_id := await run_next(storage, public_url, clock)) is not None:
        ran.append(job_id)
    return ran


async def purge(storage: Storage, now: dt.datetime) -> int:
    """Remove expired jobs and their files (bytes another job or a document keeps stay)."""
    rows = await queue.expired(now)
    await queue.remove([row["id"] for row in rows])
    for sha256 in {row["result_sha256"] for row in rows if row["result_sha256"]}:
        kept = await queue.still_used(sha256) or await Document.exists().where(
            Document.sha256 == sha256
        )
        if not kept:
            await storage.delete(sha256)
    return len(rows)


async def work_forever(storage: Storage, public_url: str, wake: asyncio.Event) -> None:
    """Run jobs as they come: woken at once by a request of this process, else every
    IDLE_SECONDS. An error of the database is logged and retried, never fatal."""
    purged_at: dt.datetime | None = None
    while True:
        try:
            await run_all(storage, public_url)
            if purged_at is None or utcnow() - purged_at > PURGE_EVERY:
                purged_at = utcnow()
                await purge(storage, purged_at)
        except Exception:
            logger.exception("job worker: will try again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), IDLE_SECONDS)
        wake.clear()


@contextlib.asynccontextmanager
async def running(
    storage: Storage, public_url: str, wake: asyncio.Event
) -> AsyncIterator[asyncio.Task]:
    """The worker as a task for the app's lifespan, cancelled at shutdown (its job, if any,
    is taken again by the next worker once its heartbeat is old). The task is given to the
    caller, whose health check asks whether it still runs."""
    task = asyncio.create_task(work_forever(storage, public_url, wake))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
