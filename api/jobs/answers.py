"""How the API and the pages answer about a job: 202 Accepted with its address, its state as
JSON, its file. Jobs are their owner's alone: anyone else gets 404, as for an unknown id."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.response import Redirect

from api.accounts.staff import Principal
from api.clock import utcnow
from api.jobs import queue

WAKE_KEY = "job_worker_wake"  # app.state: the in-process worker's alarm clock
API_PATH = "/api/v1/jobs"
PAGE_PATH = "/preparation"


class ProgressOut(msgspec.Struct, frozen=True):
    done: int
    total: int


class JobOut(msgspec.Struct, frozen=True):
    id: int
    kind: str
    state: str  # queued, running, done, failed
    progress: ProgressOut
    created_at: dt.datetime
    finished_at: dt.datetime | None
    expires_at: dt.datetime
    error: str | None  # French, when failed
    file_name: str | None
    file_url: str | None  # when done


def job_out(row: dict) -> JobOut:
    done = row["state"] == queue.DONE
    return JobOut(
        id=row["id"],
        kind=row["kind"],
        state=row["state"],
        progress=ProgressOut(row["progress_done"], row["progress_total"]),
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        expires_at=row["expires_at"],
        error=row["error"] or None,
        file_name=row["file_name"] if done else None,
        file_url=f"{API_PATH}/{row['id']}/file" if done else None,
    )


def prefers_async(request: Request) -> bool:
    """`Prefer: respond-async` (RFC 7240): a client asks for a job even for a small document."""
    return "respond-async" in request.headers.get("prefer", "").lower()


def wants_page(request: Request) -> bool:
    """A browser following a link or sending a form (it asks for HTML first): lead it to the
    preparation page rather than answering JSON."""
    return request.headers.get("accept", "").lower().startswith("text/html")


async def accepted(
    request: Request[Principal, Any, Any],
    kind: str,
    arguments: dict[str, Any],
    *,
    page: bool = False,
) -> Response:
    """Queue the job, wake this process's worker, and answer at once: 202 and the job's JSON,
    or (`page`, or a browser asking) a redirection to its preparation page."""
    job_id = await queue.enqueue(kind, arguments, request.user.account_id, utcnow())
    wake = request.app.state.get(WAKE_KEY)
    if wake is not None:
        wake.set()
    if page or wants_page(request):
        return Redirect(f"{PAGE_PATH}/{job_id}", status_code=303, media_type="text/plain")
    row = await queue.job_of(request.user.account_id, job_id)
    return Response(
        job_out(row),
        status_code=202,
        media_type="application/json",  # the handler's own type is the PDF's
        headers={
            "Location": f"{API_PATH}/{job_id}",
            "Cache-Control": "no-store",
            **({"Preference-Applied": "respond-async"} if prefers_async(request) else {}),
        },
    )
