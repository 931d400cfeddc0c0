"""The one table of error titles by HTTP status, for problem documents and error pages alike.

Kept apart from `api.errors` so that the error pages can read it without importing the module
that renders them (no import cycle)."""

from __future__ import annotations

from typing import NamedTuple

from inventory.errors import Conflict, DomainError, Invalid, NotFound


class Titles(NamedTuple):
    problem: str  # in a problem document, for a program
    page: str  # on an HTML page, for a person


# The one table of titles by status. The domain's errors carry their own (inventory/errors.py);
# the statuses only HTTP produces are worded here, a page sometimes saying it otherwise.
TITLES: dict[int, Titles] = {
    **{kind.status: Titles(kind.title, kind.title) for kind in (DomainError, Conflict, Invalid)},
    401: Titles("Authentification requise", "Authentification requise"),
    403: Titles("Accès refusé", "Accès refusé"),
    404: Titles(NotFound.title, "Page introuvable"),  # also an unknown address
    405: Titles("Méthode non autorisée", "Action impossible sur cette page"),
    413: Titles("Requête trop volumineuse", "Envoi trop volumineux"),
    415: Titles("Type de contenu non pris en charge", "Format non pris en charge"),
    429: Titles("Trop de requêtes", "Trop de tentatives"),
    500: Titles("Erreur interne", "Erreur interne"),
}
UNTITLED = Titles("Erreur", "Erreur")
