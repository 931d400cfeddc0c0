"""Checks every request passes before reaching a handler (the app's `before_request`).

- Control characters (inventory/text.py) are refused wherever text comes in — the path, the
  query, every string of a JSON body at any depth (keys too), every form field — with a 400
  naming the field, the same way on both engines: PostgreSQL cannot store NUL where SQLite
  can. Pages get the French error page, the API a problem document.
- JSON nested deeper than MAX_JSON_DEPTH is refused (400 naming `body`) before any decoder
  recurses into it: ten thousand `[` made the decoder raise RecursionError (a 500).
- The JSON API takes JSON: a body sent without a JSON content type is refused (415), unless
  the route lists the other types it takes (`opt={"body_types": …}`: a CSV import, photos).
- A request a cross-site page can send without a CORS preflight — a POST with no content
  type or a form type — is refused when it rides on the session cookie, unless it carries
  `X-Requested-With` (which forces a preflight, never granted here). With SameSite=Lax
  cookies this is what makes CSRF tokens unnecessary on the API. Bearer tokens are not sent
  by browsers on their own: scripts are spared that rule.
"""

from __future__ import annotations

import msgspec
from litestar import Request

from api.errors import field_error, problem_exception
from inventory.text import forbidden_character, forbidden_character_message, nul_character

CROSS_SITE_FORM_TYPES = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_JSON_DEPTH = 64
# Route opt keys: the content types a route takes instead of JSON; text typed by a scanner.
BODY_TYPES = "body_types"
SCANNER_INPUT = "scanner_input"
# What spreadsheets and browsers call a CSV file (an upload of `fichier.csv` may be any of them).
CSV_TYPES = frozenset(
    {
        "text/csv",
        "application/csv",
        "application/vnd.ms-excel",
        "text/plain",
        "application/octet-stream",
    }
)


# A PDF sent as the raw body (a file checked by anyone, a scanned stack).
PDF_TYPES = frozenset({"application/pdf", "application/octet-stream"})


def _refused(field: str, message: str):
    return problem_exception(400, f"Données invalides : {field}.", [field_error(field, message)])


def _check_text(field: str, text: str, *, single_line: bool = False, scanner: bool = False):
    code = nul_character(text) if scanner else forbidden_character(text, single_line=single_line)
    if code:
        raise _refused(field, forbidden_character_message(code))


def _check_json(body: bytes, scanner: bool) -> None:
    """Every string of the document, keys included, at any depth; the depth itself."""
    try:
        document = msgspec.json.decode(body)
    except RecursionError:
        raise _refused("body", f"JSON trop imbriqué ({MAX_JSON_DEPTH} niveaux au plus)") from None
    except msgspec.DecodeError:
        return  # the handler's decoder names the body in its own words
    stack: list[tuple[str, object, int]] = [("", document, 0)]
    while stack:  # by hand: recursion is what the deep documents attack
        path, value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _refused("body", f"JSON trop imbriqué ({MAX_JSON_DEPTH} niveaux au plus)")
        if isinstance(value, str):
            _check_text(path or "body", value, scanner=scanner)
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item, depth + 1) for i, item in enumerate(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else key
                _check_text(path or "body", key, single_line=True, scanner=scanner)
                stack.append((name, item, depth + 1))


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _check_api_content_type(request: Request, content_type: str, body: bytes) -> None:
    bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
    forced_preflight = bool(request.headers.get("x-requested-with"))
    if (
        not bearer
        and not forced_preflight
        and (
            content_type in CROSS_SITE_FORM_TYPES or (not content_type and request.method == "POST")
        )
    ):
        raise problem_exception(
            415,
            "Type de contenu non pris en charge : envoyez du JSON (Content-Type: "
            "application/json), ou l'en-tête X-Requested-With pour un envoi de fichiers.",
        )
    accepted = request.route_handler.opt.get(BODY_TYPES)
    if accepted and content_type in accepted:
        return
    if body and not _is_json(content_type):
        expected = ", ".join(sorted(accepted)) if accepted else "application/json"
        raise problem_exception(
            415, f"Type de contenu non pris en charge : {expected} attendu, pas « {content_type} »."
        )


async def check_request(request: Request) -> None:
    # The path as the server decoded it, read from the scope: `request.url` parses and
    # rebuilds the whole URL, on every request, for what this needs.
    path = request.scope["path"]
    scanner = bool(request.route_handler.opt.get(SCANNER_INPUT))
    _check_text("path", path, single_line=True)
    if request.scope.get("query_string"):
        for name, value in request.query_params.multi_items():
            _check_text("query", name, single_line=True)
            _check_text(name, value, single_line=True, scanner=scanner)
    if request.method not in UNSAFE_METHODS:
        return
    content_type = _content_type(request)
    if path.startswith("/api/"):
        body = await request.body()
        _check_api_content_type(request, content_type, body)
        if _is_json(content_type):
            _check_json(body, scanner)
    elif content_type in FORM_TYPES:
        form = await request.form()
        for name, value in form.multi_items():
            _check_text("form", name, single_line=True)
            if isinstance(value, str):
                _check_text(name, value, scanner=scanner)
