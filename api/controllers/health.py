"""Liveness (`/livez`: the process answers, no I/O) and readiness (`/health`: the parts a
request needs answer).

`/health` checks, each with its own status and a few seconds at most:
- `database`: a query answers;
- `storage`: documents can be kept (the directory is writable, or the table answers);
- `queue`: the job table answers;
- `worker`: someone prepares the queued documents — this process's worker still runs
  (`ORDIPRET_WORKER=inline`), and no job waits longer than a lease while no worker beats
  (`inline` or `off`, where `ordipret worker` processes do it).
200 when the database, the storage and the queue are ready, else 503: a load balancer takes a
process answering 503 out of rotation. A stopped worker is reported (`"status": "dégradé"`,
`"worker": "arrêté"`) but answered 200: every web process would say it at once, and pages
and the API still serve (documents wait in the queue); metrics and alerts watch it
(`ordipret_jobs{state="queued"}`). Open to all, so it says which part fails and no more (no
error text, no path, no address).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from litestar import Request, Response, get

from api.clock import utcnow
from api.infra import storage
from api.jobs import queue
from inventory.tables import Region

OK = "ok"
TIMEOUT_SECONDS = 3.0
WORKER_STATE = "job_worker"  # app.state: this process's worker task (inline mode)


@get("/livez", exclude_from_auth=True, tags=["santé"], summary="Le processus répond")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


async def _check(check: Awaitable[bool], failure: str) -> str:
    try:
        ready = await asyncio.wait_for(check, TIMEOUT_SECONDS)
    except Exception:  # any failure (or slowness) of that part means "not ready"
        return failure
    return OK if ready else failure


async def _answers(query: Awaitable[object]) -> bool:
    await query
    return True


async def _worker_alive(request: Request) -> bool:
    task = request.app.state.get(WORKER_STATE)
    if task is not None and task.done():  # the inline worker stopped (an error it let out)
        return False
    return await queue.taken_care_of(utcnow())


@get("/health", exclude_from_auth=True, tags=["santé"], summary="État du service et de ses parties")
async def health(request: Request) -> Response[dict]:
    database, documents, jobs, worker = await asyncio.gather(
        _check(_answers(Region.count()), "injoignable"),
        _check(storage.ready(storage.storage_of(request)), "indisponible"),
        _check(_answers(queue.depth()), "illisible"),
        _check(_worker_alive(request), "arrêté"),
    )
    parts = {"database": database, "storage": documents, "queue": jobs, "worker": worker}
    ready = all(status == OK for status in (database, documents, jobs))
    status = ("ok" if worker == OK else "dégradé") if ready else "indisponible"
    return Response({"status": status, **parts}, status_code=200 if ready else 503)


ROUTES = [livez, health]
