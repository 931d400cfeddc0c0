"""The administration hub: what the platform admin and region managers look after, one link
each (accounts, regions, establishments, device models, each region's policy and overdue
loans)."""

from __future__ import annotations

from litestar import Request, Response, get

from api.accounts.staff import Principal
from api.infra.security import EDIT_REFERENCE
from api.pages.rendering import page
from inventory import regions


@get("/administration", guards=[EDIT_REFERENCE], include_in_schema=False)
async def administration_home(request: Request[Principal, None, None]) -> Response:
    scope = request.user.scope
    return page(
        request,
        "pages/administration.html",
        # A manager's own region; every region for the admin.
        regions=[r for r in await regions.list_regions(scope) if scope.manages_region(r.id)],
    )


ROUTES = [administration_home]
