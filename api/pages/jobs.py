"""`/preparation/{id}`: a document being prepared by the job queue (api.jobs), its progress,
then its download link. Only for the account that asked for it (404 otherwise).

No `<meta http-equiv=refresh>`: a timed refresh fails WCAG 2.2.1 (axe's meta-refresh rule).
`static/job.js` asks `/api/v1/jobs/{id}` every 2 s and updates the bar, then reloads the page
once the document is ready or failed; without JavaScript, a link refreshes the page.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get

from api.accounts.staff import Principal
from api.bodies import PathId
from api.jobs import queue
from api.jobs.answers import API_PATH, PAGE_PATH, job_out
from api.jobs.kinds import TITLES
from api.pages.rendering import page


class JobPages(Controller):
    path = PAGE_PATH
    include_in_schema = False

    @get("/{job_id:int}")
    async def job_page(self, request: Request[Principal, None, None], job_id: PathId) -> Response:
        job = job_out(await queue.job_of(request.user.account_id, job_id))
        return page(
            request,
            "pages/job.html",
            job=job,
            title=TITLES.get(job.kind, "Document"),
            pending=job.state in (queue.QUEUED, queue.RUNNING),
            status_url=f"{API_PATH}/{job.id}",
        )


ROUTES = [JobPages]
