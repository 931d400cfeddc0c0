"""`/demandes-eleves`: what students and guardians asked of the school from their space, for
staff to decide: ENT accounts to link (matched by names and birth date, never linked without
staff) and losses or thefts declared (confirming ends the loan as at the desk). Staff see
the requests of their schools only."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import utcnow
from api.controllers.student_requests import LINK_STAFF
from api.infra.security import LOAN_DESK, may_lend
from api.pages.loan_forms import text_of
from api.pages.rendering import page
from inventory.errors import DomainError
from loans import ent_linking, loss_declarations

REQUESTS = "/demandes-eleves"
DONE = {
    "liaison-confirmee": "Compte ENT lié : l'élève voit maintenant ses prêts.",
    "liaison-rejetee": "Proposition rejetée : rien n'a été lié.",
    "declaration-confirmee": "Déclaration confirmée : le prêt est clos.",
    "declaration-rejetee": "Déclaration rejetée : le prêt ne change pas.",
}
KIND_WORDS = {"loss": "Perte", "theft": "Vol"}


async def _requests_page(
    request: Request[Principal, None, None], *, status: int = 200, problem: str = ""
) -> Template:
    principal = request.user
    declarations = (
        await loss_declarations.list_declarations(principal.scope) if may_lend(principal) else []
    )
    return page(
        request,
        "pages/student_requests.html",
        status=status,
        proposals=await ent_linking.list_proposals(principal.scope),
        declarations=declarations,
        may_lend=may_lend(principal),
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
    async def requests(self, request: Request[Principal, None, None]) -> Template:
        return await _requests_page(request)

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


ROUTES = [StudentRequestPages]
