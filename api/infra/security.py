"""Authentication (session cookie or API token) and role guards.

Guards decide roles; the Principal's Scope, passed to every use-case, decides rows.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import Receive, Scope, Send

from api.accounts.staff import ROLES, Principal, load_principal, principal_for_token
from api.infra.drafts import keep_draft, login_redirect
from api.infra.metrics import count_sign_in

SESSION_ACCOUNT_KEY = "account_id"
DRAFT_PAGE = "ordipret.draft_page"  # scope state: the page a kept form returns to
RECEIVE = "ordipret.receive"


class PrincipalMiddleware(AbstractAuthenticationMiddleware):
    """Scripts send `Authorization: Bearer odp_…`; browsers carry the session cookie."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The base class builds the connection without `receive`: keep it, so that a form
        # refused for want of a session can still be read and kept (api/infra/drafts.py).
        scope.setdefault("state", {})[RECEIVE] = receive
        try:
            await super().__call__(scope, receive, send)
        except NotAuthorizedException:
            back_to = scope["state"].get(DRAFT_PAGE)
            if not back_to:
                raise
            # Answered here, inside the session middleware, so that the kept form is stored
            # (an exception would reach the handlers outside it, and the session be lost).
            await login_redirect(back_to)(scope, receive, send)

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        principal = None
        header = _authorization(connection.scope)
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() == "bearer":
                principal = await principal_for_token(token.strip())
                count_sign_in("token", principal is not None)
        elif account_id := connection.session.get(SESSION_ACCOUNT_KEY):
            principal = await load_principal(account_id)
        if principal is None:
            receive = connection.scope.get("state", {}).get(RECEIVE)
            if receive and (back_to := await keep_draft(connection, receive)):
                connection.scope.setdefault("state", {})[DRAFT_PAGE] = back_to
            raise NotAuthorizedException("Connectez-vous pour accéder à cette ressource.")
        if principal.role in READ_ONLY_ROLES:
            confine_read_only(principal, connection.scope["route_handler"])
        return AuthenticationResult(user=principal, auth=None)


def _authorization(scope: Scope) -> str | None:
    """The Authorization header, read from the raw list: `connection.headers` decodes every
    header of the request into a new mapping first, on every request."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


def roles(*allowed: str):
    """A guard letting through only the given roles. A coroutine: Litestar runs a plain
    function guard in a worker thread, a thread hop for every request of every route."""

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        # The authentication middleware lets OPTIONS through (it only answers `Allow`), and
        # Litestar gives the generated OPTIONS handler the controller's guards: there is no
        # user to read then, and reading it raised a 500.
        principal = connection.scope.get("user")
        if not isinstance(principal, Principal):
            if connection.scope["method"] == "OPTIONS":
                return
            raise NotAuthorizedException("Connectez-vous pour accéder à cette ressource.")
        if principal.role not in allowed:
            raise PermissionDeniedException("Votre rôle ne permet pas cette action.")

    guard.__name__ = "roles_" + "_".join(allowed)
    guard.allowed = frozenset(allowed)  # type: ignore[attr-defined]  # read by confine_read_only
    return guard


# Roles that may read one thing only: the data protection officer reads the access log. Most
# routes are open to "any signed-in staff" and let the scope decide the rows; a read-only role
# must not rely on its scope being empty there. It reaches a route only where a `roles(...)`
# guard names it, and is refused (403) everywhere else: an allowlist, checked for every route
# by the authentication middleware (routes outside authentication pass). Not an app-wide
# guard: Litestar copies the route handler for each guard it runs, on every request.
READ_ONLY_ROLES = frozenset({"dpo"})


def confine_read_only(principal: Principal, handler: BaseRouteHandler) -> None:
    """Refuse a read-only role a route no `roles(...)` guard of which names it."""
    for guard in handler.resolve_guards():
        if principal.role in getattr(guard, "allowed", ()):
            return
    raise PermissionDeniedException("Votre rôle ne permet pas cette action.")


FLEET_EDITORS = frozenset({"admin", "region_manager", "it_staff"})
EDIT_FLEET = roles(*sorted(FLEET_EDITORS))
EDIT_REFERENCE = roles("admin", "region_manager")
ADMIN_ONLY = roles("admin")
# Who lends and takes back (IT staff on their schools only: the scope decides which loans).
DESK_ROLES = frozenset({"admin", "it_staff"})
LOAN_DESK = roles(*sorted(DESK_ROLES))
# Who may give a device away before the end of schooling, with a reason (a derogation).
OVERRIDE_ROLES = frozenset({"admin", "region_manager"})
CEDE = roles(*sorted(DESK_ROLES | OVERRIDE_ROLES))


# Every staff account, for what concerns one's own account (password, tokens, signing out).
OWN_ACCOUNT = roles(*ROLES)


def may_lend(principal: Principal) -> bool:
    return principal.role in DESK_ROLES
