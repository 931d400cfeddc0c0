"""What a student or guardian does from their space: sign the convention that awaits their
signature, and declare a loss or a theft (a request the school confirms).

Signing is the remote signing of the agreements capability (the same read-tick-draw form as
`/signer/{token}`), with the ENT session as the authority instead of a mailed token: the
signature records the signer's ENT key and how the session was opened. The convention is
sealed, as after any signature, once it is complete.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.clock import today, utcnow
from api.controllers.agreements import client_of
from api.infra.storage import storage_of
from api.pages.loan_forms import field_errors, parse_day, problem_status, text_of
from api.pages.my_space import SPACE, Visitor, linked_visitor, space_page
from api.pages.signing import int_of, placed_errors, signature_form
from api.sealed_agreements import seal_after_signature
from inventory.errors import Conflict, DomainError, Invalid
from inventory.scope import SYSTEM
from loans import loss_declarations, my_space
from loans.my_space import SpaceLoan
from loans.space_signing import sign_in_space

KINDS = {"perte": "loss", "vol": "theft"}


def _to_loan(loan_id: int, done: str) -> Redirect:
    return Redirect(f"{SPACE}/prets/{loan_id}?fait={done}", status_code=303)


async def _sign_page(
    request: Request,
    visitor: Visitor,
    loan: SpaceLoan,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
) -> Template | Redirect:
    if not loan.to_sign:
        return _to_loan(loan.id, "")
    me = my_space.signer_key(visitor.access, loan.student_id)
    signer = next(s for s in loan.signers if (s.role, s.guardian_id) == me)
    return space_page(
        request,
        "pages/my_space_sign.html",
        visitor,
        status=status,
        loan=loan,
        signer=signer,
        errors=errors or {},
        summary={
            "device": loan.device,
            "tag": loan.asset_tag,
            "accessories": loan.accessories,
            "due_on": loan.due_on,
            "school": loan.school_name,
            "parties": loan.signers,
        },
    )


async def _declare_page(
    request: Request,
    visitor: Visitor,
    loan: SpaceLoan,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    problem: str = "",
) -> Template:
    return space_page(
        request,
        "pages/my_space_declare.html",
        visitor,
        status=status,
        loan=loan,
        errors=errors or {},
        values=values or {},
        problem=problem,
        today=today(),
    )


class MySpaceActions(Controller):
    path = SPACE + "/prets"
    include_in_schema = False
    opt = {"exclude_from_auth": True}  # the ENT identity decides (api.pages.my_space)

    @get("/{loan_id:int}/signer")
    async def sign_form(self, request: Request, loan_id: FromPath[int]) -> Response:
        visitor = await linked_visitor(request)
        if not isinstance(visitor, Visitor):
            return visitor
        loan = await my_space.space_loan(visitor.access, loan_id, today())
        return await _sign_page(request, visitor, loan)

    @post("/{loan_id:int}/signer")
    async def sign(self, request: Request, loan_id: FromPath[int]) -> Response:
        visitor = await linked_visitor(request)
        if not isinstance(visitor, Visitor):
            return visitor
        loan = await my_space.space_loan(visitor.access, loan_id, today())
        form = await request.form()
        errors, image = signature_form(form)
        version = int_of(form, "version")
        if version is None:
            errors["convention"] = "La version de la convention lue manque : rechargez la page."
        if errors:
            return await _sign_page(request, visitor, loan, status=422, errors=errors)
        address, agent = client_of(request)
        try:
            status = await sign_in_space(
                storage_of(request),
                visitor.access,
                visitor.identity,
                utcnow(),
                loan_id,
                version=version or 0,
                sha256=text_of(form, "sha256", 64),
                image_png=image or b"",
                client_address=address,
                user_agent=agent,
            )
        except DomainError as refused:
            loan = await my_space.space_loan(visitor.access, loan_id, today())
            if not loan.to_sign:
                return _to_loan(loan_id, "")
            return await _sign_page(
                request, visitor, loan, status=refused.status, errors=placed_errors(refused)
            )
        if status.complete:
            # The last signature: the system seals the convention of the loan it names.
            await seal_after_signature(request, loan.scope, SYSTEM, loan_id, utcnow())
        return _to_loan(loan_id, "signee")

    @get("/{loan_id:int}/declaration")
    async def declare_form(self, request: Request, loan_id: FromPath[int]) -> Response:
        visitor = await linked_visitor(request)
        if not isinstance(visitor, Visitor):
            return visitor
        loan = await my_space.space_loan(visitor.access, loan_id, today())
        if loan.state != "active" or loan.declaration:
            return _to_loan(loan_id, "")
        return await _declare_page(request, visitor, loan)

    @post("/{loan_id:int}/declaration")
    async def declare(self, request: Request, loan_id: FromPath[int]) -> Response:
        visitor = await linked_visitor(request)
        if not isinstance(visitor, Visitor):
            return visitor
        loan = await my_space.space_loan(visitor.access, loan_id, today())
        form = await request.form()
        values = {
            name: text_of(form, name, limit)
            for name, limit in (
                ("kind", 10),
                ("incident_on", 20),
                ("circumstances", loss_declarations.CIRCUMSTANCES_MAX),
                ("police_report_ref", 60),
                ("police_report_on", 20),
            )
        }
        errors: dict[str, str] = {}
        kind = KINDS.get(values["kind"], "")
        if not kind:
            errors["kind"] = "Choisissez : perte ou vol."
        incident_on = parse_day(values["incident_on"], "incident_on", errors)
        police_report_on = parse_day(
            values["police_report_on"], "police_report_on", errors, required=False
        )
        try:  # every problem at once: the domain's rules on what could be read
            loss_declarations.check_declaration(
                utcnow(),
                kind,
                incident_on,
                values["circumstances"],
                values["police_report_ref"],
                police_report_on,
            )
        except Invalid as invalid:
            errors = {**field_errors(invalid), **errors}
        if errors:
            return await _declare_page(
                request, visitor, loan, status=422, errors=errors, values=values
            )
        try:
            await loss_declarations.declare(
                visitor.access,
                visitor.identity,
                utcnow(),
                loan_id,
                kind=kind,
                incident_on=incident_on,
                circumstances=values["circumstances"],
                police_report_ref=values["police_report_ref"],
                police_report_on=police_report_on,
            )
        except DomainError as refused:
            return await _declare_page(
                request,
                visitor,
                loan,
                status=problem_status(refused),
                errors={} if isinstance(refused, Conflict) else field_errors(refused),
                problem=refused.message if isinstance(refused, Conflict) else "",
                values=values,
            )
        return _to_loan(loan_id, "declaree")


ROUTES = [MySpaceActions]
