"""The asset list (filters, sort, pages, CSV export link) and the page of one asset."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template

from api.accounts.staff import Principal
from api.clock import today
from api.controllers import scan
from api.controllers.labels import print_form
from api.infra.security import FLEET_EDITORS, may_lend
from api.pages import cursor_pages, pagination, wording
from api.pages.errors import gone_elsewhere_page
from api.pages.rendering import page
from inventory import assets, catalogue, locations, regions
from inventory.errors import Invalid, NotFound
from inventory.keyset import BadCursor
from inventory.views import AssetView
from loans.listing import open_loan_for_tag
from loans.states import STATES as LOAN_STATES
from loans.transfers import TransferredTo

LIST = "/appareils"
DECLARED = {
    "perte": "Perte déclarée : l'appareil est maintenant perdu.",
    "vol": "Vol déclaré : l'appareil est maintenant volé.",
}
PAGE_SIZE = 50
MAX_SEARCH = 80


def _selection(chosen: dict[str, str]) -> dict[str, str]:
    """The query of this selection; the default sort is left out to keep addresses short."""
    return {name: value for name, value in chosen.items() if (name, value) != ("sort", "tag")}


class AssetPages(Controller):
    path = LIST
    include_in_schema = False

    @get("/")
    async def asset_list(
        self,
        request: Request[Principal, None, None],
        asset_state: Annotated[str | None, QueryParameter(name="state")] = None,
        establishment: FromQuery[str | None] = None,
        model: FromQuery[str | None] = None,
        location: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
        sort: FromQuery[str | None] = None,
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
    ) -> Template:
        scope = request.user.scope
        position = cursor_pages.page_cursor(cursor)
        chosen = {
            "q": (q or "").strip()[:MAX_SEARCH],
            "state": (asset_state or "").strip(),
            "establishment": (establishment or "").strip().upper()[:20],
            # A model id: the dashboard's drill-down by model (no selector on this page).
            "model": (model or "").strip()[:10],
            # A location of the chosen school (its selector shows once a school is chosen).
            "location": (location or "").strip()[:10],
            "sort": (sort or "tag").strip(),
        }
        errors: dict[str, str] = {}
        if chosen["state"] and chosen["state"] not in assets.STATUSES:
            errors["state"] = "État inconnu : choisissez un état dans la liste."
        if chosen["model"] and not (chosen["model"].isdigit() and 0 < int(chosen["model"]) < 2**31):
            errors["model"] = "Modèle inconnu : un numéro de modèle est attendu."
        if chosen["location"] and not (
            chosen["location"].isdigit() and 0 < int(chosen["location"]) < 2**31
        ):
            errors["location"] = "Emplacement inconnu : choisissez-le dans la liste."
        if chosen["sort"] not in wording.SORTS:
            errors["sort"] = "Tri inconnu : choisissez un tri dans la liste."
        result = None
        if not errors:
            filters = assets.AssetFilters(
                state=chosen["state"] or None,
                establishment_uai=chosen["establishment"] or None,
                model_id=int(chosen["model"]) if chosen["model"] else None,
                search=chosen["q"] or None,
                location_id=int(chosen["location"]) if chosen["location"] else None,
            )
            try:
                result = await assets.list_assets(
                    scope, filters, chosen["sort"], PAGE_SIZE, cursor=position
                )
            except BadCursor:  # the French 400 page (api/errors.py), not the form's 422
                raise
            except Invalid as error:  # a rule of the domain this page does not check itself
                errors.update(error.errors)
        context = {
            "chosen": chosen,
            "errors": errors,
            "result": result,
            "states": assets.STATUSES,
            "sorts": wording.SORTS,
            "establishments": await regions.list_establishments(scope),
            "places": await _places(scope, chosen["establishment"]),
            "export_url": pagination.page_url("/api/v1/assets/export.csv", _selection(chosen)),
            "state_label": wording.state_label,
            "status_label": wording.status_label,
            "print_form": print_form(request),
        }
        if result is not None:
            context["pages"] = cursor_pages.CursorPages.of_result(
                result,
                cursor_pages.rank(rank),
                PAGE_SIZE,
                LIST,
                _selection(chosen),
            )
        return page(request, "pages/asset_list.html", status=422 if errors else 200, **context)

    @get("/{tag:str}")
    async def asset_detail(
        self,
        request: Request[Principal, None, None],
        tag: FromPath[str],
        fait: FromQuery[str | None] = None,
    ) -> Template | Response:
        scope = request.user.scope
        try:
            asset = await assets.get_asset(scope, tag.strip("/"))
        except NotFound:  # transferred away from the caller's school: say where it went
            try:
                await scan.say_where_it_went(request.user, tag.strip("/"))
            except scan.Transferred as moved:
                return gone_elsewhere_page(
                    request, "Appareil transféré", moved.message, transfer_links(moved.went)
                )
            raise
        events = await assets.asset_history(scope, asset.tag)
        mentions_models = any(
            name in ("model", "model_id") for event in events for name in event.changes
        )
        model_names = {}
        if mentions_models:
            model_names = {
                model.id: f"{model.manufacturer} {model.name}"
                for model in await catalogue.list_device_models()
            }
        return page(
            request,
            "pages/asset_detail.html",
            asset=asset,
            region_name=await _region_name(request.user, asset),
            state=wording.state_label(asset.state),
            status_word=wording.status_label(asset),
            condition=wording.condition_label(asset.condition),
            category=wording.category_label(asset.model.category),
            history=wording.history_lines(events, model_names),
            loan=await open_loan_for_tag(scope, asset.tag, today()),
            loan_states=LOAN_STATES,
            may_lend=may_lend(request.user),
            may_declare=request.user.role in FLEET_EDITORS,
            done=DECLARED.get(fait or "", ""),
        )


def transfer_links(went: TransferredTo) -> list[tuple[str, str]]:
    """How to reach the school a device went to (its pages are not the caller's to see)."""
    if not went.contact_email:
        return []
    return [(f"mailto:{went.contact_email}", f"Écrire à {went.name} ({went.contact_email})")]


async def _places(scope, uai: str) -> list[locations.LocationView]:
    """The locations of the chosen school, for the filter; none without a school (a region
    holds too many)."""
    if not uai:
        return []
    try:
        return await locations.list_locations(scope, uai)
    except NotFound:
        return []


async def _region_name(principal: Principal, asset: AssetView) -> str:
    try:
        return (await regions.get_region(principal.scope, asset.region_code)).name
    except NotFound:
        return asset.region_code


ROUTES = [AssetPages]
