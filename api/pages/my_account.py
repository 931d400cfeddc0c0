"""« Mon compte »: anyone on the staff changes their password and manages the API tokens of
their own account (for scripts: a token acts with the account's role and scope).

A new token is answered in the page itself, never after a redirect, so that it is shown once.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect

from api.accounts import own, staff
from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import utcnow
from api.infra.security import OWN_ACCOUNT
from api.pages import cursor_pages
from api.pages.rendering import page
from inventory.errors import Invalid

PATH = "/mon-compte"
PER_PAGE = 50


def _text(form, name: str, limit: int) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


async def _page(
    request: Request[Principal, None, None],
    *,
    status: int = 200,
    cursor: str | None = None,
    rank: int = 1,
    **context,
) -> Response:
    account_id = request.user.account_id
    try:
        tokens = await staff.token_page(account_id, limit=PER_PAGE, cursor=cursor)
    except Invalid:
        status, context["alert"] = 400, cursor_pages.CURSOR_ERROR
        tokens = await staff.token_page(account_id, limit=PER_PAGE)
    return page(
        request,
        "pages/my_account.html",
        status=status,
        tokens=tokens.items,
        pages=cursor_pages.CursorPages.of(
            tokens,
            first_rank=rank,
            total=tokens.total,
            total_exact=tokens.total_exact,
            path=PATH,
            query={},
            per_page=PER_PAGE,
            fragment="#jetons",
        ),
        errors=context.pop("errors", {}),
        token_name=context.pop("token_name", ""),
        **context,
    )


class MyAccountPages(Controller):
    path = PATH
    include_in_schema = False
    guards = [OWN_ACCOUNT]  # every role, the read-only ones included: one's own account

    @get("/")
    async def my_account(
        self,
        request: Request[Principal, None, None],
        fait: FromQuery[str | None] = None,
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
    ) -> Response:
        return await _page(request, done=fait, cursor=cursor, rank=cursor_pages.rank(rank))

    @post("/jetons")
    async def create_token(self, request: Request[Principal, None, None]) -> Response:
        name = _text(await request.form(), "name", 100).strip()
        if not name:
            errors = {"name": "Donnez un nom au jeton (par exemple « script inventaire »)."}
            return await _page(request, status=422, errors=errors)
        token_id, token = await staff.create_token(request.user.account_id, name, utcnow())
        return await _page(request, status=201, new_token=token, new_token_name=name)

    @post("/jetons/{token_id:int}/revocation")
    async def revoke_token(
        self, request: Request[Principal, None, None], token_id: PathId
    ) -> Response:
        await staff.revoke_token(request.user.account_id, token_id, utcnow())
        return Redirect(f"{PATH}?fait=revoque", status_code=303)

    @post("/mot-de-passe")
    async def change_password(self, request: Request[Principal, None, None]) -> Response:
        form = await request.form()
        try:
            await own.change_own_password(
                request.user.actor,
                utcnow(),
                current=_text(form, "current", 1000),
                new=_text(form, "new", 1000),
                confirmation=_text(form, "confirmation", 1000),
            )
        except Invalid as error:
            return await _page(request, status=422, errors=error.errors)
        return Redirect(f"{PATH}?fait=mot-de-passe", status_code=303)


ROUTES = [MyAccountPages]
