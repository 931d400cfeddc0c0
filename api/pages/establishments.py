"""Establishments: the list of those in scope, and one school with its fleet by state."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from api.accounts.staff import Principal
from api.pages import wording
from api.pages.rendering import page
from api.pages.terms import terms_url
from inventory import fleet_counts, regions
from inventory.errors import NotFound
from inventory.fleet_counts import fleet_total


class EstablishmentPages(Controller):
    path = "/etablissements"
    include_in_schema = False

    @get("/")
    async def establishment_list(self, request: Request[Principal, None, None]) -> Template:
        scope = request.user.scope
        return page(
            request,
            "pages/establishment_list.html",
            establishments=await regions.list_establishments(scope),
            # Each region's loan terms: its manager edits them there, its staff read them.
            regions=await regions.list_regions(scope),
        )

    @get("/{uai:str}")
    async def establishment_detail(
        self, request: Request[Principal, None, None], uai: FromPath[str]
    ) -> Template:
        scope = request.user.scope
        establishment = await regions.get_establishment(scope, uai)
        counts = await fleet_counts.count_by_state(scope, establishment.uai)
        try:
            region_name = (await regions.get_region(scope, establishment.region_code)).name
            terms_link = terms_url(establishment.region_code)
        except NotFound:
            region_name, terms_link = establishment.region_code, None
        return page(
            request,
            "pages/establishment_detail.html",
            establishment=establishment,
            region_name=region_name,
            terms_link=terms_link,
            counts=[(state, wording.state_label(state), n) for state, n in counts.items()],
            total=fleet_total(counts),
        )


ROUTES = [EstablishmentPages]
