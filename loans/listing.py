"""Finding loans: lists with filters, the open loan of a device, the borrowers a school's
desk may hand a device to, and what a return receipt shows. Always scoped.

A loan belongs to the establishment that lent it: IT staff see their schools' loans, a region
manager every loan of the region, and anything else is simply absent (never a leak).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import msgspec
from piccolo.columns.combination import WhereRaw
from piccolo.query import Select

from inventory.assets import CONDITIONS, normalise_tag
from inventory.errors import Invalid
from inventory.keyset import Key, capped_count, decode, fetch_page, page_and_count
from inventory.scope import Scope
from inventory.tables import AssetEvent
from inventory.uai import normalise_uai
from loans.agreement_records import signed_states
from loans.loan_views import LoanPage, LoanView
from loans.records import COLUMNS, decoded, list_scope, loan_row, view
from loans.states import OPEN_STATES, STATES
from loans.students import StudentFilters, list_students, normalise_class
from loans.tables import Loan, LoanEvent, LoanPhoto, Student
from loans.views import StudentSummary

MAX_PAGE = 500
MAX_OFFSET = 2**31 - 1
OPEN = "open"  # a pseudo-state for filters: any of OPEN_STATES
# Prepared, not handed over yet (what the reports count as awaiting signature).
PENDING = "pending"
PENDING_STATES = ("draft", "awaiting_signature")
MAX_BORROWERS = 30


@dataclass(frozen=True, slots=True)
class LoanFilters:
    state: str | None = None  # one of STATES, or "open"
    overdue: bool = False  # active and past its due date
    establishment_uai: str | None = None
    student_id: int | None = None
    campaign_id: int | None = None
    class_name: str | None = None  # the student's class, e.g. "2nde 3"
    asset_tag: str | None = None
    # The loans ended in a period (closed_at from `ended_from`, before `ended_before`), by
    # the condition noted at their return, of a device model: what a report counted.
    ended_from: dt.datetime | None = None
    ended_before: dt.datetime | None = None
    return_condition: str | None = None
    model_id: int | None = None
    # Due from one day to another (both included): overdue loans by how late they are.
    due_from: dt.date | None = None
    due_to: dt.date | None = None


def _one_of_states(states) -> WhereRaw:
    """The loan's state among several, written so that no index answers it: SQLite would
    otherwise read the state index once per state and sort every open loan of a region by id
    (165,000 rows) for each page, where reading the loans newest first finds a page of open
    ones at once. (An expression, not a unary plus: PostgreSQL has none for text.)"""
    marks = ", ".join("{}" for _ in states)
    return WhereRaw(f"loan.state || '' IN ({marks})", *sorted(states))


def check_filters(filters: LoanFilters, limit: int, offset: int) -> None:
    errors = {}
    if filters.state and filters.state not in STATES and filters.state not in (OPEN, PENDING):
        errors["state"] = "état inconnu ; valeurs possibles : " + ", ".join(
            [OPEN, PENDING, *STATES]
        )
    if filters.overdue and filters.state and filters.state not in ("active", OPEN):
        errors["overdue"] = "un prêt en retard est en cours : ne filtrez pas sur un autre état"
    if filters.return_condition and filters.return_condition not in CONDITIONS:
        errors["condition"] = "état au retour inconnu ; valeurs possibles : " + ", ".join(
            CONDITIONS
        )
    if not 1 <= limit <= MAX_PAGE:
        errors["limit"] = f"entre 1 et {MAX_PAGE}"
    if not 0 <= offset <= MAX_OFFSET:
        errors["offset"] = f"entre 0 et {MAX_OFFSET}"
    if errors:
        raise Invalid(errors)


def _filtered(query, scope: Scope, filters: LoanFilters, today: dt.date):
    # A loan belongs to the establishment that lent it, and to that establishment's region.
    if (where := list_scope(scope)) is not None:
        query = query.where(where)
    if filters.state == OPEN:
        query = query.where(_one_of_states(OPEN_STATES))
    elif filters.state == PENDING:
        query = query.where(_one_of_states(PENDING_STATES))
    elif filters.state:
        query = query.where(Loan.state == filters.state)
    if filters.overdue:
        query = query.where((Loan.state == "active") & (Loan.due_on < today))
    if filters.establishment_uai:
        query = query.where(Loan.establishment.uai == normalise_uai(filters.establishment_uai))
    if filters.student_id:
        query = query.where(Loan.student == filters.student_id)
    if filters.campaign_id:
        query = query.where(Loan.campaign == filters.campaign_id)
    if filters.class_name and filters.class_name.strip():
        query = query.where(Loan.student.class_name == normalise_class(filters.class_name))
    if filters.asset_tag and filters.asset_tag.strip():
        query = query.where(Loan.asset.tag == normalise_tag(filters.asset_tag))
    if filters.ended_from is not None:
        query = query.where(Loan.closed_at >= filters.ended_from)
    if filters.ended_before is not None:
        query = query.where(Loan.closed_at < filters.ended_before)
    if filters.return_condition:
        query = query.where(Loan.return_condition == filters.return_condition)
    if filters.model_id is not None:
        query = query.where(Loan.asset.model == filters.model_id)
    if filters.due_from is not None:
        query = query.where(Loan.due_on >= filters.due_from)
    if filters.due_to is not None:
        query = query.where(Loan.due_on <= filters.due_to)
    return query


# Newest first; overdue loans by due date, the longest overdue first. Each order has an index
# per scope (migration `list_indexes`): by establishment, and the loan's id alone for a region.
NEWEST = "-id"
MOST_OVERDUE = "due_on"
_KEYS = {
    NEWEST: (Key(Loan.id, descending=True),),
    MOST_OVERDUE: (Key(Loan.due_on), Key(Loan.id)),
}


def sort_of(filters: LoanFilters) -> tuple[str, tuple[Key, ...]]:
    sort = MOST_OVERDUE if filters.overdue else NEWEST
    return sort, _KEYS[sort]


def list_select(scope: Scope, filters: LoanFilters, today: dt.date) -> Callable[[], Select]:
    """The list's rows in scope and filtered, unordered: what a page is cut from."""
    return lambda: _filtered(Loan.select(*COLUMNS), scope, filters, today).output(load_json=True)


async def list_loans(
    scope: Scope,
    filters: LoanFilters,
    today: dt.date,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> LoanPage:
    """Newest first; overdue loans by due date, the longest overdue first. `today` is the day
    in Europe/Paris that decides what is overdue. A page after (or before) `cursor`, or after
    `offset` rows (deprecated); the total counted up to COUNT_CAP."""
    check_filters(filters, limit, offset)
    sort, keys = sort_of(filters)
    position = decode(cursor, sort, keys)
    found, (total, exact) = await page_and_count(
        Loan,
        fetch_page(list_select(scope, filters, today), sort, keys, position, limit, offset),
        capped_count(_filtered(Loan.select(Loan.id), scope, filters, today)),
    )
    rows = found.rows
    signed = await signed_states([row["id"] for row in rows])
    items = [view(decoded(row), today, signed[row["id"]]) for row in rows]
    return LoanPage(
        items=items,
        total=total,
        limit=limit,
        offset=offset if position is None else 0,
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
        total_exact=exact,
    )


async def _open_loan(scope: Scope, where, today: dt.date | None) -> LoanView | None:
    rows = await (
        Loan.select(*COLUMNS).where(where & Loan.closed_at.is_null()).output(load_json=True)
    )
    if not rows or not scope.sees_establishment(rows[0]["establishment"], rows[0]["region_id"]):
        return None
    # Without `today` nothing is called overdue: the caller did not ask.
    signed = await signed_states([rows[0]["id"]])
    return view(decoded(rows[0]), today or dt.date.min, signed[rows[0]["id"]])


async def open_loan_for_asset(
    scope: Scope, asset_id: int, today: dt.date | None = None
) -> LoanView | None:
    """The device's open loan (there is at most one) if the caller may see it."""
    return await _open_loan(scope, Loan.asset == asset_id, today)


async def open_loan_for_tag(
    scope: Scope, tag: str, today: dt.date | None = None
) -> LoanView | None:
    return await _open_loan(scope, Loan.asset.tag == normalise_tag(tag), today)


# Borrowers for the hand-over desk -----------------------------------------------------------


async def find_borrowers(
    scope: Scope, establishment_uai: str, text: str, limit: int = MAX_BORROWERS
) -> list[StudentSummary]:
    """Enrolled students of one school matching what the desk typed or scanned: their ENT
    identifier exactly (a scanned card: that student alone), else their class (« 2nde 3 »)
    and the beginnings of their names."""
    text = " ".join(text.split())[:100]
    if not text:
        return []
    uai = normalise_uai(establishment_uai)
    by_ent = (
        Student.select(*_SUMMARY)
        .where((Student.ent_id == text) & (Student.establishment.uai == uai))
        .where(Student.left_on.is_null())
    )
    if (where := scope.restrict(Student.region, Student.establishment)) is not None:
        by_ent = by_ent.where(where)
    if rows := await by_ent:
        return [StudentSummary(**row) for row in rows]
    found: dict[int, StudentSummary] = {}
    for filters in (
        StudentFilters(establishment_uai=uai, class_name=text, left=False),
        StudentFilters(establishment_uai=uai, q=text, left=False),
    ):
        for student in (await list_students(scope, filters, limit=limit)).items:
            found.setdefault(student.id, student)
    return list(found.values())[:limit]


_SUMMARY = (
    Student.id,
    Student.establishment.uai.as_alias("establishment_uai"),
    Student.ent_id,
    Student.last_name,
    Student.first_name,
    Student.birth_date,
    Student.class_name,
    Student.left_on,
)


# The return receipt -------------------------------------------------------------------------


class ReturnReceipt(msgspec.Struct, frozen=True):
    """What was recorded when the device came back (the PDF receipt is drawn from this)."""

    loan: LoanView
    returned_at: dt.datetime
    received_by: str
    device_state: str  # the asset's state the return put it in: in_stock or in_repair
    photo_count: int


async def return_receipt(scope: Scope, loan_id: int, today: dt.date) -> ReturnReceipt | None:
    """None while the loan has not ended with a return."""
    row = await loan_row(scope, loan_id)
    if row["state"] != "returned":
        return None
    event = (
        await LoanEvent.select(LoanEvent.at, LoanEvent.actor_name)
        .where((LoanEvent.loan == loan_id) & (LoanEvent.action == "take_back"))
        .first()
    )
    return ReturnReceipt(
        loan=view(row, today, (await signed_states([loan_id]))[loan_id]),
        returned_at=event["at"] if event else row["closed_at"],
        received_by=event["actor_name"] if event else "",
        device_state=await _state_after_return(row["asset"], loan_id),
        photo_count=await LoanPhoto.count().where(LoanPhoto.loan == loan_id),
    )


async def _state_after_return(asset_id: int, loan_id: int) -> str:
    """Read from the asset's own history, so the receipt tells what was decided then, even if
    the device has moved on since (repaired, lent again)."""
    events = await (
        AssetEvent.select(AssetEvent.changes)
        .where((AssetEvent.asset == asset_id) & (AssetEvent.action == "take_back"))
        .order_by(AssetEvent.id, ascending=False)
        .output(load_json=True)
    )
    for event in events:
        changes = event["changes"]
        if changes.get("loan_id", [None, None])[1] == loan_id:
            state = changes.get("state")
            return state[1] if state else "in_stock"  # unchanged: it was and stays in stock
    return "in_stock"


async def loan_ids(scope: Scope, filters: LoanFilters, today: dt.date, limit: int) -> list[int]:
    """The ids of the loans the filters select in scope, by the student's class then name
    (the order a class's papers are handed out in); `limit` at most."""
    query = _filtered(Loan.select(Loan.id), scope, filters, today)
    rows = await (
        query.order_by(Loan.student.class_name)
        .order_by(Loan.student.last_name)
        .order_by(Loan.student.first_name)
        .order_by(Loan.id)
        .limit(limit)
    )
    return [row["id"] for row in rows]
