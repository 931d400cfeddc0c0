"""The region's loan terms, for people: the terms in force rendered, the form a region
manager publishes a new version with (the markup of `loans.terms` in a textarea), and the
history of versions, each readable on its own page. School staff read them, without the form.
Plain form, no script: a publish answers with a redirect; an error re-renders the form with
the text as typed and the message next to it.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect

from api.accounts.staff import Principal
from api.bodies import MAX_DB_ID, PathId
from api.clock import utcnow
from api.controllers.terms import EDIT_TERMS, EDITOR_ROLES, READ_TERMS
from api.pages.rendering import page
from inventory import regions
from inventory.errors import Conflict, Invalid
from inventory.views import RegionView
from loans import terms_versions
from loans.terms import FIELD, Block, format_terms

PATH = "/regions/{code:str}/conditions"


class TermsForm(msgspec.Struct):
    terms: str = ""


def terms_url(region_code: str, version: int | None = None) -> str:
    url = f"/regions/{region_code}/conditions"
    return url if version is None else f"{url}/{version}"


def _blocks(blocks: list[Block]) -> list[dict]:
    """As plain dicts tagged by `kind`, for the template."""
    return msgspec.to_builtins(blocks)


def _may_publish(request: Request[Principal, None, None], region: RegionView) -> bool:
    principal = request.user
    return principal.role in EDITOR_ROLES and principal.scope.manages_region(region.id)


async def _terms_page(
    request: Request[Principal, None, None],
    code: str,
    *,
    status: int = 200,
    typed: str | None = None,
    errors: dict[str, str] | None = None,
    published: int | None = None,
) -> Response:
    scope = request.user.scope
    region = await regions.get_region(scope, code)
    current = await terms_versions.current_terms_of(scope, code)
    return page(
        request,
        "pages/terms.html",
        status=status,
        region=region,
        current=current,
        blocks=_blocks(current.blocks),
        history=await terms_versions.list_terms_versions(scope, code),
        can_publish=_may_publish(request, region),
        text=format_terms(current.blocks) if typed is None else typed,
        errors=errors or {},
        published=published,
        terms_url=terms_url,
    )


class TermsPages(Controller):
    path = PATH
    include_in_schema = False
    guards = [READ_TERMS]

    @get("/")
    async def terms(
        self,
        request: Request[Principal, None, None],
        code: FromPath[str],
        publiee: Annotated[int | None, QueryParameter(ge=1, le=MAX_DB_ID)] = None,
    ) -> Response:
        return await _terms_page(request, code, published=publiee)

    @post("/", guards=[EDIT_TERMS])
    async def publish(
        self,
        request: Request[Principal, None, None],
        code: FromPath[str],
        data: URLEncodedBody[TermsForm],
    ) -> Response:
        principal = request.user
        try:
            published = await terms_versions.publish_terms(
                principal.scope, principal.actor, utcnow(), code, data.terms
            )
        except Invalid as error:
            return await _terms_page(
                request, code, status=error.status, typed=data.terms, errors=error.errors
            )
        except Conflict as error:
            errors = {error.field or FIELD: error.message}
            return await _terms_page(
                request, code, status=error.status, typed=data.terms, errors=errors
            )
        return Redirect(f"{terms_url(code)}?publiee={published.version}", status_code=303)

    @get("/{version:int}")
    async def terms_version(
        self, request: Request[Principal, None, None], code: FromPath[str], version: PathId
    ) -> Response:
        scope = request.user.scope
        region = await regions.get_region(scope, code)
        shown = await terms_versions.terms_version(scope, code, version)
        current = await terms_versions.current_terms_of(scope, code)
        return page(
            request,
            "pages/terms_version.html",
            region=region,
            terms=shown,
            blocks=_blocks(shown.blocks),
            in_force=shown.version == current.version,
            current_version=current.version,
            terms_url=terms_url,
        )


ROUTES = [TermsPages]
