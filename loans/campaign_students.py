"""Who a campaign's to-do list is about, as a query: the students of a campaign at one step,
so that its to-do list pages by cursor like any list (`inventory.keyset`) instead of being
built whole and cut. `loans.campaign_progress` says what each step means and computes the
lines of one page's students; here the same rules are written as sub-selects:

- distribution: a student's step is the furthest reached by their considered loans (open
  ones, and this campaign's not cancelled): handed over (active or handed over) > signed
  (a current, completed agreement) > prepared (any loan) > missing (none);
- collection: the students with a collected device (active now, or closed in the campaign's
  dates by a return, a loss, a theft or a cession): to return (one still active) > missing
  (lost or stolen) > returned > ceded.
"""

from __future__ import annotations

import datetime as dt

from piccolo.columns.combination import Or
from piccolo.custom_types import Combinable
from piccolo.query import Select
from piccolo.query.functions.aggregate import Count

from inventory import keyset
from loans.minors import PARIS
from loans.tables import Agreement, Loan, Student

_SCHOOL_CAP = 1_000_000  # more students than any school has: counts of a campaign are exact
COLLECTED = ("returned", "lost", "stolen", "ceded")  # how a collected loan may have ended
_ENDED_AS = {"missing": ("lost", "stolen"), "returned": ("returned",), "ceded": ("ceded",)}

# By class, then name, then id. Index student_campaign_todo.
SORT = "campaign.todo"
KEYS = (
    keyset.Key(Student.class_name),
    keyset.Key(Student.last_name),
    keyset.Key(Student.first_name),
    keyset.Key(Student.id),
)


def _instant(day: dt.date) -> dt.datetime:
    """Midnight in Paris at the start of `day`, in UTC."""
    return dt.datetime.combine(day, dt.time(0), PARIS).astimezone(dt.UTC)


def considered_loans(row: dict):
    """A distribution's loans: the open ones of the school's students, and its own."""
    return (Loan.student.establishment == row["establishment_id"]) & Or(
        Loan.closed_at.is_null(),
        (Loan.campaign == row["id"]) & (Loan.state != "cancelled"),
    )


def collected_loans(row: dict):
    """A collection's loans: active now, or closed in its dates as a collected one ends."""
    collected = Loan.state.is_in(list(COLLECTED)) & (Loan.closed_at >= _instant(row["starts_on"]))
    if row["ends_on"] is not None:
        collected &= Loan.closed_at < _instant(row["ends_on"] + dt.timedelta(days=1))
    return (Loan.establishment == row["establishment_id"]) & Or(Loan.state == "active", collected)


def _having(where) -> Select:
    return Loan.select(Loan.student).where(where)


def _distribution_step(row: dict, step: str):
    loans = considered_loans(row)
    handed = _having(loans & Or(Loan.state == "active", Loan.handed_over_at.is_not_null()))
    signed = _having(
        loans
        & Loan.id.is_in(
            Agreement.select(Agreement.loan).where(
                Agreement.superseded_at.is_null() & Agreement.completed_at.is_not_null()
            )
        )
    )
    if step == "all":
        return None
    if step in ("pending", "missing", "prepared", "signed"):
        where = Student.id.not_in(handed)
        if step == "missing":
            return where & Student.id.not_in(_having(loans))
        if step == "signed":
            return where & Student.id.is_in(signed)
        if step == "prepared":
            return where & Student.id.not_in(signed) & Student.id.is_in(_having(loans))
        return where
    return Student.id.is_in(handed)  # handed_over


def _collection_step(row: dict, step: str):
    loans = collected_loans(row)
    where: Combinable = Student.id.is_in(_having(loans))
    active = _having(loans & (Loan.state == "active"))
    if step == "all":
        return where
    if step in ("pending", "to_return"):
        return where & Student.id.is_in(active)
    where &= Student.id.not_in(active)
    for ended, states in _ENDED_AS.items():  # in precedence order: missing, returned, ceded
        if ended == step:
            return where & Student.id.is_in(_having(loans & Loan.state.is_in(list(states))))
        where &= Student.id.not_in(_having(loans & Loan.state.is_in(list(states))))
    raise ValueError(step)


def students_at(row: dict, step: str) -> Select:
    """The campaign's students at `step` ("all", "pending" or a key of its kind's steps),
    with the columns of a to-do line and of the sort."""
    query = Student.select(
        Student.id, Student.last_name, Student.first_name, Student.class_name, Student.left_on
    )
    if row["kind"] == "distribution":
        where = (Student.establishment == row["establishment_id"]) & Student.left_on.is_null()
        step_where = _distribution_step(row, step)
    else:  # who had a device of the school, wherever they are now
        where, step_where = _collection_step(row, step), None
    if row["class_names"]:
        where &= Student.class_name.is_in(row["class_names"])
    return query.where(where if step_where is None else where & step_where)


async def count_at(row: dict, step: str) -> int:
    """How many of the campaign's students are at `step` (exactly: a school is small)."""
    return (await keyset.capped_count(students_at(row, step), cap=_SCHOOL_CAP))[0]


async def collected_by_state(row: dict) -> dict[str, int]:
    """A collection's devices by the state of their loan."""
    where = collected_loans(row)
    if row["class_names"]:
        where &= Loan.student.class_name.is_in(row["class_names"])
    rows = await Loan.select(Loan.state, Count(alias="n")).where(where).group_by(Loan.state)
    return {found["state"]: found["n"] for found in rows}
