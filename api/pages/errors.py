"""Errors on pages: a French HTML page with the right status, or the login page for 401.

`api/errors.py` maps every exception once and calls `error_page` for non-API paths.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from litestar import HttpMethod, Request, Response, route
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.utils.scope.state import ScopeState

from api.accounts.staff import load_principal
from api.errors import is_page
from api.infra.security import DRAFT_PAGE, SESSION_ACCOUNT_KEY
from api.pages.rendering import LOGIN_PATH, page
from api.pages.wording import FIELDS
from api.titles import TITLES
from inventory.errors import NotFound

_EXPLANATIONS = {
    403: (
        "Votre rôle ne permet pas cette action, ou le formulaire a expiré. "
        "Rechargez la page précédente puis réessayez."
    ),
    404: "Cette adresse n'existe pas, ou ne fait pas partie de votre périmètre.",
    409: (
        "Ce que vous demandiez n'est pas possible dans l'état actuel : quelqu'un a peut-être "
        "fait une modification entre-temps. Revenez à la page pour voir la situation à jour."
    ),
    429: "Par sécurité, les tentatives sont limitées. Patientez une minute avant de réessayer.",
    500: "Réessayez dans quelques instants. Si le problème persiste, contactez l'assistance.",
}
_CSRF_FAILED = "CSRF token verification failed"
# The list each part of the site belongs to: an error offers the way back to it.
LISTS = {
    "scan": ("/scan", "Revenir au scanner"),
    "appareils": ("/appareils", "Revenir à la liste des appareils"),
    "prets": ("/prets", "Revenir à la liste des prêts"),
    "campagnes": ("/campagnes", "Revenir à la liste des campagnes"),
    "inventaires": ("/inventaires", "Revenir à la liste des inventaires"),
    "etablissements": ("/etablissements", "Revenir à la liste des établissements"),
    "eleves": ("/eleves", "Revenir à la liste des élèves"),
    "demandes-eleves": ("/demandes-eleves", "Revenir aux demandes des élèves"),
    "tableau-de-bord": ("/tableau-de-bord", "Revenir au tableau de bord"),
}
DEFAULT_LIST = LISTS["appareils"]


def login_redirect(request: Request) -> Redirect:
    """Back to the login page, remembering where the person was going: the page asked for,
    or, for a form sent after the session ended, the form's page (what was typed is kept:
    api/infra/drafts.py)."""
    location, target = LOGIN_PATH, None
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    elif draft_page := request.scope.get("state", {}).get(DRAFT_PAGE):
        target = draft_page
    if target:
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
        came_from=came_from(request),
        way_back=way_back(request.url.path),
    )


def gone_elsewhere_page(
    request: Request, title: str, detail: str, links: list[tuple[str, str]]
) -> Response:
    """A 404 that knows where the thing went (a device transferred to another school): the
    error page, with the ways to reach it."""
    return page(
        request,
        "pages/error.html",
        status=404,
        status_code=404,
        title=title,
        detail=detail,
        explanation="",
        errors=[],
        field_names=FIELDS,
        came_from=came_from(request),
        way_back=way_back(request.url.path),
        links=links,
    )


def came_from(request: Request) -> str:
    """The page of this site the person was on (the Referer, sent same-origin only), unless
    it is the page that failed."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.headers.get("host") or not referer.path.startswith("/"):
        return ""
    back = referer.path + (f"?{referer.query}" if referer.query else "")
    return "" if referer.path == request.url.path and request.method == "GET" else back


def way_back(path: str) -> tuple[str, str]:
    """The list the failed address belongs to (/prets/12 -> the loans)."""
    return LISTS.get(path.strip("/").split("/")[0], DEFAULT_LIST)


def _keep_csrf_token(request: Request) -> None:
    """The header's logout form needs the CSRF token. When the CSRF middleware did not run
    (a refused POST), reuse the cookie: it holds the same signed token."""
    state, config = ScopeState.from_scope(request.scope), request.app.csrf_config
    if config is None or isinstance(state.csrf_token, str):
        return
    if cookie := request.cookies.get(config.cookie_name):
        state.csrf_token = cookie


@route(
    "/{rest:path}", http_method=list(HttpMethod), exclude_from_auth=True, include_in_schema=False
)
async def unknown_address(request: Request, rest: FromPath[str]) -> None:
    """Every address no other route answers. Pages get the French 404 with the menu and the
    account of whoever is signed in (the router's own 404 runs before the session is read);
    the API and the rest get their 404 problem document as before."""
    if request.method == HttpMethod.GET and is_page(request):
        account_id = request.session.get(SESSION_ACCOUNT_KEY)
        if account_id and (principal := await load_principal(account_id)):
            request.scope["user"] = principal
    raise NotFound("Cette adresse n'existe pas.")


ROUTES = [unknown_address]
