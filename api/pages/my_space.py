"""`/mon-espace`: the space of students and guardians signed in through their ENT.

The ENT sign-in (api/ent/) leaves the identity in the session (`SESSION_ENT_KEY`) and sends
the browser here. These pages have no staff account: they are excluded from the staff
authentication and read the identity themselves; what they show comes from the students the
identity may see (`loans.ent_linking.access_for`), never from a staff scope. A session
without an identity goes to the sign-in page; an account linked to nobody (yet) gets a
French page that shows nothing. Phone first; everything works without JavaScript but the
signature canvas (whose page says how to sign on paper instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.clock import today, utcnow
from api.controllers.agreements import pdf_response
from api.controllers.documents import document_response
from api.infra.storage import storage_of
from api.pages.found import FOUND_HEADERS
from api.pages.loan_forms import state_label
from api.pages.rendering import LOGIN_PATH
from api.pages.signing_panel import method_name, role_name
from inventory.errors import NotFound
from loans import my_space
from loans.ent_identity import SESSION_ENT_KEY, SESSION_METHOD_KEY, EntIdentity
from loans.ent_linking import LINKED, PENDING, SpaceAccess, access_for

SPACE = "/mon-espace"
# The space shows a minor's loans: not indexed, not cached, no referrer to other sites.
SPACE_HEADERS = FOUND_HEADERS
KIND_WORDS = {"student": "élève", "guardian": "représentant légal"}
DECLARATION_WORDS = {"loss": "perte", "theft": "vol"}


@dataclass(frozen=True)
class Visitor:
    identity: EntIdentity
    access: SpaceAccess


async def visitor_of(request: Request) -> Visitor | None:
    """The ENT identity of the session and what it may see; None without one (or with one
    that cannot be read: the session is then treated as signed out)."""
    data = request.session.get(SESSION_ENT_KEY) if request.session else None
    if not isinstance(data, dict):
        return None
    try:
        identity = EntIdentity.from_session(data)
    except (KeyError, TypeError, ValueError):
        return None
    return Visitor(identity, await access_for(identity, utcnow()))


def space_page(
    request: Request, template: str, visitor: Visitor | None, *, status: int = 200, **context: Any
) -> Template:
    who = visitor.identity if visitor else None
    return Template(
        template_name=template,
        context={
            "principal": None,
            "ent": who,
            "ent_name": f"{who.first_name} {who.last_name}".strip() if who else "",
            "ent_kind": KIND_WORDS.get(who.kind, "") if who else "",
            "current_path": request.url.path,
            "state_label": state_label,
            "signer_role": role_name,
            "method_name": method_name,
            "declaration_word": DECLARATION_WORDS,
            **context,
        },
        status_code=status,
        headers=SPACE_HEADERS,
    )


def unlinked_page(request: Request, visitor: Visitor) -> Template:
    """Nothing of anyone: why, and whom to ask."""
    status = 200 if visitor.access.status == PENDING else 403
    return space_page(
        request, "pages/my_space_unlinked.html", visitor, status=status, access=visitor.access
    )


async def linked_visitor(request: Request) -> Visitor | Response:
    """The visitor whose identity is linked, else the response to give instead."""
    visitor = await visitor_of(request)
    if visitor is None:
        return Redirect(LOGIN_PATH, status_code=303)
    if visitor.access.status != LINKED:
        return unlinked_page(request, visitor)
    return visitor


class MySpacePages(Controller):
    path = SPACE
    include_in_schema = False
    opt = {"exclude_from_auth": True}  # no staff account here: the ENT identity decides

    @get("/")
    async def home(self, request: Request) -> Response:
        visitor = await linked_visitor(request)
        if not isinstance(visitor, Visitor):
            return visitor
        children = await my_space.students_of(visitor.access)
        if len(children) == 1:
            return await _student_page(request, visitor, children[0].id)
        return space_page(request, "pages/my_space_children.html", visitor, children=children)

    @get("/eleves/{student_id:int}")
    async def student(self, request: Request, student_id: FromPath[int]) -> Response:
        visitor = await linked_visitor(request)
        if not isinstance(visitor, Visitor):
            return visitor
        if not visitor.access.sees(student_id):
            raise NotFound("Élève introuvable.")
        return await _student_page(request, visitor, student_id)

    @get("/prets/{loan_id:int}")
    async def loan(self, request: Request, loan_id: FromPath[int]) -> Response:
        visitor = await linked_visitor(request)
        if not isinstance(visitor, Visitor):
            return visitor
        loan = await my_space.space_loan(visitor.access, loan_id, today())
        student = next(
            s for s in await my_space.students_of(visitor.access) if s.id == loan.student_id
        )
        return space_page(
            request,
            "pages/my_space_loan.html",
            visitor,
            loan=loan,
            student=student,
            several=len(visitor.access.student_ids) > 1,
            done=request.query_params.get("fait", "")[:20],
        )

    @get("/documents/{document_id:int}")
    async def document(self, request: Request, document_id: FromPath[int]) -> Response:
        visitor = await linked_visitor(request)
        if not isinstance(visitor, Visitor):
            return visitor
        view, content = await my_space.space_document(
            storage_of(request), visitor.access, document_id
        )
        return document_response(view, content, {"Referrer-Policy": "no-referrer"})

    @get("/prets/{loan_id:int}/convention.pdf")
    async def agreement(self, request: Request, loan_id: FromPath[int]) -> Response:
        visitor = await linked_visitor(request)
        if not isinstance(visitor, Visitor):
            return visitor
        version, content = await my_space.agreement_pdf(
            storage_of(request), visitor.access, loan_id, today()
        )
        response = pdf_response(loan_id, version, content)
        response.headers.update({"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})
        return response

    @post("/deconnexion")
    async def sign_out(self, request: Request) -> Redirect:
        # Open to any session: signing out of an expired one must still work.
        request.clear_session()
        return Redirect(f"{SPACE}/au-revoir", status_code=303)

    @get("/au-revoir")
    async def signed_out(self, request: Request) -> Template:
        return space_page(request, "pages/my_space_signed_out.html", None)


async def _student_page(request: Request, visitor: Visitor, student_id: int) -> Template:
    children = await my_space.students_of(visitor.access)
    student = next(s for s in children if s.id == student_id)
    loans = await my_space.loans_of(visitor.access, student_id, today())
    return space_page(
        request,
        "pages/my_space.html",
        visitor,
        student=student,
        loans=loans,
        several=len(children) > 1,
        method=request.session.get(SESSION_METHOD_KEY, ""),
    )


ROUTES = [MySpacePages]
