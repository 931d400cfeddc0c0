"""Loan pages: the list, one loan with its history, and the desk's forms — hand over a scanned
device in one form (prepare, paper signature, hand-over), take it back (with a printable
receipt), declare a loss or a theft, cancel, transfer, cede.

Plain forms that work without JavaScript. Every form goes through the same desk use-cases as
the JSON API (`loans.desk`), so the policy's due dates and accessories apply the same way.
The forms that end a loan live in `api.pages.loan_endings`, their shared helpers in
`api.pages.loan_forms`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template

from api.access_log import note_list
from api.accounts.staff import Principal
from api.agreement_reissue import reissued
from api.bodies import PathId
from api.clock import today as paris_today  # `today` names a local date here
from api.clock import utcnow
from api.controllers.documents import document_href
from api.infra.security import LOAN_DESK, OVERRIDE_ROLES, may_lend
from api.pages import cursor_pages, loan_endings, wording
from api.pages.loan_forms import (
    DONE,
    LIST,
    STATE_CHOICES,
    ended_between,
    field_errors,
    history_lines,
    parse_day,
    problem_status,
    school_name,
    state_label,
    text_of,
    texts_of,
)
from api.pages.rendering import page
from api.pages.signing_panel import method_name, role_name, signing_panel
from api.photo_uploads import photo_href
from inventory import assets, regions
from inventory.errors import DomainError, Invalid, NotFound
from inventory.keyset import BadCursor
from inventory.views import AssetView
from loans import desk, documents, listing, photos, receipts, transfers
from loans.borrower_loans import OpenLoan, open_loans_of
from loans.loan_views import LoanView
from loans.policy import due_date
from loans.records import get_loan, loan_history
from loans.states import OPEN_STATES
from loans.students import get_student
from loans.views import StudentSummary

PAGE_SIZE = 50


# The hand-over desk -------------------------------------------------------------------------


STEP_LABELS = {
    "prepare": "Prêt préparé (appareil réservé pour l'élève)",
    "sign": "Signature papier de la convention enregistrée",
    "hand_over": "Appareil remis à l'élève",
}


@dataclass
class Step:
    kind: str  # prepare, sign, hand_over
    label: str
    status: str = "todo"  # done, refused, todo
    message: str = ""


def _labelled(steps: list[desk.Step]) -> list[Step]:
    return [Step(s.kind, STEP_LABELS[s.kind], s.status, s.message) for s in steps]


def _accessories_of(data) -> list[str]:
    """The ticked accessories, and the free "autre" line when one is typed."""
    ticked = texts_of(data, "accessories")
    other = text_of(data, "accessory_other", 50)
    return [*ticked, f"{desk.OTHER} : {other}"] if other else ticked


@dataclass(frozen=True)
class Candidate:
    """A student found by the desk's search, with what the policy would say of them."""

    student: StudentSummary
    due: dt.date | None
    held: list[OpenLoan]  # their open loans of this device's category
    at_maximum: bool  # the policy's maximum is reached: the hand-over would be refused


@dataclass
class HandOverForm:
    student_id: str = ""
    accessories: list[str] | None = None  # None: the defaults, all ticked
    signed_on: str = ""
    search: str = ""
    errors: dict[str, str] = field(default_factory=dict)


async def _candidates(principal: Principal, asset: AssetView, search: str, student_id: str):
    if search:
        return await listing.find_borrowers(principal.scope, asset.establishment.uai, search)
    if student_id.isdigit() and 0 < int(student_id) < 2**31:  # chosen on a student's page
        try:
            student = await get_student(principal.scope, int(student_id))
        except NotFound:
            return []
        if student.establishment.uai == asset.establishment.uai and student.left_on is None:
            names = [n for n in StudentSummary.__struct_fields__ if n != "establishment_uai"]
            fields = {name: getattr(student, name) for name in names}
            return [StudentSummary(establishment_uai=student.establishment.uai, **fields)]
    return []


async def _new_loan_page(
    request: Request[Principal, None, None],
    tag: str | None,
    form: HandOverForm,
    *,
    status: int = 200,
    problem: str = "",
) -> Template | Redirect:
    principal, now = request.user, utcnow()
    today = paris_today(now)
    context: dict = {"form": form, "tag": tag or "", "problem": problem, "today": today}
    if not tag:
        return page(request, "pages/loan_hand_over.html", status=status, asset=None, **context)
    try:
        asset = await assets.get_asset(principal.scope, tag)
    except NotFound as missing:
        context["tag_error"] = missing.message
        return page(
            request, "pages/loan_hand_over.html", status=missing.status, asset=None, **context
        )
    refusal, current = await desk.lending_refusal(principal.scope, asset, today)
    if current is not None and current.state in OPEN_STATES and current.state != "active":
        return Redirect(f"{LIST}/{current.id}/remise", status_code=303)
    policy = await desk.policy_of_asset(asset, now)
    candidates = (
        []
        if refusal or current
        else await _candidates(principal, asset, form.search, form.student_id)
    )
    # A name or a class that finds one student does not choose them: the desk confirms who
    # receives the device. A scanned ENT card is the student's own key: that student is
    # chosen, and the page says so in words next to the choice (never silently).
    by_card = (
        len(candidates) == 1
        and candidates[0].ent_id is not None
        and candidates[0].ent_id == " ".join(form.search.split())
    )
    if by_card and not form.student_id:
        form.student_id = str(candidates[0].id)
    # Each student found shows the loans they already hold of this device's category, and
    # whether the policy's maximum is reached (the hand-over would then be refused: the
    # lifecycle's slots keep that rule, and say it again on confirmation).
    held = await open_loans_of([s.id for s in candidates], asset.model.category)
    defaults = desk.default_accessories(policy, asset.model)
    return page(
        request,
        "pages/loan_hand_over.html",
        status=status,
        asset=asset,
        loan=None,
        current=current,
        refusal=refusal,
        candidates=[
            Candidate(
                s,
                due_date(policy, s.class_name, today),
                held.get(s.id, []),
                len(held.get(s.id, [])) >= policy.max_open_per_category,
            )
            for s in candidates
        ],
        by_card=by_card,
        accessories=defaults,
        ticked=defaults if form.accessories is None else form.accessories,
        state_label=wording.state_label,
        **context,
    )


def _signature_day(form: HandOverForm, now: dt.datetime) -> dt.date | None:
    """Checked before anything is recorded: a mistyped date should not leave a loan half
    done. (The use-case checks it again; this only spares the desk a detour.)"""
    signed_on = parse_day(form.signed_on, "signed_on", form.errors)
    if signed_on is not None and signed_on > paris_today(now):
        form.errors["signed_on"] = "La date de signature ne peut pas être dans le futur."
        return None
    return signed_on


async def _steps_page(request, loan: LoanView, steps: list[Step]) -> Template:
    return page(
        request,
        "pages/loan_steps.html",
        status=409,
        loan=loan,
        steps=steps,
        state_label=state_label,
        school=await school_name(request.user.scope, loan.establishment_uai),
        **await _signing_context(request, loan),
    )


async def _signing_context(request, loan: LoanView) -> dict:
    """The convention's panel (api.pages.signing_panel) and the words it needs."""
    panel = await signing_panel(request.user, request.app.state["settings"], loan)
    return {"panel": panel, "signer_role": role_name, "method_name": method_name}


# Pages --------------------------------------------------------------------------------------


class LoanPages(Controller):
    path = LIST
    include_in_schema = False

    @get("/")
    async def loan_list(
        self,
        request: Request[Principal, None, None],
        loan_state: Annotated[str | None, QueryParameter(name="state")] = None,
        overdue: FromQuery[str | None] = None,
        class_name: Annotated[str | None, QueryParameter(name="classe")] = None,
        establishment: FromQuery[str | None] = None,
        ended_from: FromQuery[str | None] = None,
        ended_to: FromQuery[str | None] = None,
        condition: FromQuery[str | None] = None,
        model: FromQuery[str | None] = None,
        due_from: FromQuery[str | None] = None,
        due_to: FromQuery[str | None] = None,
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
    ) -> Template:
        scope = request.user.scope
        position = cursor_pages.page_cursor(cursor)
        chosen = {
            "state": (loan_state or "").strip(),
            "overdue": "1" if overdue else "",
            "classe": (class_name or "").strip()[:20],
            "establishment": (establishment or "").strip().upper()[:20],
            # The dashboard's drill-down (no field of their own on this page): loans ended
            # from one day to another (JJ/MM/AAAA), their condition at return, a model id.
            "ended_from": (ended_from or "").strip()[:10],
            "ended_to": (ended_to or "").strip()[:10],
            "condition": (condition or "").strip().upper()[:1],
            "model": (model or "").strip()[:10],
            "due_from": (due_from or "").strip()[:10],
            "due_to": (due_to or "").strip()[:10],
        }
        errors: dict[str, str] = {}
        if chosen["state"] and chosen["state"] not in STATE_CHOICES:
            errors["state"] = "État inconnu : choisissez un état dans la liste."
        ended = ended_between(chosen, errors)
        due = [parse_day(chosen[n], n, errors, required=False) for n in ("due_from", "due_to")]
        if chosen["model"] and not (chosen["model"].isdigit() and 0 < int(chosen["model"]) < 2**31):
            errors["model"] = "Modèle inconnu : un numéro de modèle est attendu."
        result = None
        today = paris_today()
        if not errors:
            filters = listing.LoanFilters(
                state=chosen["state"] or None,
                overdue=bool(chosen["overdue"]),
                class_name=chosen["classe"] or None,
                establishment_uai=chosen["establishment"] or None,
                ended_from=ended[0],
                ended_before=ended[1],
                return_condition=chosen["condition"] or None,
                model_id=int(chosen["model"]) if chosen["model"] else None,
                due_from=due[0],
                due_to=due[1],
            )
            try:
                result = await listing.list_loans(scope, filters, today, PAGE_SIZE, cursor=position)
            except BadCursor:  # the French 400 page (api/errors.py), not the form's 422
                raise
            except Invalid as error:
                errors.update(field_errors(error))
        context: dict = {}
        if result is not None:
            note_list(request, [loan.student.id for loan in result.items], filters)
            context["pages"] = cursor_pages.CursorPages.of_result(
                result, cursor_pages.rank(rank), PAGE_SIZE, LIST, chosen
            )
        return page(
            request,
            "pages/loan_list.html",
            status=422 if errors else 200,
            chosen=chosen,
            errors=errors,
            result=result,
            states=STATE_CHOICES,
            state_label=state_label,
            condition_label=wording.condition_label,
            establishments=await regions.list_establishments(scope),
            may_lend=may_lend(request.user),
            **context,
        )

    @get("/nouveau", guards=[LOAN_DESK])
    async def new_loan(
        self,
        request: Request[Principal, None, None],
        appareil: FromQuery[str | None] = None,
        eleve: FromQuery[str | None] = None,
        eleve_id: FromQuery[str | None] = None,
    ) -> Template | Redirect:
        form = HandOverForm(search=(eleve or "").strip()[:100], student_id=(eleve_id or "").strip())
        return await _new_loan_page(request, (appareil or "").strip()[:40], form)

    @post("/nouveau", guards=[LOAN_DESK])
    async def create_loan(self, request: Request[Principal, None, None]) -> Template | Redirect:
        principal, now = request.user, utcnow()
        data = await request.form()
        tag = text_of(data, "appareil", 40)
        form = HandOverForm(
            student_id=text_of(data, "student_id", 12),
            accessories=_accessories_of(data),
            signed_on=text_of(data, "signed_on", 20),
            search=text_of(data, "eleve", 100),
        )
        signed_on = _signature_day(form, now)
        if not form.student_id.isdigit() or not 0 < int(form.student_id) < 2**31:
            form.errors["student_id"] = "Choisissez l'élève à qui l'appareil est remis."
        if form.errors:
            return await _new_loan_page(request, tag, form, status=422)
        try:
            loan_id, done = await desk.lend(
                principal.scope,
                principal.actor,
                now,
                asset_tag=tag,
                student_id=int(form.student_id),
                signed_on=signed_on,
                accessories=form.accessories,
            )
        except DomainError as refused:
            form.errors.update(field_errors(refused))
            return await _new_loan_page(
                request, tag, form, status=problem_status(refused), problem=refused.message
            )
        steps = _labelled(done)
        if any(step.status == "refused" for step in steps):
            return await _steps_page(
                request, await get_loan(principal.scope, loan_id, paris_today(now)), steps
            )
        return Redirect(f"{LIST}/{loan_id}?fait=remise", status_code=303)

    @get("/{loan_id:int}")
    async def loan_detail(
        self,
        request: Request[Principal, None, None],
        loan_id: PathId,
        fait: FromQuery[str | None] = None,
    ) -> Template:
        principal, now = request.user, utcnow()
        loan = await get_loan(principal.scope, loan_id, paris_today(now))
        schools = {e.id: e.name for e in await regions.list_establishments(principal.scope)}
        events = await loan_history(principal.scope, loan_id)
        lends = may_lend(principal)
        return page(
            request,
            "pages/loan_detail.html",
            loan=loan,
            history=history_lines(events, schools),
            photos=await photos.list_photos(principal.scope, loan_id),
            photo_href=photo_href,
            done=DONE.get(fait or "", ""),
            may_lend=lends,
            may_cede=(lends or principal.role in OVERRIDE_ROLES)
            and loan.state == "active"
            and await desk.cession_allowed(principal.scope, loan_id, now),
            state_label=state_label,
            condition_label=wording.condition_label,
            school=await school_name(principal.scope, loan.establishment_uai),
            transferred_to=await transfers.transferred_to(principal.scope, loan_id)
            if loan.state == "transferred"
            else None,
            **await _signing_context(request, loan),
        )

    @get("/{loan_id:int}/recu")
    async def receipt(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> Template | Redirect:
        """The return receipt, printable, with its sealed PDF (drawn from the same data)."""
        scope = request.user.scope
        found = await listing.return_receipt(scope, loan_id, paris_today())
        if found is None:
            return Redirect(f"{LIST}/{loan_id}", status_code=303)
        try:
            model = (await assets.get_asset(scope, found.loan.asset_tag)).model
            model_name = f"{model.manufacturer} {model.name}"
        except NotFound:  # the device has moved out of the caller's scope since
            model_name = ""
        return page(
            request,
            "pages/loan_receipt.html",
            receipt=found,
            loan=found.loan,
            model_name=model_name,
            photos_refused=request.query_params.get("photos") == "refusees",
            condition_label=wording.condition_label,
            device_state=wording.state_label(found.device_state),
            school=await school_name(scope, found.loan.establishment_uai),
            sealed=await documents.document_of_kind(scope, loan_id, receipts.KIND),
            document_href=document_href,
            photos=await photos.list_photos(scope, loan_id),
            photo_href=photo_href,
            printed_on=paris_today(),
        )

    # Continuing a hand-over (a loan prepared earlier, or interrupted) -----------------------

    @get("/{loan_id:int}/remise", guards=[LOAN_DESK])
    async def continue_hand_over(
        self,
        request: Request[Principal, None, None],
        loan_id: PathId,
        fait: FromQuery[str | None] = None,
    ) -> Template | Redirect:
        return await _continue_page(request, loan_id, HandOverForm(), done=DONE.get(fait or "", ""))

    @post("/{loan_id:int}/remise", guards=[LOAN_DESK])
    async def finish_hand_over(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> Template | Redirect:
        principal, now = request.user, utcnow()
        data = await request.form()
        loan = await get_loan(principal.scope, loan_id, paris_today(now))
        form = HandOverForm(
            accessories=_accessories_of(data), signed_on=text_of(data, "signed_on", 20)
        )
        signed_on = None
        if not loan.signed:
            signed_on = _signature_day(form, now)
        if form.errors:
            return await _continue_page(request, loan_id, form, status=422)
        done = await desk.sign_and_hand_over(
            principal.scope, principal.actor, now, loan_id, signed_on, form.accessories
        )
        for step in done:
            if step.reissue_with is not None:  # the convention signed says otherwise
                refusal = await reissued(request, now, loan_id, step.reissue_with, step.message)
                step.message = refusal.message
        steps = _labelled(done)
        if any(step.status == "refused" for step in steps):
            return await _steps_page(
                request, await get_loan(principal.scope, loan_id, paris_today(now)), steps
            )
        return Redirect(f"{LIST}/{loan_id}?fait=remise", status_code=303)


async def _continue_page(
    request, loan_id: int, form: HandOverForm, status: int = 200, done: str = ""
):
    principal, now = request.user, utcnow()
    loan = await get_loan(principal.scope, loan_id, paris_today(now))
    if loan.state not in OPEN_STATES or loan.state == "active":
        return Redirect(f"{LIST}/{loan_id}", status_code=303)
    plan = await desk.hand_over_plan(principal.scope, loan_id, now)
    return page(
        request,
        "pages/loan_hand_over.html",
        status=status,
        asset=plan.asset,
        loan=loan,
        due_on=plan.due_on,
        accessories=plan.accessories,
        ticked=plan.planned if form.accessories is None else form.accessories,
        form=form,
        tag=plan.asset.tag,
        today=paris_today(now),
        problem="",
        done=done,
        state_label=wording.state_label,
        **await _signing_context(request, loan),
    )


ROUTES = [LoanPages, *loan_endings.ROUTES]
