"""Checks every request passes before reaching a handler.

- The JSON API refuses the three content types a cross-site HTML form can send without a
  CORS preflight: with SameSite=Lax cookies this is what makes CSRF tokens unnecessary there.
- A NUL character can be stored by SQLite but not by PostgreSQL: refuse it everywhere, the same
  way on both engines, rather than letting the driver fail with a 500.
"""

from __future__ import annotations

from litestar import Request

from api.errors import field_error, problem_exception

CROSS_SITE_FORM_TYPES = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
NUL_MESSAGE = "caractère nul (U+0000) interdit"


def _refuse_nul(field: str):
    return problem_exception(
        400, f"Données invalides : {field}.", [field_error(field, NUL_MESSAGE)]
    )


async def check_request(request: Request) -> None:
    if "\x00" in request.url.path:
        raise _refuse_nul("path")
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            raise _refuse_nul(name.replace("\x00", "") or "query")
    if request.method not in UNSAFE_METHODS or not request.url.path.startswith("/api/"):
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in CROSS_SITE_FORM_TYPES:
        raise problem_exception(
            415, "Type de contenu non pris en charge : envoyez du JSON (application/json)."
        )
    if content_type.endswith("json") and b"\\u0000" in await request.body():
        raise _refuse_nul("body")
