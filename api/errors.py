"""Every error becomes one RFC 9457 problem document (application/problem+json).

Domain errors are mapped here, once. Field-level problems are listed under `errors`, each
naming its `field`, so a client (or a form) can point at the input to fix.
"""

from __future__ import annotations

import logging
import re
import traceback

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsException

from inventory.db import is_unique_violation
from inventory.errors import Conflict, DomainError, Invalid, NotFound

logger = logging.getLogger("ordipret")

PROBLEM_BASE = "https://ordipret.fr/problemes/"
_TITLES = {
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Introuvable",
    405: "Méthode non autorisée",
    409: "Conflit",
    413: "Requête trop volumineuse",
    415: "Type de contenu non pris en charge",
    422: "Données invalides",
    429: "Trop de requêtes",
    500: "Erreur interne",
}
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
        title=_TITLES.get(status, "Erreur"),
        extra={"errors": errors} if errors else None,
        headers=headers,
    )


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
    if is_page(request):
        from api.pages.errors import error_page

        return error_page(request, status, detail, errors or [])
    return problem_exception(status, detail, errors, headers).to_response(request)


def field_error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "detail": message, "pointer": "#/" + field.replace(".", "/")}


def _domain_handler(request: Request, error: DomainError) -> Response:
    if isinstance(error, Invalid):
        errors = [field_error(f, m) for f, m in error.errors.items()]
        return problem(request, 422, error.message, errors)
    if isinstance(error, NotFound):
        return problem(request, 404, error.message)
    if isinstance(error, Conflict):
        errors = [field_error(error.field, error.message)] if error.field else None
        return problem(request, 409, error.message, errors)
    return problem(request, 400, error.message)


_MSGSPEC_PATH = re.compile(r"at `\$\.([^`]+)`")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")


def _validation_handler(request: Request, error: ValidationException) -> Response:
    """Litestar reports msgspec's decoding errors as a list of {message, key, source}."""
    errors = []
    for item in error.extra if isinstance(error.extra, list) else []:
        message = str(item.get("message", ""))
        field = item.get("key") or ""
        if match := _UNKNOWN_FIELD.search(message):
            field, message = match.group(1), "champ inconnu"
        elif match := _MSGSPEC_PATH.search(message):
            field = match.group(1)
        errors.append(field_error(field or "body", _french(message)))
    if not errors:
        errors.append(field_error("body", "corps de requête illisible (JSON attendu)"))
    names = ", ".join(e["field"] for e in errors)
    return problem(request, 400, f"Données invalides : {names}.", errors)


_TRANSLATIONS = (
    ("Expected `", "type attendu : `"),
    ("Object missing required field", "champ obligatoire manquant"),
    ("Missing required parameter", "paramètre obligatoire manquant"),
    ("Input data was truncated", "JSON tronqué"),
    ("malformed", "JSON mal formé"),
    ("Invalid RFC3339", "date invalide (format AAAA-MM-JJ attendu)"),
    ("Invalid ISO", "date invalide (format AAAA-MM-JJ attendu)"),
)


def _french(message: str) -> str:
    for english, french in _TRANSLATIONS:
        if english in message:
            return message.replace(english, french) if english.endswith("`") else french
    return message


def _http_handler(request: Request, error: HTTPException) -> Response:
    detail = (
        error.detail if isinstance(error.detail, str) else _TITLES.get(error.status_code, "Erreur")
    )
    if error.status_code == 401 and not isinstance(error, ProblemDetailsException):
        detail = "Connectez-vous pour accéder à cette ressource."
    elif error.status_code == 405:
        detail = "Méthode non autorisée sur cette adresse."
    elif error.status_code == 404 and detail in ("Not Found", ""):
        detail = "Cette adresse n'existe pas."
    elif error.status_code == 429:
        detail = "Trop de tentatives : réessayez dans une minute."
    return problem(request, error.status_code, detail, headers=getattr(error, "headers", None))


def _unexpected_handler(request: Request, error: Exception) -> Response:
    if is_unique_violation(error):  # a race the use-case did not map itself
        return problem(request, 409, "Cette ressource existe déjà.")
    # Log the type and route only: messages may carry personal data.
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
