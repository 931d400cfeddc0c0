"""Overdue loans: the device is still with the student (loan active) and its due date, a day
in Europe/Paris, is past.

Staff of a school list them student by student; a region manager sees the counts of each
establishment of the region, without names (the minimum of personal data at that level).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import msgspec
from piccolo.query import Select
from piccolo.query.functions.aggregate import Count, Max, Min

from inventory.errors import NotFound
from inventory.keyset import Key, capped_count, decode, fetch_page
from inventory.regions import establishment_key, get_region
from inventory.scope import Scope
from inventory.tables import Establishment
from loans.loan_views import LoanStudent
from loans.records import in_regions, list_scope
from loans.tables import Loan, ReminderLog


class OverdueLoan(msgspec.Struct, frozen=True):
    loan_id: int
    asset_tag: str
    category: str
    student: LoanStudent
    establishment_uai: str
    due_on: dt.date
    days_overdue: int
    last_reminded_at: dt.datetime | None  # the student's latest rolled-up reminder


class OverduePage(msgspec.Struct, frozen=True):
    items: list[OverdueLoan]
    total: int  # COUNT_CAP when not `total_exact`: "more than" it
    limit: int
    offset: int
    next_cursor: str | None = None
    previous_cursor: str | None = None
    total_exact: bool = True


class EstablishmentOverdue(msgspec.Struct, frozen=True):
    uai: str
    name: str
    city: str
    loans: int
    students: int
    oldest_due_on: dt.date | None


class RegionOverdue(msgspec.Struct, frozen=True):
    region_code: str
    today: dt.date
    loans: int
    students: int
    establishments: list[EstablishmentOverdue]  # every establishment, most overdue first


def overdue_where(today: dt.date):
    return (Loan.state == "active") & (Loan.due_on < today)


# The oldest due date first, then by loan number: loan columns only, so that one index
# (migration `list_indexes`: state, due_on, id) answers any page of a whole region.
OLDEST_DUE = "overdue"
KEYS = (Key(Loan.due_on), Key(Loan.id))


def overdue_select(where) -> Callable[[], Select]:
    """The overdue loans `where` selects, unordered: what a page is cut from."""
    return lambda: Loan.select(
        Loan.id,
        Loan.category,
        Loan.due_on,
        Loan.student,
        Loan.asset.tag.as_alias("asset_tag"),
        Loan.student.last_name.as_alias("last_name"),
        Loan.student.first_name.as_alias("first_name"),
        Loan.student.class_name.as_alias("class_name"),
        Loan.establishment.uai.as_alias("uai"),
    ).where(where)


async def overdue_loans(
    scope: Scope,
    today: dt.date,
    *,
    establishment_uai: str | None = None,
    region_code: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> OverduePage:
    """Oldest due date first, then by loan number; a page after (or before) `cursor`, or after
    `offset` rows (deprecated); the total counted up to COUNT_CAP. An establishment (or a
    region) outside the scope is not found (404), as an unknown one."""
    where = overdue_where(today)
    # The loans of the establishments the scope sees (an empty scope sees none).
    if (scoped := list_scope(scope)) is not None:
        where &= scoped
    if establishment_uai:
        establishment = await establishment_key(scope, establishment_uai)
        where &= Loan.establishment == establishment.id
    if region_code:
        region = await get_region(scope, region_code)
        where &= in_regions([region.id])
    position = decode(cursor, OLDEST_DUE, KEYS)
    found = await fetch_page(overdue_select(where), OLDEST_DUE, KEYS, position, limit, offset)
    rows = found.rows
    total, exact = await capped_count(Loan.select(Loan.id).where(where))
    reminded = await last_reminders(sorted({row["student"] for row in rows}))
    return OverduePage(
        items=[
            OverdueLoan(
                loan_id=row["id"],
                asset_tag=row["asset_tag"],
                category=row["category"],
                student=LoanStudent(
                    id=row["student"],
                    last_name=row["last_name"],
                    first_name=row["first_name"],
                    class_name=row["class_name"],
                ),
                establishment_uai=row["uai"],
                due_on=row["due_on"],
                days_overdue=(today - row["due_on"]).days,
                last_reminded_at=reminded.get(row["student"]),
            )
            for row in rows
        ],
        total=total,
        limit=limit,
        offset=offset if position is None else 0,
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
        total_exact=exact,
    )


async def last_reminders(student_ids: list[int]) -> dict[int, dt.datetime]:
    """When each of these students was last reminded (one grouped query)."""
    if not student_ids:
        return {}
    rows = (
        await ReminderLog.select(ReminderLog.student, Max(ReminderLog.sent_at, alias="last"))
        .where(ReminderLog.student.is_in(student_ids))
        .group_by(ReminderLog.student)
    )
    return {row["student"]: _aware(row["last"]) for row in rows}


def _aware(value):
    if isinstance(value, str):  # SQLite returns aggregates of timestamps as text
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def region_overdue(scope: Scope, region_code: str, today: dt.date) -> RegionOverdue:
    """Per-establishment counts for the whole region; only for those who manage it."""
    region = await get_region(scope, region_code)
    if not scope.manages_region(region.id):
        raise NotFound(f"Région {region_code} introuvable.")
    establishments = await Establishment.select(
        Establishment.id, Establishment.uai, Establishment.name, Establishment.city
    ).where(Establishment.region == region.id)
    counts = {
        row["establishment"]: row
        for row in await Loan.select(
            Loan.establishment,
            Count(alias="loans"),
            Count(distinct=[Loan.student], alias="students"),
            Min(Loan.due_on, alias="oldest"),
        )
        .where(overdue_where(today) & (Loan.establishment.region == region.id))
        .group_by(Loan.establishment)
    }
    lines = []
    for e in establishments:
        found = counts.get(e["id"], {})
        oldest = found.get("oldest")
        lines.append(
            EstablishmentOverdue(
                uai=e["uai"],
                name=e["name"],
                city=e["city"],
                loans=found.get("loans", 0),
                students=found.get("students", 0),
                oldest_due_on=dt.date.fromisoformat(oldest) if isinstance(oldest, str) else oldest,
            )
        )
    lines.sort(key=lambda line: (-line.loans, line.name))
    return RegionOverdue(
        region_code=region.code,
        today=today,
        loans=sum(line.loans for line in lines),
        students=sum(line.students for line in lines),
        establishments=lines,
    )
