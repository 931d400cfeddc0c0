"""The ways a loan ends, as pages: the return (with damage photos and a printable receipt),
a loss, a theft (the police report is required), a cancellation, a transfer to another school
of the region, a cession to the student.

Each form is answered by a redirect to the loan (post/redirect/get, so that reloading never
sends it twice), or by the same form again with the problems next to their fields.
"""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import today, utcnow
from api.infra.security import CEDE, DESK_ROLES, LOAN_DESK, OVERRIDE_ROLES
from api.infra.storage import storage_of
from api.pages.loan_forms import (
    CONDITION_CHOICES,
    LIST,
    field_errors,
    parse_day,
    problem_status,
    state_label,
    text_of,
    texts_of,
)
from api.pages.rendering import page
from api.photo_uploads import BODY_LIMIT
from inventory.errors import DomainError, Invalid, NotFound
from loans import desk, lifecycle, photos
from loans.loan_views import LoanView
from loans.photos import PHOTOS_PER_REQUEST
from loans.records import get_loan

INCIDENTS = {"perte": "Déclarer une perte", "vol": "Déclarer un vol"}
CLOSINGS = {
    "annulation": "Annuler le prêt",
    "transfert": "Transférer le prêt",
    "cession": "Céder l'appareil à l'élève",
}
# Which loans each form applies to; on another, the form is not shown (the loan's page is).
FORM_STATES = {
    "retour": ("active",),
    "perte": ("active",),
    "vol": ("active",),
    "annulation": ("draft", "awaiting_signature"),
    "transfert": ("active",),
    "cession": ("active",),
}


async def _loan(request: Request[Principal, None, None], loan_id: int) -> LoanView:
    return await get_loan(request.user.scope, loan_id, today())


def _back(loan_id: int, done: str = "") -> Redirect:
    return Redirect(f"{LIST}/{loan_id}" + (f"?fait={done}" if done else ""), status_code=303)


def _form_page(request, template: str, loan: LoanView, *, status: int = 200, **context) -> Template:
    return page(
        request,
        template,
        status=status,
        loan=loan,
        today=today(),
        state_label=state_label,
        errors=context.pop("errors", {}),
        problem=context.pop("problem", ""),
        values=context.pop("values", {}),
        **context,
    )


async def _uploads(form) -> list[bytes]:
    """The photos chosen in the form; an empty file input still sends an empty part."""
    contents = []
    for name, value in form.multi_items():
        if name == "photos" and isinstance(value, UploadFile):
            contents.append(await value.read())
            await value.close()
    return [content for content in contents if content]


def _photo_problems(chosen: list[bytes]) -> list[str]:
    """« n° 2 : format non pris en charge… », counted as the person chose them."""
    problems = []
    for number, content in enumerate(chosen, start=1):
        try:
            photos.check_photos([content])
        except Invalid as refused:
            problems += [f"n° {number} : {message}" for message in refused.errors.values()]
    return problems


class LoanEndingPages(Controller):
    path = LIST
    include_in_schema = False
    # Region managers reach only the cession (to derogate); every other form is the desk's.
    guards = [CEDE]

    # The return --------------------------------------------------------------------------

    @get("/{loan_id:int}/retour", guards=[LOAN_DESK])
    async def return_form(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> Template | Redirect:
        loan = await _loan(request, loan_id)
        if loan.state not in FORM_STATES["retour"]:
            return _back(loan_id)
        return _return_page(request, loan)

    @post("/{loan_id:int}/retour", guards=[LOAN_DESK], request_max_body_size=BODY_LIMIT)
    async def take_back(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> Template | Redirect:
        principal, now = request.user, utcnow()
        loan = await _loan(request, loan_id)
        form = await request.form()
        values = {
            "accessories_returned": texts_of(form, "accessories_returned"),
            "condition": text_of(form, "condition", 2).upper(),
            "damage_notes": text_of(form, "damage_notes", 2000),
        }
        errors: dict[str, str] = {}
        if values["condition"] not in CONDITION_CHOICES:
            errors["condition"] = "Choisissez l'état physique de l'appareil (A, B, C ou D)."
        chosen = await _uploads(form)
        if len(chosen) > PHOTOS_PER_REQUEST:
            errors["photos"] = f"{PHOTOS_PER_REQUEST} photos au plus."
        elif problems := _photo_problems(chosen):
            errors["photos"] = "Photo(s) refusée(s) : " + " ; ".join(problems)
        if errors:
            return _return_page(request, loan, status=422, errors=errors, values=values)
        try:
            await desk.take_back(principal.scope, principal.actor, now, loan_id, **values)
        except DomainError as refused:
            return _return_page(
                request,
                loan,
                status=problem_status(refused),
                errors=field_errors(refused),
                problem=refused.message,
                values=values,
            )
        suffix = ""
        if chosen:
            try:
                await photos.add_photos(
                    principal.scope, principal.actor, now, loan_id, chosen, storage_of(request)
                )
            except DomainError:  # the return stands; the receipt says the photos are missing
                suffix = "?photos=refusees"
        return Redirect(f"{LIST}/{loan_id}/recu{suffix}", status_code=303)

    # Loss, theft, cancellation, transfer, cession ------------------------------------------

    @get("/{loan_id:int}/{kind:str}")
    async def incident_or_closing_form(
        self, request: Request[Principal, None, None], loan_id: PathId, kind: FromPath[str]
    ) -> Template | Redirect:
        if kind not in INCIDENTS and kind not in CLOSINGS:
            raise NotFound("Cette adresse n'existe pas.")
        _check_role(request.user, kind)
        loan = await _loan(request, loan_id)
        if loan.state not in FORM_STATES[kind]:
            return _back(loan_id)
        if kind in INCIDENTS:
            return _form_page(
                request, "pages/loan_incident.html", loan, kind=kind, title=INCIDENTS[kind]
            )
        return await _closing_page(request, loan, kind)

    @post("/{loan_id:int}/{kind:str}")
    async def incident_or_closing(
        self, request: Request[Principal, None, None], loan_id: PathId, kind: FromPath[str]
    ) -> Template | Redirect:
        if kind not in INCIDENTS and kind not in CLOSINGS:
            raise NotFound("Cette adresse n'existe pas.")
        _check_role(request.user, kind)
        loan = await _loan(request, loan_id)
        form = await request.form()
        if kind in INCIDENTS:
            return await _declare(request, loan, kind, form)
        return await _close(request, loan, kind, form)


def _check_role(principal: Principal, kind: str) -> None:
    if principal.role not in DESK_ROLES and kind != "cession":
        raise PermissionDeniedException("Réservé aux référents numériques.")


def _return_page(request, loan: LoanView, *, status: int = 200, **context) -> Template:
    return _form_page(
        request,
        "pages/loan_return.html",
        loan,
        status=status,
        conditions=CONDITION_CHOICES,
        max_photos=PHOTOS_PER_REQUEST,
        **context,
    )


async def _declare(request, loan: LoanView, kind: str, form) -> Template | Redirect:
    principal, now = request.user, utcnow()
    values = {
        "incident_on": text_of(form, "incident_on", 20),
        "circumstances": text_of(form, "circumstances", 2000),
        "police_report_ref": text_of(form, "police_report_ref", 60),
        "police_report_on": text_of(form, "police_report_on", 20),
    }
    errors: dict[str, str] = {}
    incident_on = parse_day(values["incident_on"], "incident_on", errors)
    if not values["circumstances"]:
        errors["circumstances"] = "Décrivez les circonstances."
    police_report_on = None
    if kind == "vol":
        if not values["police_report_ref"]:
            errors["police_report_ref"] = (
                "Indiquez la référence du récépissé de dépôt de plainte : il est obligatoire "
                "pour déclarer un vol."
            )
        police_report_on = parse_day(values["police_report_on"], "police_report_on", errors)
    if not errors:
        try:
            if kind == "vol":
                await lifecycle.declare_theft(
                    principal.scope,
                    principal.actor,
                    now,
                    loan.id,
                    incident_on=incident_on,
                    circumstances=values["circumstances"],
                    police_report_ref=values["police_report_ref"],
                    police_report_on=police_report_on,
                )
            else:
                await lifecycle.declare_loss(
                    principal.scope,
                    principal.actor,
                    now,
                    loan.id,
                    incident_on=incident_on,
                    circumstances=values["circumstances"],
                )
            return _back(loan.id, kind)
        except DomainError as refused:
            return _form_page(
                request,
                "pages/loan_incident.html",
                loan,
                status=problem_status(refused),
                kind=kind,
                title=INCIDENTS[kind],
                errors=field_errors(refused),
                problem="" if isinstance(refused, Invalid) else refused.message,
                values=values,
            )
    return _form_page(
        request,
        "pages/loan_incident.html",
        loan,
        status=422,
        kind=kind,
        title=INCIDENTS[kind],
        errors=errors,
        values=values,
    )


async def _closing_page(request, loan: LoanView, kind: str, *, status: int = 200, **context):
    scope, now = request.user.scope, utcnow()
    schools = []
    allowed = True
    if kind == "transfert":
        schools = await desk.transfer_targets(scope, loan.id)
    elif kind == "cession":
        terms = await desk.cession_terms(scope, loan.id, now)
        allowed = terms.allowed
        context.setdefault("needs_override", terms.needs_override)
        context.setdefault("end_of_schooling", terms.end_of_schooling)
        context.setdefault("may_override", request.user.role in OVERRIDE_ROLES)
    return _form_page(
        request,
        "pages/loan_close.html",
        loan,
        status=status,
        kind=kind,
        title=CLOSINGS[kind],
        schools=schools,
        allowed=allowed,
        **context,
    )


async def _close(request, loan: LoanView, kind: str, form) -> Template | Redirect:
    principal, now = request.user, utcnow()
    values = {
        "reason": text_of(form, "reason", 500),
        "to_establishment_uai": text_of(form, "to_establishment_uai", 20),
        "override_reason": text_of(form, "override_reason", 500),
    }
    try:
        if kind == "annulation":
            await lifecycle.cancel(principal.scope, principal.actor, now, loan.id, values["reason"])
        elif kind == "transfert":
            if not values["to_establishment_uai"]:
                raise Invalid({"to_establishment_uai": "choisissez le nouvel établissement"})
            new_id, _ = await desk.transfer(
                principal.scope, principal.actor, now, loan.id, values["to_establishment_uai"]
            )
            try:
                await get_loan(principal.scope, new_id, today(now))
                return _back(new_id, kind)
            except NotFound:  # the new school is not the caller's: stay on this loan
                return _back(loan.id, kind)
        else:
            await desk.cede(
                principal.scope,
                principal.actor,
                now,
                loan.id,
                override_reason=values["override_reason"],
                may_override=principal.role in OVERRIDE_ROLES,
            )
    except DomainError as refused:
        return await _closing_page(
            request,
            loan,
            kind,
            status=problem_status(refused),
            errors=field_errors(refused),
            problem="" if isinstance(refused, Invalid) else refused.message,
            values=values,
        )
    return _back(loan.id, kind)


ROUTES = [LoanEndingPages]
