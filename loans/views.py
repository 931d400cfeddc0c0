"""What the loans use-cases return: plain, serialisable values."""

from __future__ import annotations

import datetime as dt

import msgspec

from inventory.csv_format import LineError
from inventory.views import EstablishmentRef

# Students and guardians (loans/students.py, loans/student_import.py) ----------------------


class GuardianView(msgspec.Struct, frozen=True):
    id: int
    last_name: str
    first_name: str
    email: str
    phone: str
    ent_id: str | None
    legal_authority: bool


class StudentView(msgspec.Struct, frozen=True):
    id: int
    establishment: EstablishmentRef
    region_code: str
    ent_id: str | None
    ine: str | None
    last_name: str
    first_name: str
    birth_date: dt.date
    class_name: str
    left_on: dt.date | None
    guardians: list[GuardianView]
    created_at: dt.datetime


class StudentSummary(msgspec.Struct, frozen=True):
    """A line of a student list: the minimum to find someone (no INE, no guardians)."""

    id: int
    establishment_uai: str
    ent_id: str | None
    last_name: str
    first_name: str
    birth_date: dt.date
    class_name: str
    left_on: dt.date | None


class StudentPage(msgspec.Struct, frozen=True):
    items: list[StudentSummary]
    total: int  # COUNT_CAP when not `total_exact`: "more than" it
    limit: int
    offset: int
    next_cursor: str | None = None
    previous_cursor: str | None = None
    total_exact: bool = True


class StudentImportReport(msgspec.Struct):
    rows: int
    created: int
    updated: int
    errors: list[LineError]


# Region policy (loans/policy.py) -----------------------------------------------------------


class PolicyView(msgspec.Struct, frozen=True):
    region_code: str
    end_rule: str  # "school_year" or "cycle"
    school_year_end: dt.date | None  # None: 4 July of the current school year
    max_open_per_category: int
    cession_allowed: bool
    accessories_by_model: dict[str, list[str]]  # model id (as text) -> accessory names
    guardian_cosign_for_minors: bool
    updated_at: dt.datetime
    # Retention, in whole months (loans.retention_rules).
    retention_student_months: int = 12
    retention_photo_months: int = 12
    retention_evidence_months: int = 60
    retention_access_log_months: int = 12


class PolicyEventView(msgspec.Struct, frozen=True):
    at: dt.datetime
    actor_name: str
    changes: dict[str, list[object]]
