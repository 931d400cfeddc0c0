"""Reference data, as pages over the same domain functions as the API (api/controllers/
reference.py): regions (platform admin), establishments (admin; managers in their region);
device models in device_models.py, with the helpers below.

The lists are short (tens of regions, hundreds of schools and models) but still shown a page
at a time, by cursor (`inventory.reference_pages`, `api.pages.cursor_pages`).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect

from api.accounts.staff import Principal
from api.clock import utcnow
from api.infra.security import ADMIN_ONLY, EDIT_REFERENCE
from api.pages import cursor_pages
from api.pages.rendering import page
from inventory import catalogue, reference_history, reference_pages, regions
from inventory.errors import Conflict, Invalid, NotFound

PER_PAGE = 50
HISTORY_SHOWN = 20  # the latest changes of one row; older ones stay in the table
FIELD_NAMES = {
    "code": "code",
    "uai": "UAI",
    "name": "nom",
    "city": "ville",
    "region": "région",
    "contact_email": "adresse de contact",
    "contact_phone": "téléphone",
    "head_name": "chef d'établissement",
    "manufacturer": "fabricant",
    "category": "catégorie",
    "accessories": "accessoires",
}
PageCursor = Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)]
PageRank = Annotated[str | None, QueryParameter(name=cursor_pages.RANK)]
ESTABLISHMENT_FIELDS = ("name", "city", "contact_email", "contact_phone", "head_name")


def _shown(value: object) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return catalogue.CATEGORIES.get(str(value), str(value))


def change_text(name: str, pair: list) -> str:
    before, after = (pair + [None, None])[:2]
    return f"{FIELD_NAMES.get(name, name)} : {_shown(before)} → {_shown(after)}"


def who(request: Request[Principal, None, None]) -> dict:
    """Who and when, for the history of the change."""
    return {"actor": request.user.actor, "now": utcnow()}


def text_of(form, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def french(errors: dict[str, str]) -> dict[str, str]:
    return {name: message[:1].upper() + message[1:] + "." for name, message in errors.items()}


async def one_page(
    read, cursor: str | None, rank: str | None, path: str
) -> tuple[list, cursor_pages.CursorPages, str | None]:
    """A page of a reference list: `read(limit=…, cursor=…)` answers it. A bad cursor gives
    the first page and the French message to show (the page answers 400)."""
    alert = None
    try:
        listed = await read(limit=PER_PAGE, cursor=cursor)
    except Invalid:
        alert, rank = cursor_pages.CURSOR_ERROR, None
        listed = await read(limit=PER_PAGE)
    pages = cursor_pages.CursorPages.of(
        listed,
        first_rank=cursor_pages.rank(rank),
        total=listed.total,
        total_exact=listed.total_exact,
        path=path,
        query={},
        per_page=PER_PAGE,
    )
    return listed.items, pages, alert


def refused(error: Invalid | Conflict) -> dict[str, str]:
    if isinstance(error, Invalid):
        return french(error.errors)
    return {error.field or "name": error.message}


# Regions --------------------------------------------------------------------------------------


async def _regions_page(
    request: Request[Principal, None, None],
    cursor: str | None = None,
    rank: str | None = None,
    status: int = 200,
    **context,
) -> Response:
    shown, pages, alert = await one_page(
        partial(reference_pages.region_page, request.user.scope),
        cursor,
        rank,
        "/administration/regions",
    )
    if alert:
        status, context["alert"] = 400, alert
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return page(
        request, "pages/admin_regions.html", status=status, regions=shown, pages=pages, **context
    )


class RegionPages(Controller):
    path = "/administration/regions"
    include_in_schema = False
    guards = [ADMIN_ONLY]

    @get("/")
    async def region_list(
        self,
        request: Request[Principal, None, None],
        cursor: PageCursor = None,
        rank: PageRank = None,
        fait: FromQuery[str | None] = None,
    ) -> Response:
        return await _regions_page(request, cursor, rank, done=fait)

    @post("/")
    async def create_region(self, request: Request[Principal, None, None]) -> Response:
        form = await request.form()
        values = {"code": text_of(form, "code", 3), "name": text_of(form, "name")}
        try:
            await regions.create_region(
                request.user.scope, values["code"], values["name"], **who(request)
            )
        except (Invalid, Conflict) as error:
            status = error.status
            return await _regions_page(request, status=status, values=values, errors=refused(error))
        return Redirect("/administration/regions?fait=cree", status_code=303)

    @post("/{code:str}/nom")
    async def rename_region(
        self, request: Request[Principal, None, None], code: FromPath[str]
    ) -> Response:
        name = text_of(await request.form(), "name")
        try:
            await regions.rename_region(request.user.scope, code, name, **who(request))
        except Invalid as error:
            errors = {f"name-{code}": french(error.errors)["name"]}
            return await _regions_page(request, status=422, errors=errors)
        return Redirect("/administration/regions?fait=renomme", status_code=303)


# Establishments -------------------------------------------------------------------------------


async def _establishments_page(
    request: Request[Principal, None, None],
    cursor: str | None = None,
    rank: str | None = None,
    status: int = 200,
    **context,
) -> Response:
    scope = request.user.scope
    shown, pages, alert = await one_page(
        partial(reference_pages.establishment_page, scope),
        cursor,
        rank,
        "/administration/etablissements",
    )
    if alert:
        status, context["alert"] = 400, alert
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return page(
        request,
        "pages/admin_establishments.html",
        status=status,
        establishments=shown,
        pages=pages,
        regions=[r for r in await regions.list_regions(scope) if scope.manages_region(r.id)],
        **context,
    )


class EstablishmentAdminPages(Controller):
    path = "/administration/etablissements"
    include_in_schema = False
    guards = [EDIT_REFERENCE]

    @get("/")
    async def establishment_list(
        self,
        request: Request[Principal, None, None],
        cursor: PageCursor = None,
        rank: PageRank = None,
        fait: FromQuery[str | None] = None,
    ) -> Response:
        return await _establishments_page(request, cursor, rank, done=fait)

    @post("/")
    async def create_establishment(self, request: Request[Principal, None, None]) -> Response:
        form = await request.form()
        values = {name: text_of(form, name) for name in ("uai", "name", "city", "region_code")}
        values |= {
            "contact_email": text_of(form, "contact_email"),
            "contact_phone": text_of(form, "contact_phone", 40),
        }
        try:
            await regions.create_establishment(request.user.scope, **values, **who(request))
        except (Invalid, Conflict) as error:
            errors = refused(error)
            return await _establishments_page(
                request, status=error.status, values=values, errors=errors
            )
        return Redirect("/administration/etablissements?fait=cree", status_code=303)

    @get("/{uai:str}")
    async def establishment_edit(
        self,
        request: Request[Principal, None, None],
        uai: FromPath[str],
        fait: FromQuery[str | None] = None,
    ) -> Response:
        return await _establishment_page(request, uai, done=fait)

    @post("/{uai:str}")
    async def update_establishment(
        self, request: Request[Principal, None, None], uai: FromPath[str]
    ) -> Response:
        form = await request.form()
        values = {name: text_of(form, name) for name in ESTABLISHMENT_FIELDS}
        try:
            updated = await regions.update_establishment(
                request.user.scope, uai, values, **who(request)
            )
        except Invalid as error:
            return await _establishment_page(
                request, uai, status=422, values=values, errors=french(error.errors)
            )
        return Redirect(f"/administration/etablissements/{updated.uai}?fait=1", status_code=303)


async def _establishment_page(
    request: Request[Principal, None, None], uai: str, status: int = 200, **context
) -> Response:
    scope = request.user.scope
    establishment = await regions.get_establishment(scope, uai)
    region_id = await regions.region_id_for_code(establishment.region_code)
    if region_id is None or not scope.manages_region(region_id):
        raise NotFound(f"Établissement {uai} introuvable.")
    context.setdefault("values", {n: getattr(establishment, n) for n in ESTABLISHMENT_FIELDS})
    context.setdefault("errors", {})
    events = await reference_history.reference_events(
        scope, reference_history.ESTABLISHMENT, establishment.uai, region_id, limit=HISTORY_SHOWN
    )
    return page(
        request,
        "pages/admin_establishment.html",
        status=status,
        establishment=establishment,
        events=events,
        change_text=change_text,
        **context,
    )


ROUTES = [RegionPages, EstablishmentAdminPages]
