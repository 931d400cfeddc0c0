"""`GET /api/v1/access-log`: who read which student's data, for the region's data protection
officer (their region) and the platform admin (every region). Read-only; newest first, by
cursor; filters by student (id or INE), by account and by days (Europe/Paris, both included).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter

from api.access_log import audit_scope
from api.accounts.staff import Principal
from api.bodies import QueryId
from api.cursors import LIST_DESCRIPTION, CursorQuery, OptionalLimit
from api.infra.security import roles
from inventory.reference_pages import CountedPage
from loans import access_log
from loans.access_log import AccessView

AUDIT = roles("admin", "dpo")


class AccessLogController(Controller):
    path = "/api/v1/access-log"
    tags = ["protection des données"]
    guards = [AUDIT]

    @get(
        "/",
        summary="Journal des accès aux données des élèves, les plus récents d'abord",
        description=LIST_DESCRIPTION,
    )
    async def access_log(
        self,
        request: Request[Principal, None, None],
        student: QueryId = None,
        ine: Annotated[
            str | None, QueryParameter(description="INE de l'élève (complet)", max_length=11)
        ] = None,
        account: QueryId = None,
        first_day: Annotated[
            dt.date | None, QueryParameter(name="from", description="AAAA-MM-JJ, inclus")
        ] = None,
        last_day: Annotated[
            dt.date | None, QueryParameter(name="to", description="AAAA-MM-JJ, inclus")
        ] = None,
        limit: OptionalLimit = None,
        cursor: CursorQuery = None,
    ) -> CountedPage[AccessView]:
        filters = access_log.AccessFilters(
            student_id=student,
            ine=ine,
            account_id=account,
            first_day=first_day,
            last_day=last_day,
        )
        return await access_log.list_reads(
            audit_scope(request.user), filters, limit=limit or 50, cursor=cursor
        )


ROUTES = [AccessLogController]
