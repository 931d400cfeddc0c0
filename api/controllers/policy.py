"""A region's loan policy: read by the region's staff, changed by its manager (or an admin).

Every change is recorded with who made it; `GET …/policy/history` lists them, newest first.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, put
from litestar.params import FromPath, JSONBody

from api.accounts.staff import Principal
from api.clock import utcnow
from api.cursors import DEFAULT_LIMIT, PAGED, CursorQuery, OptionalLimit, paged_response
from api.infra.security import roles
from loans import policy
from loans.views import PolicyEventView, PolicyView

EDIT_POLICY = roles("admin", "region_manager")

AccessoryName = Annotated[str, msgspec.Meta(max_length=200)]


class PolicyIn(msgspec.Struct, forbid_unknown_fields=True):
    """The whole policy (PUT replaces it). `school_year_end` null: 4 July of each year."""

    end_rule: Annotated[str, msgspec.Meta(max_length=20)]
    max_open_per_category: int
    cession_allowed: bool
    guardian_cosign_for_minors: bool
    school_year_end: dt.date | None = None
    accessories_by_model: Annotated[
        dict[str, Annotated[list[AccessoryName], msgspec.Meta(max_length=100)]],
        msgspec.Meta(max_length=1000),
    ] = {}
    # Retention in whole months (bounds in loans.retention_rules); left out: unchanged.
    retention_student_months: int | msgspec.UnsetType = msgspec.UNSET
    retention_photo_months: int | msgspec.UnsetType = msgspec.UNSET
    retention_evidence_months: int | msgspec.UnsetType = msgspec.UNSET
    retention_access_log_months: int | msgspec.UnsetType = msgspec.UNSET


class PolicyController(Controller):
    path = "/api/v1/regions/{code:str}/policy"
    tags = ["régions"]

    @get("/", summary="Règles de prêt de la région")
    async def get_policy(
        self, request: Request[Principal, None, None], code: FromPath[str]
    ) -> PolicyView:
        return await policy.get_policy(request.user.scope, code, utcnow())

    @put("/", guards=[EDIT_POLICY], summary="Changer les règles de prêt de la région")
    async def update_policy(
        self,
        request: Request[Principal, None, None],
        code: FromPath[str],
        data: JSONBody[PolicyIn],
    ) -> PolicyView:
        principal = request.user
        fields = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        return await policy.update_policy(principal.scope, principal.actor, utcnow(), code, fields)

    @get(
        "/history",
        summary="Changements des règles, les plus récents d'abord",
        description="Tous sans `limit` ni `cursor`. " + PAGED,
    )
    async def policy_history(
        self,
        request: Request[Principal, None, None],
        code: FromPath[str],
        limit: OptionalLimit = None,
        cursor: CursorQuery = None,
    ) -> Response[list[PolicyEventView]]:
        if limit is None and cursor is None:
            return Response(await policy.policy_history(request.user.scope, code))
        found = await policy.policy_history_page(
            request.user.scope, code, limit=limit or DEFAULT_LIMIT, cursor=cursor
        )
        return paged_response(request, found)


ROUTES = [PolicyController]
