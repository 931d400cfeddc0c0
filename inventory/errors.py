"""Domain errors. The API maps each kind once to an RFC 9457 problem document."""

from __future__ import annotations


class DomainError(Exception):
    """Base class; `message` is French and safe to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """Absent, or outside the caller's scope: the two are indistinguishable on purpose."""


class Conflict(DomainError):
    """The request clashes with the current state (duplicate, refused transition).
    `field` names the input that clashes, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Invalid(DomainError):
    """One or more fields are wrong. `errors` maps field name -> French message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field} : {message}" for field, message in errors.items()))
        self.errors = errors
