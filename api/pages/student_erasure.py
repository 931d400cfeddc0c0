"""`/eleves/{id}/effacement`: erase a student's personal data on request (RGPD art. 17), after
a confirmation, and place or lift the legal holds that forbid it. Region managers and admins
only (the API's guard, api.controllers.erasure); same use-cases as the API, so the refusals
(open loan, legal hold) are the same, shown in French at the top of the page."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import today, utcnow
from api.controllers.erasure import DATA_CONTROLLER
from api.infra.storage import legacy_photo_dir, storage_of
from api.pages.loan_forms import parse_day, text_of
from api.pages.rendering import page
from api.pages.student_forms import errors_of
from api.pages.student_wording import LIST
from inventory.errors import DomainError
from loans import erasure, legal_holds
from loans.retention_rules import LABELS


def _to(student_id: int, done: str) -> Redirect:
    return Redirect(f"{LIST}/{student_id}/effacement?fait={done}", status_code=303)


DONE = {
    "conservation": "Conservation légale enregistrée.",
    "levee": "Conservation légale levée.",
}


class StudentErasurePages(Controller):
    path = LIST + "/{student_id:int}"
    include_in_schema = False
    guards = [DATA_CONTROLLER]

    async def _page(
        self,
        request: Request[Principal, None, None],
        student_id: int,
        *,
        errors: dict[str, str] | None = None,
        typed: dict[str, str] | None = None,
        status: int = 200,
        done: str = "",
        erased=None,
    ) -> Template:
        outlook = await erasure.erasure_outlook(request.user.scope, student_id)
        return page(
            request,
            "pages/student_erasure.html",
            status=status,
            student=outlook,
            evidence_label=LABELS["retention_evidence_months"],
            errors=errors or {},
            typed=typed or {"placed_on": today().isoformat(), "reason": ""},
            done=DONE.get(done, ""),
            erased=erased,
        )

    @get("/effacement")
    async def erasure_page(
        self,
        request: Request[Principal, None, None],
        student_id: PathId,
        fait: FromQuery[str | None] = None,
    ) -> Template:
        return await self._page(request, student_id, done=fait or "")

    @post("/effacement")
    async def erase(self, request: Request[Principal, None, None], student_id: PathId) -> Template:
        principal = request.user
        form = await request.form()
        if text_of(form, "confirm", 3) != "oui":
            errors = {"confirm": "Cochez la case pour confirmer l'effacement."}
            return await self._page(request, student_id, errors=errors, status=422)
        try:
            result = await erasure.erase_student(
                storage_of(request),
                principal.scope,
                principal.actor,
                utcnow(),
                student_id,
                legacy_photo_dir(request.app.state["settings"]),
            )
        except DomainError as refused:
            return await self._page(
                request, student_id, errors={"form": refused.message}, status=refused.status
            )
        return await self._page(request, student_id, erased=result)

    @post("/conservations")
    async def place_hold(
        self, request: Request[Principal, None, None], student_id: PathId
    ) -> Template | Redirect:
        principal = request.user
        form = await request.form()
        typed = {
            "reason": text_of(form, "reason", legal_holds.REASON_LENGTH * 2),
            "placed_on": text_of(form, "placed_on", 10),
        }
        errors: dict[str, str] = {}
        status = 422
        placed_on = parse_day(typed["placed_on"], "placed_on", errors)
        if placed_on is not None:
            try:
                await legal_holds.place_legal_hold(
                    principal.scope,
                    principal.actor,
                    utcnow(),
                    student_id,
                    typed["reason"],
                    placed_on,
                )
            except DomainError as refused:
                errors, status = errors_of(refused), refused.status
            else:
                return _to(student_id, "conservation")
        return await self._page(request, student_id, errors=errors, typed=typed, status=status)

    @post("/conservations/{hold_id:int}/lever")
    async def lift_hold(
        self, request: Request[Principal, None, None], student_id: PathId, hold_id: PathId
    ) -> Redirect:
        principal = request.user
        await legal_holds.lift_legal_hold(
            principal.scope, principal.actor, utcnow(), student_id, hold_id
        )
        return _to(student_id, "levee")


ROUTES = [StudentErasurePages]
