"""Signing a loan's convention from the desk: in person on a tablet or a phone, one signer after
another (`/prets/{id}/signature`), a remote link mailed to the student or a guardian, and the
signed paper convention dropped as a scan.

In person: the signer reads the convention (the PDF, and a short summary), ticks « J'ai lu la
convention », draws their signature on the canvas (`static/signature.js`; its PNG data URL
comes in a hidden field) and validates; the next signer is offered until every signature is
there, then the hand-over. Without JavaScript the page says to sign on paper and upload the
scan instead. The loan is looked up in the caller's scope first (another school's, another
region's: 404), then the role is checked (403): the head signs for the school only, IT staff
never for the school.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import today, utcnow
from api.controllers.agreements import client_of, decoded
from api.infra.mailer import SmtpMailer
from api.infra.security import DESK_ROLES, LOAN_DESK
from api.infra.storage import storage_of
from api.pages.loan_forms import LIST, field_errors, school_name, state_label, text_of
from api.pages.rendering import page
from api.pages.signing_panel import (
    HEAD_DELEGATION,
    SIGN_ROLES,
    SIGNING_STATES,
    may_sign_for,
    method_name,
    role_name,
    signer_key,
    signing_panel,
)
from api.sealed_agreements import seal_after_signature
from inventory.errors import DomainError, Invalid, NotFound
from loans import agreements, desk, signing_links
from loans.agreement_records import SignerStatus
from loans.agreements import MAX_SCAN, AgreementStatus, SignatureIn, media_type_of
from loans.loan_views import LoanView
from loans.records import get_loan

SIGNATURE_FIELD = "signature"
# A drawn signature as a data URL: the domain keeps 512 KB of PNG at most, base64 adds a third.
MAX_DATA_URL = 800_000
# Where each domain error goes on the page.
ERROR_FIELDS = {"version": "convention", "sha256": "convention", "image_png": SIGNATURE_FIELD}


@dataclass
class Summary:
    """What the convention says, in a few lines, for whoever signs it."""

    device: str
    tag: str
    accessories: list[str]
    due_on: Any
    school: str
    parties: list[SignerStatus]


async def summary_of(scope, loan: LoanView, status: AgreementStatus, school: str) -> Summary:
    device, accessories, due_on = loan.category, loan.accessories_given, loan.due_on
    try:
        plan = await desk.hand_over_plan(scope, loan.id, utcnow())
        device = f"{plan.asset.model.manufacturer} {plan.asset.model.name}"
        accessories = accessories or plan.planned
        due_on = due_on or plan.due_on
    except NotFound:  # the device has left the caller's scope since
        pass
    return Summary(device, loan.asset_tag, accessories, due_on, school, status.signers)


def signature_form(form) -> tuple[dict[str, str], bytes | None]:
    """« J'ai lu » ticked and a drawing given; the drawing's bytes, else the errors."""
    errors: dict[str, str] = {}
    if form.get("lu") != "oui":
        errors["lu"] = "Cochez « J'ai lu la convention » avant de signer."
    drawn = form.get(SIGNATURE_FIELD)
    image = None
    if not isinstance(drawn, str) or not drawn.strip():
        errors[SIGNATURE_FIELD] = "Signez dans le cadre avant de valider (le dessin est vide)."
    elif len(drawn) > MAX_DATA_URL:
        errors[SIGNATURE_FIELD] = "Le dessin est trop lourd : effacez-le et signez de nouveau."
    else:
        try:
            image = decoded(drawn.strip(), SIGNATURE_FIELD)
        except Invalid:
            errors[SIGNATURE_FIELD] = (
                "Le dessin n'a pas été reçu : effacez-le et signez de nouveau."
            )
    return errors, image


def placed_errors(error: DomainError) -> dict[str, str]:
    """A domain refusal next to the field it concerns (the convention, the drawing)."""
    placed = {}
    for name, message in (field_errors(error) or {"convention": error.message}).items():
        placed[ERROR_FIELDS.get(name, "convention")] = message
    return placed


def int_of(form, name: str) -> int | None:
    raw = text_of(form, name, 12)
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None


def _to_loan(loan_id: int, done: str = "") -> Redirect:
    return Redirect(f"{LIST}/{loan_id}" + (f"?fait={done}" if done else ""), status_code=303)


async def _signing_loan(request: Request[Principal, None, None], loan_id: int) -> LoanView:
    """The loan in the caller's scope (else 404), then the caller's role (else 403)."""
    loan = await get_loan(request.user.scope, loan_id, today())
    if request.user.role not in SIGN_ROLES:
        raise PermissionDeniedException("Votre rôle ne permet pas de recueillir une signature.")
    return loan


def _next_signer(principal: Principal, status: AgreementStatus, wanted: str) -> SignerStatus | None:
    pending = [s for s in status.signers if not s.signed and may_sign_for(principal, s)]
    chosen = next((s for s in pending if signer_key(s) == wanted), None)
    return chosen or (pending[0] if pending else None)


class SigningPages(Controller):
    path = LIST
    include_in_schema = False

    @post("/{loan_id:int}/signature/commencer")
    async def start(self, request: Request[Principal, None, None], loan_id: PathId) -> Redirect:
        """« Signer sur place »: the desk issues the convention first (nothing new when it
        would say the same), then the first signer is offered."""
        principal = request.user
        loan = await _signing_loan(request, loan_id)
        if loan.state not in SIGNING_STATES:
            return _to_loan(loan_id)
        if principal.role in DESK_ROLES:
            await agreements.issue_agreement(
                storage_of(request),
                principal.scope,
                principal.actor,
                utcnow(),
                loan_id,
                request.app.state["settings"].public_url,
            )
        return Redirect(f"{LIST}/{loan_id}/signature", status_code=303)

    @get("/{loan_id:int}/signature")
    async def signature_form_page(
        self,
        request: Request[Principal, None, None],
        loan_id: PathId,
        signataire: FromQuery[str | None] = None,
        fait: FromQuery[str | None] = None,
    ) -> Template | Redirect:
        loan = await _signing_loan(request, loan_id)
        return await _signature_page(request, loan, (signataire or "")[:30], done=fait or "")

    @post("/{loan_id:int}/signature")
    async def record(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> Template | Redirect:
        principal = request.user
        loan = await _signing_loan(request, loan_id)
        form = await request.form()
        wanted = text_of(form, "signataire", 30)
        status = await agreements.agreement_status(principal.scope, loan_id)
        named = next((s for s in status.signers if signer_key(s) == wanted), None)
        if named is not None and not may_sign_for(principal, named):
            raise PermissionDeniedException(
                "Le chef d'établissement ne signe ici que pour l'établissement."
                if principal.role == "head"
                else "Seul le chef d'établissement (ou son délégataire) signe pour l'établissement."
            )
        signer = _next_signer(principal, status, wanted)
        if loan.state not in SIGNING_STATES or signer is None or signer_key(signer) != wanted:
            return await _signature_page(request, loan, wanted, status=409, problem=_GONE)
        errors, image = signature_form(form)
        version = int_of(form, "version")
        if version is None:
            errors["convention"] = "La version de la convention lue manque : rechargez la page."
        if errors:
            return await _signature_page(request, loan, wanted, status=422, errors=errors)
        address, agent = client_of(request)
        try:
            status = await agreements.sign(
                storage_of(request),
                principal.scope,
                principal.actor,
                utcnow(),
                loan_id,
                SignatureIn(
                    version=version or 0,
                    sha256=text_of(form, "sha256", 64) or None,
                    role=signer.role,
                    method="in_person",
                    guardian_id=signer.guardian_id,
                    image_png=image,
                    client_address=address,
                    user_agent=agent,
                ),
                head_delegation=principal.role in HEAD_DELEGATION,
            )
        except DomainError as refused:
            return await _signature_page(
                request, loan, wanted, status=refused.status, errors=placed_errors(refused)
            )
        if status.complete:
            await seal_after_signature(request, principal.scope, principal.actor, loan_id, utcnow())
            if principal.role in DESK_ROLES:
                return Redirect(f"{LIST}/{loan_id}/remise?fait=signee", status_code=303)
            return _to_loan(loan_id, "signee")
        return Redirect(f"{LIST}/{loan_id}/signature?fait=1", status_code=303)

    # Remote links and paper scans: the desk -----------------------------------------------

    @get("/{loan_id:int}/signature/lien", guards=[LOAN_DESK])
    async def link_form(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> Template | Redirect:
        loan = await get_loan(request.user.scope, loan_id, today())
        return await _send_page(request, loan, "lien")

    @post("/{loan_id:int}/signature/lien", guards=[LOAN_DESK])
    async def send_link(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> Template | Redirect:
        principal, settings = request.user, request.app.state["settings"]
        loan = await get_loan(principal.scope, loan_id, today())
        form = await request.form()
        values = {
            "signataire": text_of(form, "signataire", 30),
            "email": text_of(form, "email", 254),
        }
        panel = await signing_panel(principal, settings, loan)
        chosen = next((s for s in panel.remote if s.key == values["signataire"]), None)
        errors: dict[str, str] = {}
        if not settings.smtp.configured:
            return await _send_page(request, loan, "lien", status=503, values=values)
        if chosen is None:
            errors["signataire"] = "Choisissez la personne qui doit signer."
        elif not values["email"] and not chosen.email:
            errors["email"] = "Indiquez l'adresse électronique de la personne qui signe."
        if errors:
            return await _send_page(request, loan, "lien", status=422, errors=errors, values=values)
        assert chosen is not None
        role, _, guardian = chosen.key.partition("-")
        try:
            async with SmtpMailer(settings.smtp) as mailer:
                await signing_links.create_signing_link(
                    principal.scope,
                    principal.actor,
                    utcnow(),
                    loan_id,
                    role=role,
                    guardian_id=int(guardian) if guardian else None,
                    email=values["email"],
                    public_url=settings.public_url,
                    send=mailer.send,
                )
        except DomainError as refused:
            errors = {
                "email" if name == "email" else "signataire": message
                for name, message in (field_errors(refused) or {"x": refused.message}).items()
            }
            return await _send_page(
                request, loan, "lien", status=refused.status, errors=errors, values=values
            )
        except OSError:  # the mail server could not be reached
            return await _send_page(
                request,
                loan,
                "lien",
                status=502,
                values=values,
                problem="Le serveur de courriel n'a pas pu être joint : rien n'a été envoyé. "
                "Réessayez plus tard.",
            )
        return _to_loan(loan_id, "lien")

    @get("/{loan_id:int}/signature/papier", guards=[LOAN_DESK])
    async def paper_form(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> Template | Redirect:
        loan = await get_loan(request.user.scope, loan_id, today())
        return await _send_page(request, loan, "papier")

    @post(
        "/{loan_id:int}/signature/papier",
        guards=[LOAN_DESK],
        request_max_body_size=MAX_SCAN + 1024 * 1024,
    )
    async def paper(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> Template | Redirect:
        principal, now = request.user, utcnow()
        loan = await get_loan(principal.scope, loan_id, today())
        if loan.state not in SIGNING_STATES:
            return _to_loan(loan_id)
        form = await request.form()
        upload = form.get("scan")
        scan = b""
        if isinstance(upload, UploadFile):
            scan = await upload.read()
            await upload.close()
        error = ""
        if not scan:
            error = "Choisissez le fichier du scan de la convention signée."
        elif media_type_of(scan) is None:
            error = "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG."
        elif len(scan) > MAX_SCAN:
            error = f"Le scan pèse plus de {MAX_SCAN // 1024 // 1024} Mo."
        if error:
            return await _send_page(request, loan, "papier", status=422, errors={"scan": error})
        storage = storage_of(request)
        try:
            status = await agreements.issue_agreement(
                storage,
                principal.scope,
                principal.actor,
                now,
                loan_id,
                request.app.state["settings"].public_url,
            )
            await agreements.record_paper_scan(
                storage,
                principal.scope,
                principal.actor,
                now,
                loan_id,
                scan,
                version=status.version,
                client_address=client_of(request)[0],
                user_agent=client_of(request)[1],
            )
            status = await agreements.agreement_status(principal.scope, loan_id)
        except DomainError as refused:
            return await _send_page(
                request, loan, "papier", status=refused.status, errors={"scan": refused.message}
            )
        if status.complete:
            await seal_after_signature(request, principal.scope, principal.actor, loan_id, now)
            if principal.role in DESK_ROLES:
                return Redirect(f"{LIST}/{loan_id}/remise?fait=signee", status_code=303)
        return _to_loan(loan_id, "papier")


_GONE = "Cette signature n'est plus à recueillir ici : voici où en est la convention."
DONE = {"1": "Signature enregistrée."}


async def _signature_page(
    request: Request[Principal, None, None],
    loan: LoanView,
    wanted: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    problem: str = "",
    done: str = "",
) -> Template | Redirect:
    principal = request.user
    if loan.state not in SIGNING_STATES:
        return _to_loan(loan.id)
    agreement = await agreements.agreement_status(principal.scope, loan.id)
    if agreement.version is None or agreement.sha256 is None:
        return _to_loan(loan.id)  # « Signer sur place » issues it first
    signer = _next_signer(principal, agreement, wanted)
    if signer is None:
        return _to_loan(loan.id, "signee" if agreement.complete else "")
    school = await school_name(principal.scope, loan.establishment_uai)
    return page(
        request,
        "pages/loan_signature.html",
        status=status,
        loan=loan,
        agreement=agreement,
        signer=signer,
        key=signer_key(signer),
        others=[
            s
            for s in agreement.signers
            if not s.signed and may_sign_for(principal, s) and s is not signer
        ],
        summary=await summary_of(principal.scope, loan, agreement, school),
        errors=errors or {},
        problem=problem,
        done=DONE.get(done, ""),
        pdf_href=f"/api/v1/loans/{loan.id}/agreement.pdf",
        state_label=state_label,
        signer_role=role_name,
        method_name=method_name,
        signer_key=signer_key,
    )


async def _send_page(
    request: Request[Principal, None, None],
    loan: LoanView,
    kind: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    problem: str = "",
) -> Template | Redirect:
    """The link or the paper form alone, with its problems next to its fields."""
    if loan.state not in SIGNING_STATES:
        return _to_loan(loan.id)
    panel = await signing_panel(request.user, request.app.state["settings"], loan)
    return page(
        request,
        "pages/loan_signing_send.html",
        status=status,
        loan=loan,
        kind=kind,
        panel=panel,
        errors=errors or {},
        values=values or {},
        problem=problem,
        state_label=state_label,
        signer_role=role_name,
        method_name=method_name,
        signer_key=signer_key,
        max_scan_mb=MAX_SCAN // 1024 // 1024,
    )


ROUTES = [SigningPages]
