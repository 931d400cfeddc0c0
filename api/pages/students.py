"""`/eleves`: the students of the caller's schools — find them (name, class, INE, ENT key),
enrol one with a guardian, correct them, and open their page (guardians, loans and their
documents, history). The forms that change a student live in `api.pages.student_forms`.

Reads follow the API's: every signed-in staff member, within their scope (a student of
another school is a 404). Writes take the API's guard, EDIT_STUDENTS: a head reads only.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from api.access_log import note_list
from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import today
from api.controllers.documents import document_href
from api.infra.security import may_lend
from api.pages import cursor_pages, guardian_forms, student_forms
from api.pages.loan_forms import state_label
from api.pages.rendering import page
from api.pages.student_wording import DOCUMENT_KINDS, LIST, history_lines, may_edit
from inventory import regions
from inventory.errors import Invalid
from inventory.keyset import BadCursor
from loans import documents, listing, students
from loans.student_history import student_history

PER_PAGE = 50
DEPARTURES = {"": "inscrits", "partis": "partis", "tous": "inscrits et partis"}
DONE = {
    "cree": "Élève inscrit.",
    "modifie": "Fiche de l'élève enregistrée.",
    "representant": "Représentant ajouté.",
    "representant-modifie": "Représentant modifié.",
    "retire": "Représentant retiré.",
    "depart": "Départ de l'élève enregistré.",
}


def _chosen(**raw: str | None) -> dict[str, str]:
    """The filters as typed, bounded: they come back into the form and the page links."""
    limits = {"q": 100, "classe": 20, "ine": 11, "ent": 100, "etablissement": 8, "depart": 6}
    return {name: " ".join((raw.get(name) or "").split())[:limit] for name, limit in limits.items()}


class StudentPages(Controller):
    path = LIST
    include_in_schema = False
    # "/eleves/nouveau" and the other forms are in student_forms, registered before these.

    @get("/")
    async def student_list(
        self,
        request: Request[Principal, None, None],
        q: Annotated[str | None, QueryParameter(name="q")] = None,
        classe: Annotated[str | None, QueryParameter(name="classe")] = None,
        ine: Annotated[str | None, QueryParameter(name="ine")] = None,
        ent: Annotated[str | None, QueryParameter(name="ent")] = None,
        etablissement: Annotated[str | None, QueryParameter(name="etablissement")] = None,
        depart: Annotated[str | None, QueryParameter(name="depart")] = None,
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
    ) -> Template:
        scope = request.user.scope
        position = cursor_pages.page_cursor(cursor)
        chosen = _chosen(
            q=q, classe=classe, ine=ine, ent=ent, etablissement=etablissement, depart=depart
        )
        errors: dict[str, str] = {}
        if chosen["depart"] not in DEPARTURES:
            errors["depart"] = "Choix inconnu : inscrits, partis ou tous."
        result, pages = None, None
        if not errors:
            filters = students.StudentFilters(
                establishment_uai=chosen["etablissement"] or None,
                class_name=chosen["classe"] or None,
                left={"": False, "partis": True}.get(chosen["depart"]),
                q=chosen["q"] or None,
                ent_id=chosen["ent"] or None,
                ine=chosen["ine"] or None,
            )
            try:
                result = await students.list_students(
                    scope, filters, limit=PER_PAGE, cursor=position
                )
            except BadCursor:  # the French 400 page (api/errors.py), not the form's 422
                raise
            except Invalid as error:
                errors.update(error.errors)
            else:
                note_list(request, [s.id for s in result.items], filters)
                rank = cursor_pages.rank(rank)
                pages = cursor_pages.CursorPages.of_result(result, rank, PER_PAGE, LIST, chosen)
        establishments = await regions.list_establishments(scope)
        return page(
            request,
            "pages/student_list.html",
            status=422 if errors else 200,
            chosen=chosen,
            errors=errors,
            result=result,
            pages=pages,
            departures=DEPARTURES,
            establishments=establishments,
            school_names={e.uai: e.name for e in establishments},
            may_edit=may_edit(request.user),
        )

    @get("/{student_id:int}")
    async def student_detail(
        self,
        request: Request[Principal, None, None],
        student_id: PathId,
        fait: Annotated[str | None, QueryParameter(name="fait")] = None,
    ) -> Template:
        scope = request.user.scope
        student = await students.get_student(scope, student_id)
        loans = await listing.list_loans(
            scope, listing.LoanFilters(student_id=student_id), today(), 100, 0
        )
        papers = {loan.id: await documents.list_documents(scope, loan.id) for loan in loans.items}
        return page(
            request,
            "pages/student_detail.html",
            student=student,
            loans=loans,
            papers=papers,
            document_href=document_href,
            document_kinds=DOCUMENT_KINDS,
            history=history_lines(await student_history(scope, student_id)),
            state_label=state_label,
            done=DONE.get(fait or "", ""),
            may_edit=may_edit(request.user),
            may_lend=may_lend(request.user),
            may_erase=request.user.role in {"admin", "region_manager"},  # the API's guard
        )


ROUTES = [*student_forms.ROUTES, *guardian_forms.ROUTES, StudentPages]
