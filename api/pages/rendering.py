"""How every page is answered: one template, the signed-in person, safe headers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.response import Template

from api.access_log import note_read
from api.accounts.staff import Principal
from api.infra.drafts import take_draft
from api.pages.wording import role_label
from loans.access_log import Read
from loans.loan_views import LoanView
from loans.views import StudentView

LOGIN_PATH = "/connexion"
DEFAULT_PAGE = "/appareils"
ACCESS_LOG_PAGE = "/protection-des-donnees/acces"  # who read which student's data

# Pages use no inline script or style, so the policy can be strict. Pages show personal
# data: no caching by the browser or a proxy.
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def principal_of(request: Request) -> Principal | None:
    """The signed-in person, or None (login page, errors raised before authentication)."""
    user = request.scope.get("user")
    return user if isinstance(user, Principal) else None


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> Template:
    principal = principal_of(request)
    # A form sent after the session ended comes back pre-filled on its page (api/infra/drafts):
    # forms read what to show again from `values`.
    if principal and request.method == "GET" and (draft := take_draft(request, request.url.path)):
        context["values"] = {**draft, **(context.get("values") or {})}
        context["draft_restored"] = True
    _note_reads(request, context)
    return Template(
        template_name=template,
        context={
            "principal": principal,
            "role_name": role_label(principal.role) if principal else "",
            "current_path": request.url.path,
            **context,
        },
        status_code=status,
        headers=HEADERS,
    )


def _note_reads(request: Request, context: dict[str, Any]) -> None:
    """A page showing a student's record or one of their loans is a read of their data, whatever
    the page (detail, forms, signing, receipt): noted here once for every page (api/access_log)."""
    if isinstance(student := context.get("student"), StudentView):
        note_read(request, Read("record", (student.id,)))
    if isinstance(loan := context.get("loan"), LoanView):
        note_read(request, Read("loan", (loan.student.id,)))


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path of this site, never another host
    (`//evil.example`, `/\\evil.example`, `https://…`), never back to the login pages."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return DEFAULT_PAGE
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return DEFAULT_PAGE
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path.startswith(("/connexion", "/deconnexion")):
        return DEFAULT_PAGE
    return target
