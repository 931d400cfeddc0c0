"""`/eleves/{id}/representants/…`: add a guardian, correct one (an e-mail for the signing
link, the legal authority), remove one after a confirmation page. Same guard as the API's
(EDIT_STUDENTS), same use-cases (`loans.guardians`), the student's scope: another school's
student or guardian is a 404."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import utcnow
from api.controllers.students import EDIT_STUDENTS
from api.pages.rendering import page
from api.pages.student_forms import GUARDIAN_INPUTS, errors_of, guardian_fields, guardian_form
from api.pages.student_wording import LIST
from inventory.errors import DomainError, NotFound
from loans import guardians, students
from loans.views import GuardianView, StudentView


def _chosen(student: StudentView, guardian_id: int) -> GuardianView:
    for guardian in student.guardians:
        if guardian.id == guardian_id:
            return guardian
    raise NotFound(f"Représentant {guardian_id} introuvable pour cet élève.")


def _form_of(guardian: GuardianView) -> dict[str, str]:
    values = {name: getattr(guardian, name) for name in GUARDIAN_INPUTS}
    return values | {"legal_authority": "oui" if guardian.legal_authority else ""}


def _page(request, student, guardian, chosen=None, errors=None) -> Template:
    return page(
        request,
        "pages/student_guardian.html",
        status=422 if errors else 200,
        student=student,
        guardian=guardian,
        chosen=chosen,
        errors=errors or {},
    )


def _to(student_id: int, done: str) -> Redirect:
    return Redirect(f"{LIST}/{student_id}?fait={done}", status_code=303)


class GuardianPages(Controller):
    path = LIST + "/{student_id:int}/representants"
    include_in_schema = False
    guards = [EDIT_STUDENTS]

    @get("/nouveau")
    async def new_guardian(
        self, request: Request[Principal, None, None], student_id: PathId
    ) -> Template:
        student = await students.get_student(request.user.scope, student_id)
        blank = dict.fromkeys(GUARDIAN_INPUTS, "") | {"legal_authority": "oui"}
        return _page(request, student, blank)

    @post("/nouveau")
    async def add_guardian(
        self, request: Request[Principal, None, None], student_id: PathId
    ) -> Template | Redirect:
        principal = request.user
        student = await students.get_student(principal.scope, student_id)
        typed = guardian_form(await request.form(), prefix="")
        try:
            await guardians.add_guardian(
                principal.scope, principal.actor, utcnow(), student_id, guardian_fields(typed)
            )
        except DomainError as refused:
            return _page(request, student, typed, errors=errors_of(refused))
        return _to(student_id, "representant")

    @get("/{guardian_id:int}/modifier")
    async def edit_guardian(
        self, request: Request[Principal, None, None], student_id: PathId, guardian_id: PathId
    ) -> Template:
        student = await students.get_student(request.user.scope, student_id)
        chosen = _chosen(student, guardian_id)
        return _page(request, student, _form_of(chosen), chosen)

    @post("/{guardian_id:int}/modifier")
    async def update_guardian(
        self, request: Request[Principal, None, None], student_id: PathId, guardian_id: PathId
    ) -> Template | Redirect:
        principal = request.user
        student = await students.get_student(principal.scope, student_id)
        chosen = _chosen(student, guardian_id)
        typed = guardian_form(await request.form(), prefix="")
        try:
            await guardians.update_guardian(
                principal.scope,
                principal.actor,
                utcnow(),
                student_id,
                guardian_id,
                guardian_fields(typed),
            )
        except DomainError as refused:
            return _page(request, student, typed, chosen, errors_of(refused))
        return _to(student_id, "representant-modifie")

    @get("/{guardian_id:int}/retirer")
    async def confirm_removal(
        self, request: Request[Principal, None, None], student_id: PathId, guardian_id: PathId
    ) -> Template:
        student = await students.get_student(request.user.scope, student_id)
        chosen = _chosen(student, guardian_id)
        return page(request, "pages/student_guardian_remove.html", student=student, chosen=chosen)

    @post("/{guardian_id:int}/retirer")
    async def remove_guardian(
        self, request: Request[Principal, None, None], student_id: PathId, guardian_id: PathId
    ) -> Redirect:
        principal = request.user
        await guardians.remove_guardian(
            principal.scope, principal.actor, utcnow(), student_id, guardian_id
        )
        return _to(student_id, "retire")


ROUTES = [GuardianPages]
