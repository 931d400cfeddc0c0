"""Domain errors. Each kind carries its HTTP status and French title, written once here; the
API turns them into RFC 9457 problem documents and pages without a table of its own."""

from __future__ import annotations


class DomainError(Exception):
    """Base class; `message` is French and safe to show to the user."""

    status = 400
    title = "Requête invalide"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def fields(self) -> dict[str, str]:
        """The inputs to point at (field name -> French message); none by default."""
        return {}


class NotFound(DomainError):
    """Absent, or outside the caller's scope: the two are indistinguishable on purpose."""

    status = 404
    title = "Introuvable"


class Conflict(DomainError):
    """The request clashes with the current state (duplicate, refused transition).
    `field` names the input that clashes, when there is one."""

    status = 409
    title = "Conflit"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    @property
    def fields(self) -> dict[str, str]:
        return {self.field: self.message} if self.field else {}


class Invalid(DomainError):
    """One or more fields are wrong. `errors` maps field name -> French message."""

    status = 422
    title = "Données invalides"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field} : {message}" for field, message in errors.items()))
        self.errors = errors

    @property
    def fields(self) -> dict[str, str]:
        return self.errors
