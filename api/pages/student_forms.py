"""The forms that change a student: enrol (with a first guardian), correct, record the
departure (the guardians' own forms: `api.pages.guardian_forms`). Plain forms; a refused one
comes back with what was typed and the French message next to its field. All go through the
same use-cases as the API (`loans.students`), so the checks, the scope and the history are
the same; the guard is the API's (EDIT_STUDENTS: a head of school reads only, 403)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import today, utcnow
from api.controllers.students import EDIT_STUDENTS
from api.pages.loan_forms import field_errors, parse_day, text_of
from api.pages.rendering import page
from api.pages.student_wording import LIST
from inventory import regions
from inventory.errors import DomainError
from loans import students
from loans.borrower_loans import open_loans_of
from loans.views import StudentView

STUDENT_INPUTS = {
    "establishment_uai": 8,
    "last_name": 100,
    "first_name": 100,
    "birth_date": 10,
    "class_name": 20,
    "ine": 20,
    "ent_id": 100,
}
GUARDIAN_INPUTS = {"last_name": 100, "first_name": 100, "email": 254, "phone": 40}
GUARDIAN_PREFIX = "guardian_"


def _student_form(data) -> dict[str, str]:
    return {name: text_of(data, name, limit) for name, limit in STUDENT_INPUTS.items()}


def guardian_form(data, prefix: str = GUARDIAN_PREFIX) -> dict[str, str]:
    form = {name: text_of(data, prefix + name, limit) for name, limit in GUARDIAN_INPUTS.items()}
    form["legal_authority"] = "oui" if data.get(prefix + "legal_authority") else ""
    return form


def guardian_fields(form: dict[str, str]) -> dict:
    return {
        **{name: form[name] for name in GUARDIAN_INPUTS},
        "legal_authority": bool(form["legal_authority"]),
    }


def _student_fields(form: dict[str, str], errors: dict[str, str]) -> dict:
    fields: dict = {name: form[name] for name in STUDENT_INPUTS if name != "birth_date"}
    fields["birth_date"] = parse_day(form["birth_date"], "birth_date", errors)
    return fields


def _form_of(student: StudentView) -> dict[str, str]:
    return {
        "establishment_uai": student.establishment.uai,
        "last_name": student.last_name,
        "first_name": student.first_name,
        "birth_date": student.birth_date.isoformat(),
        "class_name": student.class_name,
        "ine": student.ine or "",
        "ent_id": student.ent_id or "",
    }


def errors_of(refused: DomainError) -> dict[str, str]:
    """Field messages as sentences; a message without a field goes at the top of the form."""
    return field_errors(refused) or {"form": refused.message}


async def _form_page(
    request: Request[Principal, None, None],
    form: dict[str, str],
    guardian: dict[str, str] | None,
    *,
    student: StudentView | None = None,
    errors: dict[str, str] | None = None,
) -> Template:
    return page(
        request,
        "pages/student_form.html",
        status=422 if errors else 200,
        form=form,
        guardian=guardian,
        student=student,
        errors=errors or {},
        establishments=await regions.list_establishments(request.user.scope),
        today=today(),
    )


def _to(student_id: int, done: str) -> Redirect:
    return Redirect(f"{LIST}/{student_id}?fait={done}", status_code=303)


class StudentFormPages(Controller):
    path = LIST
    include_in_schema = False
    guards = [EDIT_STUDENTS]

    @get("/nouveau")
    async def new_student(self, request: Request[Principal, None, None]) -> Template:
        establishments = await regions.list_establishments(request.user.scope)
        form = dict.fromkeys(STUDENT_INPUTS, "")
        if len(establishments) == 1:
            form["establishment_uai"] = establishments[0].uai
        guardian = dict.fromkeys(GUARDIAN_INPUTS, "") | {"legal_authority": "oui"}
        return await _form_page(request, form, guardian)

    @post("/nouveau")
    async def create_student(self, request: Request[Principal, None, None]) -> Template | Redirect:
        data = await request.form()
        form, guardian = _student_form(data), guardian_form(data)
        errors: dict[str, str] = {}
        fields = _student_fields(form, errors)
        # A guardian is added when any of its fields is filled; the domain checks the rest.
        if any(guardian[name] for name in GUARDIAN_INPUTS):
            fields["guardians"] = [guardian_fields(guardian)]
        if errors:
            return await _form_page(request, form, guardian, errors=errors)
        principal = request.user
        try:
            created = await students.create_student(
                principal.scope, principal.actor, utcnow(), fields
            )
        except DomainError as refused:
            named = {
                name.replace("guardians[0].", GUARDIAN_PREFIX): message
                for name, message in errors_of(refused).items()
            }
            return await _form_page(request, form, guardian, errors=named)
        return _to(created.id, "cree")

    @get("/{student_id:int}/modifier")
    async def edit_student(
        self, request: Request[Principal, None, None], student_id: PathId
    ) -> Template:
        student = await students.get_student(request.user.scope, student_id)
        return await _form_page(request, _form_of(student), None, student=student)

    @post("/{student_id:int}/modifier")
    async def update_student(
        self, request: Request[Principal, None, None], student_id: PathId
    ) -> Template | Redirect:
        principal = request.user
        student = await students.get_student(principal.scope, student_id)
        form = _student_form(await request.form())
        errors: dict[str, str] = {}
        fields = _student_fields(form, errors)
        if errors:
            return await _form_page(request, form, None, student=student, errors=errors)
        try:
            await students.update_student(
                principal.scope, principal.actor, utcnow(), student_id, fields
            )
        except DomainError as refused:
            return await _form_page(request, form, None, student=student, errors=errors_of(refused))
        return _to(student_id, "modifie")

    # Departure ------------------------------------------------------------------------------

    async def _left_page(
        self, request, student, left_on: str, errors=None, status: int = 422
    ) -> Template:
        held = (await open_loans_of([student.id])).get(student.id, [])
        return page(
            request,
            "pages/student_left.html",
            status=status if errors else 200,
            student=student,
            left_on=left_on,
            active=[loan for loan in held if loan.state == "active"],
            pending=[loan for loan in held if loan.state != "active"],
            errors=errors or {},
            today=today(),
        )

    @get("/{student_id:int}/depart")
    async def departure(
        self, request: Request[Principal, None, None], student_id: PathId
    ) -> Template:
        student = await students.get_student(request.user.scope, student_id)
        return await self._left_page(request, student, today().isoformat())

    @post("/{student_id:int}/depart")
    async def mark_left(
        self, request: Request[Principal, None, None], student_id: PathId
    ) -> Template | Redirect:
        principal = request.user
        student = await students.get_student(principal.scope, student_id)
        typed = text_of(await request.form(), "left_on", 10)
        errors: dict[str, str] = {}
        left_on = parse_day(typed, "left_on", errors)
        if left_on is None:
            return await self._left_page(request, student, typed, errors)
        try:
            await students.mark_left(
                principal.scope, principal.actor, utcnow(), student_id, left_on
            )
        except DomainError as refused:
            return await self._left_page(
                request, student, typed, errors_of(refused), status=refused.status
            )
        return _to(student_id, "depart")


ROUTES = [StudentFormPages]
