"""Erasure on request and legal holds of a student (loans.erasure, loans.legal_holds).

Region managers of the student's region and admins only: the region is the data controller
(others get 403 from the guard, another region's manager 404). A refused erasure is a 409
problem whose `errors[0].field` is the reason: `open_loan`, `legal_hold` or `already_erased`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import utcnow
from api.infra.security import roles
from api.infra.storage import legacy_photo_dir, storage_of
from loans import erasure, legal_holds
from loans.erasure import ErasureResult
from loans.legal_holds import LegalHoldView

DATA_CONTROLLER = roles("admin", "region_manager")


class LegalHoldIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=legal_holds.REASON_LENGTH * 2)]
    placed_on: dt.date  # the date of the fact (plainte, litige)


class ErasureController(Controller):
    path = "/api/v1/students/{student_id:int}"
    tags = ["élèves"]
    guards = [DATA_CONTROLLER]

    @post(
        "/erasure",
        status_code=200,
        summary="Effacer les données personnelles d'un élève (RGPD art. 17)",
        description=(
            "Refusé (409, la raison en `errors[0].field`) tant qu'un prêt est en cours ou "
            "qu'une conservation légale s'applique. Les conventions et reçus encore dans "
            "leur durée de conservation sont gardés jusqu'à `evidence_kept_until`."
        ),
    )
    async def erase(
        self, request: Request[Principal, None, None], student_id: PathId
    ) -> ErasureResult:
        principal = request.user
        return await erasure.erase_student(
            storage_of(request),
            principal.scope,
            principal.actor,
            utcnow(),
            student_id,
            legacy_photo_dir(request.app.state["settings"]),
        )

    @get("/legal-holds", summary="Conservations légales d'un élève")
    async def holds(
        self, request: Request[Principal, None, None], student_id: PathId
    ) -> list[LegalHoldView]:
        await legal_holds.managed_student(request.user.scope, student_id)
        return await legal_holds.legal_holds(request.user.scope, student_id)

    @post("/legal-holds", summary="Poser une conservation légale")
    async def place(
        self,
        request: Request[Principal, None, None],
        student_id: PathId,
        data: JSONBody[LegalHoldIn],
    ) -> LegalHoldView:
        principal = request.user
        return await legal_holds.place_legal_hold(
            principal.scope, principal.actor, utcnow(), student_id, data.reason, data.placed_on
        )

    @post("/legal-holds/{hold_id:int}/lift", status_code=200, summary="Lever une conservation")
    async def lift(
        self, request: Request[Principal, None, None], student_id: PathId, hold_id: PathId
    ) -> LegalHoldView:
        principal = request.user
        return await legal_holds.lift_legal_hold(
            principal.scope, principal.actor, utcnow(), student_id, hold_id
        )


ROUTES = [ErasureController]
