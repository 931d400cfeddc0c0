"""Campaigns (distribution at la rentrée, collection in June) and overdue loans.

Creating, editing and closing a campaign: admin, region manager, IT staff. Reading, the
progress and the to-do list: anyone whose scope sees the establishment (a head reads).
Overdue loans: per establishment for everyone in scope; the region-wide counts are for the
region's managers.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from api.access_log import note_list
from api.accounts.staff import Principal
from api.bodies import PathId, Uai, UaiQuery, set_fields
from api.clock import today, utcnow
from api.cursors import LIST_DESCRIPTION, CursorQuery
from api.infra.security import roles
from loans import campaign_progress, campaigns, overdue
from loans.campaign_progress import CampaignProgress, TodoPage
from loans.campaigns import CampaignPage, CampaignView
from loans.overdue import OverduePage, RegionOverdue

RUN_CAMPAIGNS = roles("admin", "region_manager", "it_staff")
REGION_WIDE = roles("admin", "region_manager")

Name = Annotated[str, msgspec.Meta(max_length=1000)]  # 150 once spaces are collapsed
ClassNames = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=40)]], msgspec.Meta(max_length=200)
]
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="500 au plus")]
Offset = Annotated[int, QueryParameter(ge=0, le=1_000_000)]


class CampaignIn(msgspec.Struct, forbid_unknown_fields=True):
    establishment_uai: Uai
    kind: str  # "distribution" or "collection"
    name: Name
    starts_on: dt.date
    ends_on: dt.date | None = None
    class_names: ClassNames = msgspec.field(default_factory=list)  # empty: every class


class CampaignPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    class_names: ClassNames | msgspec.UnsetType = msgspec.UNSET
    starts_on: dt.date | msgspec.UnsetType = msgspec.UNSET
    ends_on: dt.date | None | msgspec.UnsetType = msgspec.UNSET


class CampaignController(Controller):
    path = "/api/v1/campaigns"
    tags = ["campagnes"]

    @get("/", summary="Campagnes, les plus récentes d'abord")
    async def list_campaigns(
        self,
        request: Request[Principal, None, None],
        establishment: UaiQuery = None,
        kind: Annotated[
            str | None, QueryParameter(description="distribution ou collection")
        ] = None,
        status: Annotated[
            str | None, QueryParameter(description="planned, running ou ended")
        ] = None,
        limit: Limit = 50,
        offset: Offset = 0,
        cursor: CursorQuery = None,
    ) -> CampaignPage:
        return await campaigns.list_campaigns(
            request.user.scope,
            today(),
            establishment_uai=establishment or None,
            kind=kind or None,
            status=status or None,
            limit=limit,
            offset=offset,
            cursor=cursor,
        )

    @post("/", guards=[RUN_CAMPAIGNS], summary="Créer une campagne")
    async def create_campaign(
        self, request: Request[Principal, None, None], data: JSONBody[CampaignIn]
    ) -> CampaignView:
        principal = request.user
        return await campaigns.create_campaign(
            principal.scope,
            principal.actor,
            utcnow(),
            establishment_uai=data.establishment_uai,
            kind=data.kind,
            name=data.name,
            class_names=data.class_names,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
        )

    @get("/{campaign_id:int}")
    async def get_campaign(
        self, request: Request[Principal, None, None], campaign_id: PathId
    ) -> CampaignView:
        return await campaigns.get_campaign(request.user.scope, campaign_id, today())

    @patch("/{campaign_id:int}", guards=[RUN_CAMPAIGNS], summary="Modifier nom, classes, dates")
    async def update_campaign(
        self,
        request: Request[Principal, None, None],
        campaign_id: PathId,
        data: JSONBody[CampaignPatch],
    ) -> CampaignView:
        principal = request.user
        return await campaigns.update_campaign(
            principal.scope, principal.actor, utcnow(), campaign_id, set_fields(data)
        )

    @post(
        "/{campaign_id:int}/close",
        guards=[RUN_CAMPAIGNS],
        status_code=200,
        summary="Clore la campagne (elle se termine aujourd'hui)",
    )
    async def close_campaign(
        self, request: Request[Principal, None, None], campaign_id: PathId
    ) -> CampaignView:
        principal = request.user
        return await campaigns.close_campaign(
            principal.scope, principal.actor, utcnow(), campaign_id
        )

    @get(
        "/{campaign_id:int}/progress",
        summary="Avancement",
        description=(
            "Distribution : élèves avec appareil remis, convention signée, prêt préparé, sans "
            "prêt. Collecte : appareils rendus, cédés, perdus ou volés, à rendre."
        ),
    )
    async def progress(
        self, request: Request[Principal, None, None], campaign_id: PathId
    ) -> CampaignProgress:
        return await campaign_progress.campaign_progress(request.user.scope, campaign_id, today())

    @get(
        "/{campaign_id:int}/todo",
        summary="Ce qui reste à faire, élève par élève",
        description=(
            "Par classe et par nom. `status` : `pending` (par défaut, ce qui reste à faire), "
            "`all`, ou une étape (`missing`, `prepared`, `signed`, `handed_over` ; "
            "`to_return`, `returned`, `ceded`, `missing`)."
        ),
    )
    async def todo(
        self,
        request: Request[Principal, None, None],
        campaign_id: PathId,
        status: Annotated[str | None, QueryParameter(max_length=20)] = None,
        limit: Limit = 50,
        offset: Offset = 0,
        cursor: CursorQuery = None,
    ) -> TodoPage:
        found = await campaign_progress.campaign_todo(
            request.user.scope,
            campaign_id,
            status=status or None,
            limit=limit,
            offset=offset,
            cursor=cursor,
        )
        shown = [item.student_id for item in found.items]
        note_list(request, shown, {"campaign": campaign_id, "status": status})
        return found


class OverdueController(Controller):
    path = "/api/v1/loans/overdue"
    tags = ["prêts"]

    @get(
        "/",
        summary="Prêts en retard",
        description=(
            "Appareil toujours chez l'élève et date de retour (Europe/Paris) dépassée ; la date "
            "d'échéance la plus ancienne d'abord, puis par numéro de prêt. " + LIST_DESCRIPTION
        ),
    )
    async def list_overdue(
        self,
        request: Request[Principal, None, None],
        establishment: UaiQuery = None,
        limit: Limit = 50,
        offset: Offset = 0,
        cursor: CursorQuery = None,
    ) -> OverduePage:
        found = await overdue.overdue_loans(
            request.user.scope,
            today(),
            establishment_uai=establishment or None,
            limit=limit,
            offset=offset,
            cursor=cursor,
        )
        shown = [line.student.id for line in found.items]
        note_list(request, shown, {"overdue": True, "establishment": establishment})
        return found


@get(
    "/api/v1/regions/{code:str}/overdue",
    guards=[REGION_WIDE],
    tags=["prêts"],
    summary="Prêts en retard de la région, par établissement",
)
async def region_overdue(
    request: Request[Principal, None, None], code: FromPath[str]
) -> RegionOverdue:
    return await overdue.region_overdue(request.user.scope, code, today())


ROUTES = [CampaignController, OverdueController, region_overdue]
