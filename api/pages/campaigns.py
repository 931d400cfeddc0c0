"""Campaign pages: the list with a form to create one, and the page of one campaign with its
progress bars (each with its numbers in words), the to-do table student by student, and the
forms to edit or close it. Plain forms, no script: each POST answers with a redirect.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect

from api.access_log import note_list
from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import today, utcnow
from api.controllers.campaigns import RUN_CAMPAIGNS
from api.pages import cursor_pages
from api.pages.rendering import page
from inventory import regions
from inventory.errors import Conflict, Invalid
from loans import campaign_progress, campaigns
from loans.states import STATES as LOAN_STATES

LIST = "/campagnes"
RUNNING_ROLES = ("admin", "region_manager", "it_staff")
PER_PAGE = 50
CONFIRMED = "oui"
GROUPS = (  # the list's three parts, each paged on its own
    ("running", "En cours", "en cours"),
    ("planned", "À venir", "à venir"),
    ("ended", "Terminées", "terminée"),
)
_DATE_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class CampaignForm(msgspec.Struct):
    # Every field optional: an empty one gets a French message next to it, not a 400.
    establishment_uai: str = ""
    kind: str = ""
    name: str = ""
    class_names: str = ""
    starts_on: str = ""
    ends_on: str = ""


class ConfirmForm(msgspec.Struct):
    confirm: str = ""


def _can_run(request: Request[Principal, None, None]) -> bool:
    return request.user.role in RUNNING_ROLES


def _date(raw: str, field: str, errors: dict[str, str]) -> dt.date | None:
    """AAAA-MM-JJ (a date field) or JJ/MM/AAAA (typed by hand); empty is None."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        if match := _DATE_FR.match(raw):
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[field] = "date invalide : JJ/MM/AAAA attendu"
        return None


def _classes(raw: str) -> list[str]:
    return [part for part in re.split(r"[,;\n]", raw) if part.strip()]


def _form_of(campaign: campaigns.CampaignView) -> CampaignForm:
    return CampaignForm(
        establishment_uai=campaign.establishment.uai,
        kind=campaign.kind,
        name=campaign.name,
        class_names=", ".join(campaign.class_names),
        starts_on=campaign.starts_on.isoformat(),
        ends_on=campaign.ends_on.isoformat() if campaign.ends_on else "",
    )


async def _list_page(
    request: Request[Principal, None, None],
    *,
    status: int = 200,
    form: CampaignForm | None = None,
    errors: dict[str, str] | None = None,
    shown: str = "",
    cursor: str | None = None,
    rank: int = 1,
) -> Response:
    scope = request.user.scope
    groups, alert = [], None
    for key, title, words in GROUPS:
        # Each group is a list of its own; the one named by `liste` is at `cursor`.
        at = cursor if shown == key else None
        try:
            listed = await campaigns.list_campaigns(
                scope, today(), status=key, limit=PER_PAGE, cursor=at
            )
        except Invalid:
            status, alert = 400, cursor_pages.CURSOR_ERROR
            listed = await campaigns.list_campaigns(scope, today(), status=key, limit=PER_PAGE)
        pages = cursor_pages.CursorPages.of(
            listed,
            first_rank=rank if at else 1,
            total=listed.total,
            total_exact=listed.total_exact,
            path=LIST,
            query={"liste": key},
            per_page=PER_PAGE,
            fragment=f"#campagnes-{key}",
        )
        groups.append((key, title, words, listed.items, pages))
    return page(
        request,
        "pages/campaign_list.html",
        status=status,
        alert=alert,
        groups=groups,
        establishments=await regions.list_establishments(scope) if _can_run(request) else [],
        can_run=_can_run(request),
        kinds=campaigns.KINDS,
        form=form or CampaignForm(kind="distribution", starts_on=today().isoformat()),
        errors=errors or {},
    )


async def _detail_page(
    request: Request[Principal, None, None],
    campaign_id: int,
    *,
    status: int = 200,
    todo_status: str = "pending",
    cursor: str | None = None,
    rank: int = 1,
    form: CampaignForm | None = None,
    errors: dict[str, str] | None = None,
    **context,
) -> Response:
    scope = request.user.scope
    progress = await campaign_progress.campaign_progress(scope, campaign_id, today())
    kind = progress.campaign.kind
    if todo_status not in ("pending", "all", *campaign_progress.STEPS[kind]):
        todo_status = "pending"
    try:
        todo = await campaign_progress.campaign_todo(
            scope, campaign_id, status=todo_status, limit=PER_PAGE, cursor=cursor
        )
    except Invalid:  # a cursor of another list or a hand-edited one: the first page
        status, context["alert"] = 400, cursor_pages.CURSOR_ERROR
        todo = await campaign_progress.campaign_todo(
            scope, campaign_id, status=todo_status, limit=PER_PAGE
        )
    shown = [item.student_id for item in todo.items]
    note_list(request, shown, {"campaign": campaign_id, "status": todo_status})
    pages = cursor_pages.CursorPages.of(
        todo,
        first_rank=rank,
        total=todo.total,
        total_exact=todo.total_exact,
        path=f"{LIST}/{campaign_id}",
        query={"statut": "" if todo_status == "pending" else todo_status},
        per_page=PER_PAGE,
        fragment="#a-faire",
    )
    return page(
        request,
        "pages/campaign_detail.html",
        status=status,
        progress=progress,
        campaign=progress.campaign,
        kinds=campaigns.KINDS,
        statuses=campaigns.STATUSES,
        steps=campaign_progress.STEPS[kind],
        loan_states=LOAN_STATES,
        todo=todo,
        todo_status=todo_status,
        pages=pages,
        can_run=_can_run(request),
        today=today(),
        form=form or _form_of(progress.campaign),
        errors=errors or {},
        **context,
    )


class CampaignPages(Controller):
    path = LIST
    include_in_schema = False

    @get("/")
    async def campaign_list(
        self,
        request: Request[Principal, None, None],
        liste: Annotated[str, QueryParameter(max_length=20)] = "",
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
    ) -> Response:
        return await _list_page(request, shown=liste, cursor=cursor, rank=cursor_pages.rank(rank))

    @post("/", guards=[RUN_CAMPAIGNS])
    async def create_campaign(
        self, request: Request[Principal, None, None], data: URLEncodedBody[CampaignForm]
    ) -> Response:
        errors: dict[str, str] = {}
        if not data.establishment_uai.strip():
            errors["establishment_uai"] = "Choisissez l'établissement."
        if not data.kind:
            errors["kind"] = "Choisissez le type de campagne."
        starts_on = _date(data.starts_on, "starts_on", errors)
        ends_on = _date(data.ends_on, "ends_on", errors)
        if errors:
            return await _list_page(request, status=422, form=data, errors=errors)
        principal = request.user
        try:
            created = await campaigns.create_campaign(
                principal.scope,
                principal.actor,
                utcnow(),
                establishment_uai=data.establishment_uai,
                kind=data.kind,
                name=data.name,
                class_names=_classes(data.class_names),
                starts_on=starts_on,
                ends_on=ends_on,
            )
        except Invalid as error:
            return await _list_page(request, status=error.status, form=data, errors=error.errors)
        except Conflict as error:
            errors = {error.field or "name": error.message}
            return await _list_page(request, status=error.status, form=data, errors=errors)
        return Redirect(f"{LIST}/{created.id}", status_code=303)

    @get("/{campaign_id:int}")
    async def campaign_detail(
        self,
        request: Request[Principal, None, None],
        campaign_id: PathId,
        statut: Annotated[str, QueryParameter(max_length=20)] = "pending",
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
        done: FromQuery[str | None] = None,
    ) -> Response:
        return await _detail_page(
            request,
            campaign_id,
            todo_status=statut,
            cursor=cursor,
            rank=cursor_pages.rank(rank),
            done=done,
        )

    @post("/{campaign_id:int}/modifier", guards=[RUN_CAMPAIGNS])
    async def edit_campaign(
        self,
        request: Request[Principal, None, None],
        campaign_id: PathId,
        data: URLEncodedBody[CampaignForm],
    ) -> Response:
        errors: dict[str, str] = {}
        changes = {
            "name": data.name,
            "class_names": _classes(data.class_names),
            "starts_on": _date(data.starts_on, "starts_on", errors),
            "ends_on": _date(data.ends_on, "ends_on", errors),
        }
        principal = request.user
        try:
            if errors:
                raise Invalid(errors)
            await campaigns.update_campaign(
                principal.scope, principal.actor, utcnow(), campaign_id, changes
            )
        except Invalid as error:
            return await _detail_page(
                request, campaign_id, status=error.status, form=data, errors=error.errors
            )
        except Conflict as error:
            errors = {error.field or "name": error.message}
            return await _detail_page(
                request, campaign_id, status=error.status, form=data, errors=errors
            )
        return Redirect(f"{LIST}/{campaign_id}?done=modifiee", status_code=303)

    @post("/{campaign_id:int}/cloture", guards=[RUN_CAMPAIGNS])
    async def close_campaign(
        self,
        request: Request[Principal, None, None],
        campaign_id: PathId,
        data: URLEncodedBody[ConfirmForm],
    ) -> Response:
        if data.confirm != CONFIRMED:
            error = "Cochez la case pour confirmer la clôture."
            return await _detail_page(request, campaign_id, status=422, close_error=error)
        principal = request.user
        try:
            await campaigns.close_campaign(principal.scope, principal.actor, utcnow(), campaign_id)
        except Conflict as error:
            return await _detail_page(
                request, campaign_id, status=error.status, alert=error.message
            )
        return Redirect(f"{LIST}/{campaign_id}?done=close", status_code=303)


ROUTES = [CampaignPages]
