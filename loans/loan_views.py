"""What the loan use-cases return."""

from __future__ import annotations

import datetime as dt

import msgspec


class LoanStudent(msgspec.Struct, frozen=True):
    id: int
    last_name: str
    first_name: str
    class_name: str
    ent_id: str | None = None  # the linked ENT account (the student's ENT key)


class LoanView(msgspec.Struct, frozen=True):
    id: int
    state: str
    asset_tag: str
    category: str
    student: LoanStudent
    establishment_uai: str
    campaign_id: int | None
    previous_id: int | None
    due_on: dt.date | None
    overdue: bool
    signed: bool
    paper_signed_on: dt.date | None
    accessories_given: list[str]
    accessories_returned: list[str]
    missing_accessories: list[str]
    return_condition: str | None
    damage_notes: str
    incident_on: dt.date | None
    circumstances: str
    police_report_ref: str
    police_report_on: dt.date | None
    created_at: dt.datetime
    handed_over_at: dt.datetime | None
    closed_at: dt.datetime | None


class LoanEventView(msgspec.Struct, frozen=True):
    loan_id: int
    at: dt.datetime
    actor_name: str
    action: str
    changes: dict[str, list[object]]


class LoanPage(msgspec.Struct, frozen=True):
    items: list[LoanView]
    total: int  # COUNT_CAP when not `total_exact`: "more than" it
    limit: int
    offset: int
    next_cursor: str | None = None
    previous_cursor: str | None = None
    total_exact: bool = True
