"""A form sent after the session ended is kept, not thrown away.

When a page form arrives without a valid session, the authentication middleware keeps what
was typed (never the CSRF token, passwords or files) in a fresh anonymous session: it lives
server side, under the session's random id, and nothing of it reaches a log or a URL. Signing
in carries it over to the new session; the page the form came from then shows it again,
pre-filled (`api.pages.rendering.page` merges it into the template's `values`).
"""

from __future__ import annotations

from hmac import compare_digest
from urllib.parse import quote, urlsplit

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import UploadFile
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash
from litestar.response.redirect import ASGIRedirectResponse
from litestar.types import Receive

LOGIN_PATH = "/connexion"  # api.pages.rendering.LOGIN_PATH (infra does not import the pages)
DRAFT_KEY = "draft"  # in the session: {"path": page of the form, "values": {name: value}}
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_NEVER_KEPT = ("_csrf_token", "csrf", "password", "mot_de_passe", "token", "jeton")
MAX_FIELDS = 60
MAX_LENGTH = 5000  # more than any of our text areas take
# Anyone may send a form without a session: what is kept stays small.
MAX_TOTAL = 20_000


def is_form_post(connection: ASGIConnection) -> bool:
    if connection.scope["method"] != "POST":
        return False
    if connection.scope["path"].startswith(("/api/", "/connexion", "/deconnexion")):
        return False
    content_type = connection.headers.get("content-type", "")
    return content_type.startswith(_FORM_TYPES)


def form_page(connection: ASGIConnection) -> str:
    """The page that showed the form: the Referer when it is this site's (the POST address
    is not always a page), else the address the form was sent to."""
    sent_to = connection.scope["path"]
    referer = urlsplit(connection.headers.get("referer", ""))
    if referer.path.startswith("/") and referer.netloc == connection.headers.get("host", ""):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return sent_to


def _secret_of(token: str, secret: str) -> str | None:
    """The random part of a CSRF token whose signature is valid (as Litestar signs them)."""
    random_part, signature = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    if len(token) <= CSRF_SECRET_LENGTH:
        return None
    expected = generate_csrf_hash(token=random_part, secret=secret)
    return random_part if compare_digest(signature, expected) else None


def from_this_site(connection: ASGIConnection, token: object) -> bool:
    """The form carries this browser's CSRF token: a form another site made the browser send
    is never kept (it would come back pre-filled after the person signs in)."""
    config = connection.app.csrf_config
    cookie = connection.cookies.get(config.cookie_name) if config else None
    if config is None or not cookie or not isinstance(token, str):
        return False
    ours, theirs = _secret_of(cookie, config.secret), _secret_of(token, config.secret)
    return ours is not None and theirs is not None and compare_digest(ours, theirs)


async def keep_draft(connection: ASGIConnection, receive: Receive) -> str | None:
    """Keep the form of this refused request in a new session; the page to come back to."""
    if not is_form_post(connection):
        return None
    request: Request = Request(connection.scope, receive)
    form = await request.form()
    if not from_this_site(connection, form.get("_csrf_token")):
        return None
    values: dict[str, str | list[str]] = {}
    total = 0
    for name, value in form.multi_items():
        if isinstance(value, UploadFile) or not isinstance(value, str):
            continue
        if any(word in name.lower() for word in _NEVER_KEPT) or len(values) >= MAX_FIELDS:
            continue
        value = value[:MAX_LENGTH]
        total += len(name) + len(value)
        if total > MAX_TOTAL:
            break
        if name in values:  # checkboxes sharing a name
            kept = values[name]
            values[name] = [*kept, value] if isinstance(kept, list) else [kept, value]
        else:
            values[name] = value
    back_to = form_page(connection)
    connection.set_session({DRAFT_KEY: {"path": back_to, "values": values}})
    return back_to


def login_redirect(back_to: str) -> ASGIRedirectResponse:
    """To the login page, then back to the form's page."""
    return ASGIRedirectResponse(
        path=f"{LOGIN_PATH}?suivant={quote(back_to, safe='/')}", status_code=303
    )


def take_draft(connection: ASGIConnection, path: str) -> dict | None:
    """The values kept for the page at `path`, once: read, then forgotten."""
    session = connection.scope.get("session")
    if not isinstance(session, dict):
        return None
    draft = session.get(DRAFT_KEY)
    if not isinstance(draft, dict) or urlsplit(draft.get("path", "")).path != path:
        return None
    session.pop(DRAFT_KEY, None)
    values = draft.get("values")
    return values if isinstance(values, dict) else None
