"""Staff accounts, for the platform admin (every account) and region managers (those of their
region): the list with its search, creating one, changing its role and scopes, deactivating
and reactivating it, resetting its password, and its history with the last sign-ins.

A temporary password is answered in the page itself, never after a redirect: reloading the
page must not show it again, and nothing stores it.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect

from api.accounts import administration, history
from api.accounts.staff import ROLES, Principal
from api.bodies import PathId
from api.clock import utcnow
from api.infra.security import EDIT_REFERENCE
from api.pages import cursor_pages
from api.pages.rendering import page
from inventory import regions
from inventory.errors import Conflict, Invalid

LIST = "/administration/comptes"
PER_PAGE = 50
EVENTS_PER_PAGE = 20
ACTIONS = {
    "created": "Compte créé",
    "changed": "Rôle, périmètre ou nom modifié",
    "deactivated": "Compte désactivé",
    "reactivated": "Compte réactivé",
    "password_reset": "Mot de passe réinitialisé",
    "password_changed": "Mot de passe changé par la personne",
    "token_created": "Jeton d'API créé",
    "token_revoked": "Jeton d'API révoqué",
}
FIELDS = {
    "email": "adresse",
    "display_name": "nom",
    "role": "rôle",
    "region": "région",
    "establishments": "établissements",
    "active": "actif",
    "token": "jeton",
}


def _shown(name: str, value: object) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if name == "role":
        return ROLES.get(str(value), str(value))
    return str(value)


def change_text(name: str, pair: list) -> str:
    """One line of the history: « rôle : référent numérique → gestionnaire de région »."""
    before, after = (pair + [None, None])[:2]
    return f"{FIELDS.get(name, name)} : {_shown(name, before)} → {_shown(name, after)}"


def _text(form, name: str, limit: int) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _form_values(form) -> dict:
    uais = [v.strip() for v in form.getall("establishments", []) if isinstance(v, str)]
    return {
        "email": _text(form, "email", 254),
        "display_name": _text(form, "display_name", 200),
        "role": _text(form, "role", 20),
        "region_code": _text(form, "region_code", 3),
        "establishment_uais": [u for u in uais if u][:500],
    }


async def _choices(principal: Principal) -> dict:
    """What the create and change forms offer: the roles this manager may give, the regions
    (admin only) and the establishments of the manager's scope."""
    return {
        "roles": [(r, ROLES[r]) for r in administration.grantable_roles(principal.role)],
        "regions": await regions.list_regions(principal.scope)
        if principal.scope.everything
        else [],
        "establishments": await administration.establishment_choices(principal.scope),
    }


async def _create_page(
    request: Request[Principal, None, None], values: dict, errors: dict, status: int = 200
) -> Response:
    return page(
        request,
        "pages/account_new.html",
        status=status,
        values=values,
        errors=errors,
        **await _choices(request.user),
    )


async def _detail_page(
    request: Request[Principal, None, None],
    account_id: int,
    *,
    status: int = 200,
    cursor: str | None = None,
    rank: int = 1,
    values: dict | None = None,
    errors: dict | None = None,
    **context,
) -> Response:
    account = await administration.get_account(request.user.scope, account_id)
    try:
        events = await history.event_page(account_id, limit=EVENTS_PER_PAGE, cursor=cursor)
    except Invalid:
        status, context["alert"] = 400, cursor_pages.CURSOR_ERROR
        events = await history.event_page(account_id, limit=EVENTS_PER_PAGE)
    total, exact = await history.count_account_events(account_id)
    path = f"{LIST}/{account_id}"
    return page(
        request,
        "pages/account_detail.html",
        status=status,
        account=account,
        values=values
        or {
            "display_name": account.display_name,
            "role": account.role,
            "region_code": account.region_code or "",
            "establishment_uais": [e.uai for e in account.establishments],
        },
        errors=errors or {},
        events=events.items,
        pages=cursor_pages.CursorPages.of(
            events,
            first_rank=rank,
            total=total,
            total_exact=exact,
            path=path,
            query={},
            per_page=EVENTS_PER_PAGE,
            fragment="#historique",
        ),
        sign_ins=await history.last_sign_ins(account_id),
        actions=ACTIONS,
        change_text=change_text,
        role_names=ROLES,
        is_self=account_id == request.user.account_id,
        **await _choices(request.user),
        **context,
    )


class StaffAccountPages(Controller):
    path = LIST
    include_in_schema = False
    guards = [EDIT_REFERENCE]

    @get("/")
    async def account_list(
        self,
        request: Request[Principal, None, None],
        q: FromQuery[str | None] = None,
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
    ) -> Response:
        search = (q or "").strip()[:100]
        try:
            found = await administration.list_accounts(
                request.user.scope, search=search, limit=PER_PAGE, cursor=cursor
            )
        except Invalid:
            return page(
                request, "pages/account_list.html", status=400, search=search,
                accounts=[], pages=None, page_error=cursor_pages.CURSOR_ERROR, role_names=ROLES,
            )  # fmt: skip
        pages = cursor_pages.CursorPages.of(
            found,
            first_rank=cursor_pages.rank(rank),
            total=found.total,
            total_exact=found.total_exact,
            path=LIST,
            query={"q": search},
            per_page=PER_PAGE,
        )
        return page(
            request,
            "pages/account_list.html",
            search=search,
            accounts=found.items,
            total=found.total,
            pages=pages,
            role_names=ROLES,
        )

    @get("/nouveau")
    async def new_account(self, request: Request[Principal, None, None]) -> Response:
        return await _create_page(request, {"establishment_uais": []}, {})

    @post("/")
    async def create_account(self, request: Request[Principal, None, None]) -> Response:
        principal = request.user
        values = _form_values(await request.form())
        errors = {}
        if not values["email"]:
            errors["email"] = "Indiquez l'adresse électronique professionnelle de la personne."
        if not values["display_name"]:
            errors["display_name"] = "Indiquez le nom de la personne (prénom et nom)."
        if not values["role"]:
            errors["role"] = "Choisissez un rôle."
        if errors:
            return await _create_page(request, values, errors, status=422)
        try:
            account_id, password = await administration.create_staff_account(
                principal.scope, principal.actor, principal.role, utcnow(), **values
            )
        except Invalid as error:
            return await _create_page(request, values, _french(error.errors), status=422)
        except Conflict as error:
            return await _create_page(request, values, {error.field or "email": error.message}, 409)
        return await _detail_page(request, account_id, status=201, password=password, created=True)

    @get("/{account_id:int}")
    async def account_detail(
        self,
        request: Request[Principal, None, None],
        account_id: PathId,
        cursor: Annotated[str | None, QueryParameter(name=cursor_pages.CURSOR)] = None,
        rank: Annotated[str | None, QueryParameter(name=cursor_pages.RANK)] = None,
        fait: FromQuery[str | None] = None,
    ) -> Response:
        return await _detail_page(
            request, account_id, cursor=cursor, rank=cursor_pages.rank(rank), done=fait
        )

    @post("/{account_id:int}")
    async def change_account(
        self, request: Request[Principal, None, None], account_id: PathId
    ) -> Response:
        principal = request.user
        values = _form_values(await request.form())
        values.pop("email")
        try:
            await administration.change_account(
                principal.scope, principal.actor, principal.role, utcnow(), account_id, **values
            )
        except Invalid as error:
            errors = _french(error.errors)
            return await _detail_page(request, account_id, status=422, values=values, errors=errors)
        return Redirect(f"{LIST}/{account_id}?fait=modifie", status_code=303)

    @post("/{account_id:int}/desactivation")
    async def deactivate(
        self, request: Request[Principal, None, None], account_id: PathId
    ) -> Response:
        return await _set_active(request, account_id, False)

    @post("/{account_id:int}/reactivation")
    async def reactivate(
        self, request: Request[Principal, None, None], account_id: PathId
    ) -> Response:
        return await _set_active(request, account_id, True)

    @post("/{account_id:int}/mot-de-passe")
    async def reset_password(
        self, request: Request[Principal, None, None], account_id: PathId
    ) -> Response:
        principal = request.user
        password = await administration.reset_password(
            principal.scope, principal.actor, utcnow(), account_id
        )
        return await _detail_page(request, account_id, password=password)


async def _set_active(
    request: Request[Principal, None, None], account_id: int, active: bool
) -> Response:
    principal = request.user
    try:
        await administration.set_active(
            principal.scope, principal.actor, utcnow(), account_id, active
        )
    except Conflict as error:
        return await _detail_page(request, account_id, status=409, alert=error.message)
    done = "reactive" if active else "desactive"
    return Redirect(f"{LIST}/{account_id}?fait={done}", status_code=303)


_FIELD_NAMES = {"region": "region_code", "establishment": "establishments"}


def _french(errors: dict[str, str]) -> dict[str, str]:
    """The domain's messages start lower-case (they also end up in problem documents): a
    sentence next to a field starts with a capital and ends with a full stop."""
    return {
        _FIELD_NAMES.get(name, name): message[:1].upper() + message[1:] + "."
        for name, message in errors.items()
    }


ROUTES = [StaffAccountPages]
