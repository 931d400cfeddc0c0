"""Reference data, as pages over the same domain functions as the API (api/controllers/
reference.py): regions (platform admin), establishments (admin; managers in their region);
device models in device_models.py, with the helpers below.

The lists are short (tens of regions, hundreds of schools and models): the domain returns
them whole and the page shows one page of them with the shared pagination.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect

from api.accounts.staff import Principal
from api.clock import utcnow
from api.infra.security import ADMIN_ONLY, EDIT_REFERENCE
from api.pages import pagination
from api.pages.rendering import page
from inventory import catalogue, reference_history, regions
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
PageNumber = Annotated[int, QueryParameter(name="page", ge=1, le=100_000)]
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


def one_page(items: list, number: int, path: str) -> tuple[list, pagination.Pagination]:
    start = pagination.offset(number, PER_PAGE)
    shown = items[start : start + PER_PAGE]
    return shown, pagination.Pagination.of(number, PER_PAGE, len(items), len(shown), path, {})


def refused(error: Invalid | Conflict) -> dict[str, str]:
    if isinstance(error, Invalid):
        return french(error.errors)
    return {error.field or "name": error.message}


# Regions --------------------------------------------------------------------------------------


async def _regions_page(
    request: Request[Principal, None, None], number: int = 1, status: int = 200, **context
) -> Response:
    shown, pages = one_page(
        await regions.list_regions(request.user.scope), number, "/administration/regions"
    )
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
        page_number: PageNumber = 1,
        fait: FromQuery[str | None] = None,
    ) -> Response:
        return await _regions_page(request, page_number, done=fait)

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
    request: Request[Principal, None, None], number: int = 1, status: int = 200, **context
) -> Response:
    scope = request.user.scope
    shown, pages = one_page(
        await regions.list_establishments(scope), number, "/administration/etablissements"
    )
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
        page_number: PageNumber = 1,
        fait: FromQuery[str | None] = None,
    ) -> Response:
        return await _establishments_page(request, page_number, done=fait)

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
