"""« Mes données personnelles » in the student and guardian space: download everything held
about the student (RGPD art. 15 and 20, the archive of `loans.personal_data_archive`) and ask
the school to correct an inexact field (art. 16, `loans.corrections`), then read the answer.

As the rest of the space, the ENT identity decides (`api.pages.my_space`): a student the
identity does not see is a 404, whatever the id. One form without JavaScript: a single
choice names both whose field and which (« Mon nom », « Courriel de Claire Martin »).
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.clock import utcnow
from api.controllers.personal_data import zip_response
from api.infra.storage import storage_of
from api.pages.loan_forms import field_errors, parse_day, problem_status, text_of
from api.pages.my_space import SPACE, SPACE_HEADERS, Visitor, linked_visitor, space_page
from inventory.errors import DomainError, Invalid, NotFound
from loans import corrections, my_space
from loans.my_space import SpaceStudent
from loans.personal_data_archive import export_for_space

STUDENT_WORDS = {  # as the student says it, as a guardian says it of their child
    "last_name": ("Mon nom", "Nom de {name}"),
    "first_name": ("Mon prénom", "Prénom de {name}"),
    "birth_date": ("Ma date de naissance", "Date de naissance de {name}"),
}
GUARDIAN_WORDS = {
    "last_name": "Nom",
    "first_name": "Prénom",
    "email": "Courriel",
    "phone": "Téléphone",
}
STATE_WORDS = {"pending": "en attente", "applied": "appliquée", "refused": "refusée"}
DONE = {"rectification": "Votre demande est envoyée au lycée : sa réponse s'affichera ici."}


def _data_path(student_id: int) -> str:
    return f"{SPACE}/eleves/{student_id}/donnees"


async def _choices(visitor: Visitor, student: SpaceStudent) -> dict[str, str]:
    """`target` value -> its words: `eleve:<field>` or `representant:<id>:<field>`."""
    own = visitor.access.kind == "guardian"  # a guardian corrects their own row only
    choices = {
        f"eleve:{field}": words[own].format(name=student.first_name)
        for field, words in STUDENT_WORDS.items()
    }
    for g in await corrections.correctable_guardians(visitor.access, student.id):
        for field, word in GUARDIAN_WORDS.items():
            label = (
                f"Mon {word.lower()}" if own else f"{word} de {g['first_name']} {g['last_name']}"
            )
            choices[f"representant:{g['id']}:{field}"] = label
    return choices


async def _student(visitor: Visitor, student_id: int) -> SpaceStudent:
    return next(s for s in await my_space.students_of(visitor.access) if s.id == student_id)


async def _data_page(
    request: Request,
    visitor: Visitor,
    student_id: int,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    problem: str = "",
) -> Template:
    student = await _student(visitor, student_id)
    return space_page(
        request,
        "pages/my_space_data.html",
        visitor,
        status=status,
        student=student,
        several=len(visitor.access.student_ids) > 1,
        choices=await _choices(visitor, student),
        requests=await corrections.requests_of(visitor.access, student_id),
        field_words={**GUARDIAN_WORDS, "birth_date": "Date de naissance"},
        state_words=STATE_WORDS,
        errors=errors or {},
        values=values or {},
        problem=problem,
        done=DONE.get(request.query_params.get("fait", ""), ""),
    )


async def _seen(request: Request, student_id: int) -> Visitor | Response:
    visitor = await linked_visitor(request)
    if isinstance(visitor, Visitor) and not visitor.access.sees(student_id):
        raise NotFound("Élève introuvable.")
    return visitor


class MySpaceDataPages(Controller):
    path = SPACE + "/eleves"
    include_in_schema = False
    opt = {"exclude_from_auth": True}  # the ENT identity decides (api.pages.my_space)

    @get("/{student_id:int}/donnees")
    async def data(self, request: Request, student_id: FromPath[int]) -> Response:
        visitor = await _seen(request, student_id)
        if not isinstance(visitor, Visitor):
            return visitor
        return await _data_page(request, visitor, student_id)

    @get("/{student_id:int}/donnees.zip")
    async def download(self, request: Request, student_id: FromPath[int]) -> Response:
        visitor = await _seen(request, student_id)
        if not isinstance(visitor, Visitor):
            return visitor
        archive = await export_for_space(storage_of(request), visitor.access, utcnow(), student_id)
        return zip_response(archive, SPACE_HEADERS)

    @post("/{student_id:int}/rectification")
    async def ask(self, request: Request, student_id: FromPath[int]) -> Response:
        visitor = await _seen(request, student_id)
        if not isinstance(visitor, Visitor):
            return visitor
        form = await request.form()
        values = {
            "target": text_of(form, "target", 40),
            "value": text_of(form, "value", corrections.VALUE_MAX),
            "explanation": text_of(form, "explanation", corrections.TEXT_MAX),
        }
        choices = await _choices(visitor, await _student(visitor, student_id))
        errors: dict[str, str] = {}
        if values["target"] not in choices:
            errors["target"] = "Choisissez l'information à corriger."
        parts = values["target"].split(":")
        field, guardian_id = parts[-1], int(parts[1]) if len(parts) == 3 else None
        value = values["value"]
        if field == "birth_date" and not errors:
            day = parse_day(value, "value", errors)
            value = day.isoformat() if day else ""
        if errors:
            return await _data_page(
                request, visitor, student_id, status=422, errors=errors, values=values
            )
        try:
            await corrections.ask_correction(
                visitor.access,
                visitor.identity,
                utcnow(),
                student_id,
                guardian_id=guardian_id,
                field=field,
                value=value,
                explanation=values["explanation"],
            )
        except DomainError as refused:
            return await _data_page(
                request,
                visitor,
                student_id,
                status=problem_status(refused),
                errors=field_errors(refused) if isinstance(refused, Invalid) else {},
                problem="" if isinstance(refused, Invalid) else refused.message,
                values=values,
            )
        return Redirect(f"{_data_path(student_id)}?fait=rectification", status_code=303)


ROUTES = [MySpaceDataPages]
