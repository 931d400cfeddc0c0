"""The job queue on the app's own database, the same code on SQLite and PostgreSQL.

A job is claimed in one write transaction: the oldest queued job, or a running one whose
worker stopped sending heartbeats (a killed process) — `SELECT … FOR UPDATE SKIP LOCKED` on
PostgreSQL, so that several workers never take the same row nor wait for each other; on
SQLite the IMMEDIATE transaction (inventory.db.write_transaction) already holds the only
write lock. Every later write of the worker names its attempt, so a run given up for dead
cannot overwrite the run that replaced it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.query.functions.aggregate import Count

from api.jobs.tables import Job
from inventory.db import write_transaction
from inventory.errors import NotFound

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
# A running job whose heartbeat is older than this is taken again (workers beat every second).
LEASE = dt.timedelta(minutes=2)
MAX_ATTEMPTS = 3
KEEP = dt.timedelta(days=1)  # a result can be downloaded for a day, then it is removed


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    kind: str
    arguments: dict[str, Any]
    owner_id: int
    attempt: int


async def enqueue(kind: str, arguments: dict[str, Any], owner_id: int, now: dt.datetime) -> int:
    rows = await Job.insert(
        Job(
            kind=kind,
            arguments=arguments,
            owner=owner_id,
            state=QUEUED,
            created_at=now,
            expires_at=now + KEEP,
        )
    ).returning(Job.id)
    return rows[0]["id"]


def _claimable(now: dt.datetime):
    return (Job.state == QUEUED) | ((Job.state == RUNNING) & (Job.heartbeat_at < now - LEASE))


async def claim(now: dt.datetime) -> Claimed | None:
    """Take the oldest job to run (or run again), or None when there is none."""
    # An idle worker looks every few seconds: a plain read first, so that looking takes no
    # write lock (SQLite has only one).
    if not await Job.exists().where(_claimable(now)):
        return None
    async with write_transaction():
        query = Job.select(Job.id).where(_claimable(now)).order_by(Job.id).limit(1)
        if isinstance(Job._meta.db, PostgresEngine):
            query = query.lock_rows(skip_locked=True, of=(Job,))
        rows = await query
        if not rows:
            return None
        job_id = rows[0]["id"]
        await Job.update(
            {
                Job.state: RUNNING,
                Job.attempt: Job.attempt + 1,
                Job.started_at: now,
                Job.heartbeat_at: now,
                Job.error: "",
            }
        ).where(Job.id == job_id)
        row = (
            await Job.select(Job.id, Job.kind, Job.arguments, Job.owner, Job.attempt)
            .where(Job.id == job_id)
            .first()
        )
    assert row is not None
    arguments = row["arguments"]
    if isinstance(arguments, str):  # JSON comes back as text from both engines
        arguments = json.loads(arguments)
    return Claimed(row["id"], row["kind"], arguments, row["owner"], row["attempt"])


def _current(claimed: Claimed):
    return (Job.id == claimed.id) & (Job.state == RUNNING) & (Job.attempt == claimed.attempt)


async def beat(claimed: Claimed, now: dt.datetime, done: int, total: int) -> None:
    """The worker is alive; how far it got."""
    await Job.update(
        {Job.heartbeat_at: now, Job.progress_done: done, Job.progress_total: total}
    ).where(_current(claimed))


async def finish(
    claimed: Claimed,
    now: dt.datetime,
    sha256: str,
    file_name: str,
    media_type: str,
    steps: int,
) -> None:
    """`steps`: how many the job counted (all done); at least one, for the bar."""
    await Job.update(
        {
            Job.state: DONE,
            Job.result_sha256: sha256,
            Job.file_name: file_name,
            Job.media_type: media_type,
            Job.finished_at: now,
            Job.heartbeat_at: now,
            Job.progress_done: max(steps, 1),
            Job.progress_total: max(steps, 1),
            Job.expires_at: now + KEEP,
        }
    ).where(_current(claimed))


async def release(claimed: Claimed) -> None:
    """Give the job back to the queue (its worker is stopping): the next worker takes it at
    once instead of waiting for the lease to run out."""
    await Job.update({Job.state: QUEUED, Job.heartbeat_at: None}).where(_current(claimed))


async def fail(claimed: Claimed, now: dt.datetime, message: str) -> None:
    await Job.update(
        {Job.state: FAILED, Job.error: message, Job.finished_at: now, Job.expires_at: now + KEEP}
    ).where(_current(claimed))


async def job_of(owner_id: int, job_id: int) -> dict:
    """A job as its owner sees it; anyone else's (or an unknown id) is not found."""
    row = await Job.select().where((Job.id == job_id) & (Job.owner == owner_id)).first()
    if row is None:
        raise NotFound("Document introuvable : il a peut-être expiré (un jour après sa demande).")
    return row


async def expired(now: dt.datetime) -> list[dict]:
    """Finished jobs past their expiry, and any job a day older than that (never claimed)."""
    return await Job.select(Job.id, Job.result_sha256).where(
        (Job.expires_at < now) & ((Job.state.is_in([DONE, FAILED])) | (Job.created_at < now - KEEP))
    )


async def remove(job_ids: list[int]) -> None:
    if job_ids:
        await Job.delete().where(Job.id.is_in(job_ids))


async def still_used(sha256: str) -> bool:
    """Whether another job keeps these bytes (results are content-addressed)."""
    return await Job.exists().where(Job.result_sha256 == sha256)


async def depth() -> dict[str, int]:
    """Jobs queued and running now: one query on the state index (read at each metrics scrape)."""
    counts = {QUEUED: 0, RUNNING: 0}
    rows = await (
        Job.select(Job.state, Count(alias="jobs"))
        .where(Job.state.is_in([QUEUED, RUNNING]))
        .group_by(Job.state)
    )
    counts.update({row["state"]: row["jobs"] for row in rows})
    return counts


async def taken_care_of(now: dt.datetime) -> bool:
    """Whether some worker takes the jobs: not when one waits longer than a lease (queued that
    long, or running with a stopped heartbeat) while no job shows a live heartbeat. A queue
    behind one long job is slow, not abandoned: its worker beats."""
    stale = now - LEASE
    waiting = await Job.exists().where(
        ((Job.state == QUEUED) & (Job.created_at < stale))
        | ((Job.state == RUNNING) & (Job.heartbeat_at < stale))
    )
    if not waiting:
        return True
    return await Job.exists().where((Job.state == RUNNING) & (Job.heartbeat_at >= stale))
