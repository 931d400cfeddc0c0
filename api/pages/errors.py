"""Errors on pages: a French HTML page with the right status, or the login page for 401.

`api/errors.py` maps every exception once and calls `error_page` for non-API paths.
"""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect
from litestar.utils.scope.state import ScopeState

from api.pages.rendering import LOGIN_PATH, page
from api.pages.wording import FIELDS
from api.titles import TITLES

_EXPLANATIONS = {
    403: (
        "Votre rôle ne permet pas cette action, ou le formulaire a expiré. "
        "Rechargez la page précédente puis réessayez."
    ),
    404: "Cette adresse n'existe pas, ou ne fait pas partie de votre périmètre.",
    429: "Par sécurité, les tentatives sont limitées. Patientez une minute avant de réessayer.",
    500: "Réessayez dans quelques instants. Si le problème persiste, contactez l'assistance.",
}
_CSRF_FAILED = "CSRF token verification failed"


def login_redirect(request: Request) -> Redirect:
    """Back to the login page, remembering where the person was going (for a GET only:
    a form sent after the session expired cannot be replayed)."""
    location = LOGIN_PATH
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location += "?suivant=" + quote(target, safe="/")
    return Redirect(location, status_code=303)


def error_page(request: Request, status: int, detail: str, errors: list[dict]) -> Response:
    if status == 401:
        return login_redirect(request)
    if detail == _CSRF_FAILED:
        detail = "Le formulaire a expiré ou ne vient pas de ce site."
    _keep_csrf_token(request)
    return page(
        request,
        "pages/error.html",
        status=status,
        status_code=status,
        title=TITLES[status].page if status in TITLES else "Erreur",
        detail=detail,
        explanation=_EXPLANATIONS.get(status, ""),
        errors=errors,
        field_names=FIELDS,
    )


def _keep_csrf_token(request: Request) -> None:
    """The header's logout form needs the CSRF token. When the CSRF middleware did not run
    (a refused POST), reuse the cookie: it holds the same signed token."""
    state, config = ScopeState.from_scope(request.scope), request.app.csrf_config
    if config is None or isinstance(state.csrf_token, str):
        return
    if cookie := request.cookies.get(config.cookie_name):
        state.csrf_token = cookie
