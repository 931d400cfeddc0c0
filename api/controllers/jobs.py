"""Documents prepared by the job queue (api.jobs): how far they got, then their file.

Visible only to the account that asked for them (404 for anyone else), for a day."""

from __future__ import annotations

from litestar import Controller, Request, Response, get

from api.accounts.staff import Principal
from api.bodies import PathId
from api.infra.storage import storage_of
from api.jobs import queue
from api.jobs.answers import API_PATH, JobOut, job_out
from inventory.errors import Conflict


async def job_file(request: Request[Principal, None, None], job_id: int) -> Response:
    """The finished file; 409 while it is being prepared or when it failed (its error)."""
    row = await queue.job_of(request.user.account_id, job_id)
    if row["state"] == queue.FAILED:
        raise Conflict(row["error"])
    if row["state"] != queue.DONE:
        raise Conflict("Le document est encore en préparation : réessayez dans un instant.")
    content = await storage_of(request).get(row["result_sha256"])
    return Response(
        content,
        media_type=row["media_type"],
        headers={
            "Content-Disposition": f'attachment; filename="{row["file_name"]}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


class JobController(Controller):
    path = API_PATH
    tags = ["documents"]

    @get("/{job_id:int}", summary="Un document en préparation : état, avancement, fichier")
    async def get_job(self, request: Request[Principal, None, None], job_id: PathId) -> JobOut:
        return job_out(await queue.job_of(request.user.account_id, job_id))

    @get(
        "/{job_id:int}/file",
        summary="Le fichier d'un document préparé",
        media_type="application/pdf",
    )
    async def get_file(self, request: Request[Principal, None, None], job_id: PathId) -> Response:
        return await job_file(request, job_id)


ROUTES = [JobController]
