"""Establishments: the list of those in scope, and one school with its fleet by state."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from api.accounts.staff import Principal
from api.pages import cursor_pages, wording
from api.pages.rendering import page
from api.pages.terms import terms_url
from inventory import fleet_counts, reference_pages, regions
from inventory.errors import Invalid, NotFound
from inventory.fleet_counts import fleet_total

PER_PAGE = 50


class EstablishmentPages(Controller):
    path = "/etablissements"
    include_in_schema = False

    @get("/")
    async def establishment_list(
        self,
        request: Request[Principal, None, None],
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
    ) -> Template:
        scope = request.user.scope
        status, alert = 200, None
        try:
            found = await reference_pages.establishment_page(scope, limit=PER_PAGE, cursor=cursor)
        except Invalid:  # a hand-edited address: the first page, and why
            status, alert = 400, cursor_pages.CURSOR_ERROR
            found = await reference_pages.establishment_page(scope, limit=PER_PAGE)
        return page(
            request,
            "pages/establishment_list.html",
            status=status,
            alert=alert,
            establishments=found.items,
            pages=cursor_pages.CursorPages.of(
                found,
                first_rank=cursor_pages.rank(rank),
                total=found.total,
                total_exact=found.total_exact,
                path="/etablissements",
                query={},
                per_page=PER_PAGE,
            ),
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
