"""Every error becomes one RFC 9457 problem document (application/problem+json).

Domain errors are mapped here, once. Field-level problems are listed under `errors`, each
naming its `field`, so a client (or a form) can point at the input to fix.
"""

from __future__ import annotations

import logging
import re
import traceback

import msgspec
from litestar import Request, Response
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.utils.scope.state import ScopeState

from api.titles import TITLES, UNTITLED
from inventory.csv_format import LineError
from inventory.db import is_foreign_key_violation, is_unique_violation, is_value_out_of_range
from inventory.errors import DomainError

logger = logging.getLogger("ordipret")

PROBLEM_BASE = "https://ordipret.fr/problemes/"
ERROR_PAGE = "error_page"  # app.state key: (request, status, detail, errors) -> HTML Response


_SLUGS = {
    400: "requete-invalide",
    401: "authentification",
    403: "acces-refuse",
    404: "introuvable",
    409: "conflit",
    422: "donnees-invalides",
    429: "trop-de-requetes",
}


def problem_exception(
    status: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict | None = None,
) -> ProblemDetailsException:
    return ProblemDetailsException(
        status_code=status,
        detail=detail,
        type_=PROBLEM_BASE + _SLUGS.get(status, str(status)),
        title=TITLES.get(status, UNTITLED).problem,
        extra={"errors": errors} if errors else None,
        headers=headers,
    )


def file_problem(errors: list[LineError]) -> ProblemDetailsException:
    """A rejected import file: 422, each error naming its line and column."""
    listed = [
        {"field": e.column, "line": e.line, "detail": e.message, "pointer": f"#/lines/{e.line}"}
        for e in errors
    ]
    detail = f"{len(errors)} erreur(s) dans le fichier : rien n'a été importé."
    return problem_exception(422, detail, listed)


def is_page(request: Request) -> bool:
    """Pages (HTML for people) get French HTML errors; everything else problem+json."""
    return not request.url.path.startswith(("/api/", "/schema", "/health"))


def problem(
    request: Request,
    status: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers=None,
) -> Response:
    _close_uploads(request)
    if is_page(request):
        # The app factory hands in how pages show an error (api.pages.errors.error_page), so
        # that this module, which every entrance imports, imports no page.
        error_page = request.app.state[ERROR_PAGE]
        return error_page(request, status, detail, errors or [])
    return problem_exception(status, detail, errors, headers).to_response(request)


def _close_uploads(request: Request) -> None:
    """A multipart form refused before its handler could read it (a wrong CSRF token: the
    middleware parsed it to find the token) keeps its files open until garbage collection:
    close them with the refusal."""
    form = ScopeState.from_scope(request.scope).form
    if not isinstance(form, dict):
        return
    for value in form.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, UploadFile):
                item.file.close()


_PATH_TOKEN = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def pointer(field: str) -> str:
    """RFC 6901 JSON pointer of a field path such as `accessories[1]` or `model.name`."""
    tokens = [index or name for index, name in _PATH_TOKEN.findall(field)]
    return "#/" + "/".join(t.replace("~", "~0").replace("/", "~1") for t in tokens)


def field_error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "detail": message, "pointer": pointer(field)}


def _domain_handler(request: Request, error: DomainError) -> Response:
    errors = [field_error(name, message) for name, message in error.fields.items()]
    return problem(request, error.status, error.message, errors)


_MSGSPEC_PATH = re.compile(r"at `\$\.?([^`]*)`")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")


def _located(item: dict) -> tuple[str, str]:
    """(field, French message) from one of Litestar's {message, key, source} items.
    msgspec puts the path in the message (`- at `$.model_id``); Litestar's `key` is then the
    handler argument (`data`), which means nothing to a client: the field is the body."""
    message = str(item.get("message", ""))
    key = str(item.get("key") or "")
    path = _MSGSPEC_PATH.search(message)
    where = path.group(1) if path else ""
    if match := _UNKNOWN_FIELD.search(message):
        return ".".join(filter(None, [where, match.group(1)])), "champ inconnu"
    if match := _MISSING_FIELD.search(message):
        return ".".join(filter(None, [where, match.group(1)])), "champ obligatoire manquant"
    if where:
        return where, _french(message)
    if key in ("", "data"):
        return "body", "corps de requête JSON attendu (objet)"
    return key, _french(message)


def _validation_handler(request: Request, error: ValidationException) -> Response:
    items = error.extra if isinstance(error.extra, list) else []
    errors = [field_error(*_located(item)) for item in items if isinstance(item, dict)]
    if not errors:
        errors.append(field_error("body", "corps de requête illisible (JSON attendu)"))
    names = ", ".join(e["field"] for e in errors)
    return problem(request, 400, f"Données invalides : {names}.", errors)


_EXPECTED_TYPE = re.compile(r"Expected `([^`]+)`, got `([^`]+)`")
_EXPECTED_BOUND = re.compile(r"Expected `([^`]+)` (<=|>=|<|>) (-?[\d.]+)")
_EXPECTED_LENGTH = re.compile(r"Expected `[^`]+` of length (<=|>=) (\d+)")
_BOUND_WORDS = {"<=": "au plus", ">=": "au moins", "<": "moins de", ">": "plus de"}
_TRANSLATIONS = (
    ("Missing required", "paramètre obligatoire manquant"),
    ("Invalid RFC3339", "date-heure invalide (format AAAA-MM-JJTHH:MM:SS+01:00 attendu)"),
    ("Invalid ISO", "date invalide (format AAAA-MM-JJ attendu)"),
    ("Invalid date", "date invalide (format AAAA-MM-JJ attendu)"),
    ("Invalid enum value", "valeur non reconnue"),
)


def _french(message: str) -> str:
    if match := _EXPECTED_LENGTH.search(message):
        return f"{_BOUND_WORDS[match.group(1)]} {match.group(2)} caractères"
    if match := _EXPECTED_BOUND.search(message):
        return f"valeur {_BOUND_WORDS[match.group(2)]} {match.group(3)}"
    if match := _EXPECTED_TYPE.search(message):
        return f"type attendu : {match.group(1)}, reçu : {match.group(2)}"
    for english, french in _TRANSLATIONS:
        if english in message:
            return french
    return "valeur invalide"


_BODY_DECODING = ("JSON is malformed", "Input data was truncated", "Invalid JSON", "trailing")


def _is_body_decoding_error(error: HTTPException) -> bool:
    return error.status_code == 400 and (
        isinstance(error.__cause__, msgspec.DecodeError)
        or any(marker in str(error.detail) for marker in _BODY_DECODING)
    )


def _http_handler(request: Request, error: HTTPException) -> Response:
    if error.status_code >= 500:  # Litestar's own 500s carry internal messages: never shown
        return _unexpected_handler(request, error)
    detail = (
        error.detail
        if isinstance(error.detail, str)
        else TITLES.get(error.status_code, UNTITLED).problem
    )
    if _is_body_decoding_error(error):
        errors = [field_error("body", "JSON mal formé ou tronqué")]
        return problem(request, 400, "Le corps de la requête n'est pas un JSON valide.", errors)
    if error.status_code == 401 and not isinstance(error, ProblemDetailsException):
        detail = "Connectez-vous pour accéder à cette ressource."
    elif error.status_code == 405:
        detail = "Méthode non autorisée sur cette adresse."
    elif error.status_code == 404 and detail in ("Not Found", ""):
        detail = "Cette adresse n'existe pas."
    elif error.status_code == 429 and not isinstance(error, ProblemDetailsException):
        detail = "Trop de tentatives : réessayez dans une minute."
    return problem(request, error.status_code, detail, headers=getattr(error, "headers", None))


def problem_details_handler(request: Request, error: ProblemDetailsException) -> Response:
    """Problem documents raised by our own code (problem_exception): pages get them as the
    French error page, with the fields named and the headers (Retry-After) kept."""
    if not is_page(request):
        return error.to_response(request)
    errors = (error.extra or {}).get("errors") if isinstance(error.extra, dict) else None
    response = problem(request, error.status_code, str(error.detail), errors or [])
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response


def _unexpected_handler(request: Request, error: Exception) -> Response:
    if is_unique_violation(error):  # a race the use-case did not map itself
        return problem(request, 409, "Cette ressource existe déjà.")
    if is_foreign_key_violation(error):  # still referenced: the use-case should have said so
        return problem(request, 409, "Cette ressource est encore utilisée ailleurs.")
    if is_value_out_of_range(error):  # safety net behind the bounds checked at the door
        return problem(request, 400, "Une valeur dépasse les limites acceptées.")
    # Log where it failed, not the message: messages may carry personal data.
    frames = "".join(traceback.format_tb(error.__traceback__))
    logger.error(
        "Unhandled %s on %s %s\n%s", type(error).__name__, request.method, request.url.path, frames
    )
    return problem(request, 500, "Une erreur inattendue est survenue ; elle a été journalisée.")


EXCEPTION_HANDLERS = {
    DomainError: _domain_handler,
    ValidationException: _validation_handler,
    NotAuthorizedException: _http_handler,
    HTTPException: _http_handler,
    Exception: _unexpected_handler,
}
