"""`/eleves/import`: the student CSV import as pages, in three steps without script.

1. Choose the file. 2. The dry run's report: how many students would be created or
updated, or every error with its line, column and French message; nothing is written yet.
3. Confirming imports the very file previewed (kept on the server, `api.csv_uploads`)
and shows the result. An error at confirmation (someone enrolled one of these students in
between) shows the errors again and writes nothing: the import is all or nothing.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import URLEncodedBody
from litestar.response import Template

from api.accounts.staff import Principal
from api.clock import utcnow
from api.controllers.students import EDIT_STUDENTS
from api.csv_uploads import STUDENT_CSV
from api.pages.rendering import page
from api.pages.student_wording import LIST
from inventory.errors import DomainError, Invalid, NotFound
from loans.student_import import COLUMNS, import_students
from loans.views import StudentImportReport

TEMPLATE = "pages/student_import.html"
SHOWN_ERRORS = 200  # a whole file of wrong dates: the first ones say what to fix


class ConfirmForm(msgspec.Struct):
    token: str = ""


def _var_dir(request: Request):
    return request.app.state["settings"].var_dir


def _page(
    request: Request,
    *,
    step: str,
    report: StudentImportReport | None = None,
    status: int = 200,
    **context,
) -> Template:
    defaults = {"token": "", "name": "", "errors": {}}
    return page(
        request,
        TEMPLATE,
        status=status,
        step=step,
        report=report,
        shown=report.errors[:SHOWN_ERRORS] if report else [],
        columns=COLUMNS[:7],
        field=STUDENT_CSV.field,
        max_megabytes=STUDENT_CSV.max_bytes >> 20,
        **(defaults | context),
    )


class StudentImportPages(Controller):
    path = f"{LIST}/import"
    include_in_schema = False
    guards = [EDIT_STUDENTS]

    @get("/")
    async def form(self, request: Request[Principal, None, None]) -> Template:
        return _page(request, step="choose")

    @post("/", request_max_body_size=STUDENT_CSV.body_limit, status_code=200)
    async def preview(self, request: Request[Principal, None, None]) -> Template:
        principal, var_dir = request.user, _var_dir(request)
        try:
            token, name = await STUDENT_CSV.keep(request, var_dir, principal.account_id)
        except Invalid as refused:
            return _page(request, step="choose", status=422, errors=refused.errors)
        data, _ = STUDENT_CSV.kept(var_dir, token, principal.account_id)
        report = await import_students(principal.scope, principal.actor, utcnow(), data)
        if report.errors:
            STUDENT_CSV.forget(var_dir, token)  # nothing to confirm: the file must be corrected
            return _page(request, step="preview", report=report, status=422, name=name)
        return _page(request, step="preview", report=report, token=token, name=name)

    @post("/confirmer", status_code=200)
    async def confirm(
        self, request: Request[Principal, None, None], data: URLEncodedBody[ConfirmForm]
    ) -> Template:
        principal, var_dir = request.user, _var_dir(request)
        try:
            content, name = STUDENT_CSV.kept(var_dir, data.token, principal.account_id)
        except NotFound as gone:
            return _page(
                request, step="choose", status=404, errors={STUDENT_CSV.field: gone.message}
            )
        try:
            report = await import_students(
                principal.scope, principal.actor, utcnow(), content, dry_run=False
            )
        except DomainError as refused:  # a concurrent write: the file is kept, try again
            return _page(
                request,
                step="choose",
                status=refused.status,
                errors={STUDENT_CSV.field: refused.message},
                name=name,
            )
        STUDENT_CSV.forget(var_dir, data.token)
        if report.errors:
            return _page(request, step="preview", report=report, status=422, name=name)
        return _page(request, step="done", report=report, name=name)


ROUTES = [StudentImportPages]
