"""Signing in and out with a plain HTML form (session cookie + CSRF token)."""

from __future__ import annotations

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect

from api.accounts.staff import Principal
from api.controllers.auth import TooManyLogins, sign_in
from api.infra.drafts import DRAFT_KEY
from api.infra.security import OWN_ACCOUNT
from api.pages.rendering import ACCESS_LOG_PAGE, DEFAULT_PAGE, LOGIN_PATH, page, safe_next

WRONG_CREDENTIALS = "Adresse électronique ou mot de passe incorrect."
DRAFT_WAITING = (
    "Votre session a pris fin avant l'envoi du formulaire. Reconnectez-vous : "
    "ce que vous aviez saisi vous sera présenté à nouveau, à vérifier avant de l'envoyer."
)
# Where each role starts its day: IT staff at the scanner, heads and managers on their figures.
# The data protection officer reads the access log, and only that.
LANDING = {
    "it_staff": "/scan",
    "head": "/tableau-de-bord",
    "region_manager": "/tableau-de-bord",
    "dpo": ACCESS_LOG_PAGE,
}


def landing_page(principal: Principal) -> str:
    return LANDING.get(principal.role, DEFAULT_PAGE)


def _draft_waiting(request: Request) -> bool:
    session = request.scope.get("session")
    return isinstance(session, dict) and DRAFT_KEY in session


class LoginForm(msgspec.Struct):
    # Optional here so that an empty field gets a French message next to it, not a 400.
    email: str = ""
    password: str = ""
    suivant: str = ""


def _login_page(
    request: Request,
    *,
    status: int,
    email: str = "",
    suivant: str = "",
    errors: dict[str, str] | None = None,
    alert: str = "",
    signed_out: bool = False,
    draft_waiting: str = "",
) -> Response:
    return page(
        request,
        "pages/login.html",
        status=status,
        email=email,
        suivant=suivant,
        errors=errors or {},
        alert=alert,
        signed_out=signed_out,
        draft_waiting=draft_waiting,
    )


@get(LOGIN_PATH, exclude_from_auth=True, include_in_schema=False)
async def login_form(
    request: Request,
    suivant: FromQuery[str | None] = None,
    deconnexion: FromQuery[str | None] = None,
) -> Response:
    return _login_page(
        request,
        status=200,
        suivant=safe_next(suivant) if suivant else "",
        signed_out=deconnexion is not None,
        draft_waiting=DRAFT_WAITING if _draft_waiting(request) else "",
    )


@post(LOGIN_PATH, exclude_from_auth=True, include_in_schema=False)
async def login(request: Request, data: URLEncodedBody[LoginForm]) -> Response:
    email = data.email.strip()
    errors = {}
    if not email:
        errors["email"] = "Indiquez votre adresse électronique."
    elif len(email) > 254 or "@" not in email:
        errors["email"] = (
            "Adresse électronique invalide (exemple : prenom.nom@ac-orleans-tours.fr)."
        )
    if not data.password:
        errors["password"] = "Indiquez votre mot de passe."
    if errors:
        return _login_page(request, status=422, email=email, suivant=data.suivant, errors=errors)
    # Signing in starts a new session: a form kept from the ended one is carried over.
    draft = request.session.get(DRAFT_KEY) if _draft_waiting(request) else None
    try:
        principal = await sign_in(request, email, data.password)
    except TooManyLogins as refused:
        response = _login_page(
            request, status=429, email=email, suivant=data.suivant, alert=refused.message
        )
        response.headers["Retry-After"] = str(refused.retry_after)
        return response
    if principal is None:
        return _login_page(
            request, status=401, email=email, suivant=data.suivant, alert=WRONG_CREDENTIALS
        )
    if draft is not None:
        request.session[DRAFT_KEY] = draft
    target = safe_next(data.suivant) if data.suivant else landing_page(principal)
    return Redirect(target, status_code=303)


@post("/deconnexion", exclude_from_auth=True, include_in_schema=False)
async def logout(request: Request) -> Redirect:
    # Open to anyone: signing out of an expired session must still land on the login page.
    request.clear_session()
    return Redirect(LOGIN_PATH + "?deconnexion=1", status_code=303)


@get("/", include_in_schema=False, guards=[OWN_ACCOUNT])
async def home(request: Request[Principal, None, None]) -> Redirect:
    # Not signed in: the 401 becomes a redirect to the login page (api/pages/errors.py).
    return Redirect(landing_page(request.user), status_code=303)


ROUTES = [login_form, login, logout, home]
