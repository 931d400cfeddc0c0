"""`/demandes-eleves`: what students and guardians asked of the school from their space, for
staff to decide: ENT accounts to link (matched by names and birth date, never linked without
staff), losses or thefts declared (confirming ends the loan as at the desk) and corrections
of a record (applied through the student edit, or refused with the reason the requester
reads). Staff see the requests of their schools only."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.access_log import note_list
from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import utcnow
from api.controllers.student_requests import LINK_STAFF
from api.controllers.students import EDIT_STUDENTS
from api.infra.security import LOAN_DESK, may_lend
from api.pages import cursor_pages
from api.pages.loan_forms import field_errors, parse_day, text_of
from api.pages.rendering import page
from api.pages.student_wording import FIELDS, may_edit
from inventory.errors import DomainError, Invalid
from loans import corrections, ent_linking, loss_declarations

REQUESTS = "/demandes-eleves"
PER_PAGE = 50  # requests of each kind shown at once, oldest first
DONE = {
    "liaison-confirmee": "Compte ENT lié : l'élève voit maintenant ses prêts.",
    "liaison-rejetee": "Proposition rejetée : rien n'a été lié.",
    "declaration-confirmee": "Déclaration confirmée : le prêt est clos.",
    "declaration-rejetee": "Déclaration rejetée : le prêt ne change pas.",
    "rectification-appliquee": "Rectification appliquée : la fiche est corrigée.",
    "rectification-refusee": "Rectification refusée : le demandeur voit la raison.",
}
KIND_WORDS = {"loss": "Perte", "theft": "Vol"}


async def _requests_page(
    request: Request[Principal, None, None],
    *,
    status: int = 200,
    problem: str = "",
    shown: str = "",
    cursor: str | None = None,
    rank: int = 1,
) -> Template:
    """Two lists, each paged by cursor on its own: the one named by `liste` is at `cursor`."""
    principal = request.user
    lists = {"liaisons": ent_linking.proposal_page}
    if may_lend(principal):
        lists["declarations"] = loss_declarations.declaration_page
    lists["rectifications"] = corrections.correction_page
    pages: dict = {}
    for name, read in lists.items():
        at = cursor if shown == name else None
        try:
            found = await read(principal.scope, limit=PER_PAGE, cursor=at)
        except Invalid:
            status, problem = 400, cursor_pages.CURSOR_ERROR
            found = await read(principal.scope, limit=PER_PAGE)
        pages[name] = (
            found,
            cursor_pages.CursorPages.of(
                found,
                first_rank=rank if at else 1,
                total=found.total,
                total_exact=found.total_exact,
                path=REQUESTS,
                query={"liste": name},
                per_page=PER_PAGE,
                fragment=f"#{name}",
            ),
        )
    empty = (None, None)
    for name, (found, _) in pages.items():
        note_list(request, [item.student_id for item in found.items], {"requests": name})
    return page(
        request,
        "pages/student_requests.html",
        status=status,
        proposals=pages["liaisons"][0].items,
        proposal_pages=pages["liaisons"][1],
        declarations=pages["declarations"][0].items if "declarations" in pages else [],
        declaration_pages=pages.get("declarations", empty)[1],
        may_lend=may_lend(principal),
        corrections=pages["rectifications"][0].items,
        correction_pages=pages["rectifications"][1],
        may_edit=may_edit(principal),
        field_words=FIELDS,
        done=DONE.get(request.query_params.get("fait", ""), ""),
        problem=problem,
        kind_words=KIND_WORDS,
    )


def _done(what: str) -> Redirect:
    return Redirect(f"{REQUESTS}?fait={what}", status_code=303)


class StudentRequestPages(Controller):
    path = REQUESTS
    include_in_schema = False
    guards = [LINK_STAFF]

    @get("/")
    async def requests(
        self,
        request: Request[Principal, None, None],
        liste: Annotated[str, QueryParameter(max_length=20)] = "",
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
    ) -> Template:
        return await _requests_page(
            request, shown=liste, cursor=cursor, rank=cursor_pages.rank(rank)
        )

    @post("/liaisons/{proposal_id:int}/{decision:str}")
    async def decide_link(
        self, request: Request[Principal, None, None], proposal_id: PathId, decision: FromPath[str]
    ) -> Template | Redirect:
        principal = request.user
        use_case = {
            "confirmer": ent_linking.confirm_proposal,
            "rejeter": ent_linking.reject_proposal,
        }.get(decision)
        if use_case is None:
            return await _requests_page(request, status=404, problem="Décision inconnue.")
        try:
            await use_case(principal.scope, principal.actor, utcnow(), proposal_id)
        except DomainError as refused:
            return await _requests_page(request, status=refused.status, problem=refused.message)
        return _done("liaison-confirmee" if decision == "confirmer" else "liaison-rejetee")

    @post("/declarations/{declaration_id:int}/{decision:str}", guards=[LOAN_DESK])
    async def decide_declaration(
        self,
        request: Request[Principal, None, None],
        declaration_id: PathId,
        decision: FromPath[str],
    ) -> Template | Redirect:
        principal, now = request.user, utcnow()
        try:
            if decision == "confirmer":
                await loss_declarations.confirm_declaration(
                    principal.scope, principal.actor, now, declaration_id
                )
            elif decision == "rejeter":
                note = text_of(await request.form(), "note", loss_declarations.CIRCUMSTANCES_MAX)
                await loss_declarations.reject_declaration(
                    principal.scope, principal.actor, now, declaration_id, note
                )
            else:
                return await _requests_page(request, status=404, problem="Décision inconnue.")
        except DomainError as refused:
            return await _requests_page(request, status=refused.status, problem=refused.message)
        return _done("declaration-confirmee" if decision == "confirmer" else "declaration-rejetee")

    @post("/rectifications/{request_id:int}/{decision:str}", guards=[EDIT_STUDENTS])
    async def decide_correction(
        self, request: Request[Principal, None, None], request_id: PathId, decision: FromPath[str]
    ) -> Template | Redirect:
        principal, now = request.user, utcnow()
        form = await request.form()
        try:
            if decision == "appliquer":
                found = await corrections.get_correction(principal.scope, request_id)
                value = text_of(form, "value", corrections.VALUE_MAX)
                if found.field == "birth_date":  # a date input, or JJ/MM/AAAA typed
                    errors: dict[str, str] = {}
                    day = parse_day(value, "value", errors)
                    if day is None:
                        raise Invalid({"value": "date attendue (JJ/MM/AAAA)"})
                    value = day.isoformat()
                await corrections.apply_correction(
                    principal.scope, principal.actor, now, request_id, value
                )
            elif decision == "refuser":
                note = text_of(form, "note", corrections.TEXT_MAX)
                await corrections.refuse_correction(
                    principal.scope, principal.actor, now, request_id, note
                )
            else:
                return await _requests_page(request, status=404, problem="Décision inconnue.")
        except DomainError as refused:
            problem = " ".join(field_errors(refused).values()) or refused.message
            return await _requests_page(request, status=refused.status, problem=problem)
        done = "rectification-appliquee" if decision == "appliquer" else "rectification-refusee"
        return _done(done)


ROUTES = [StudentRequestPages]
