"""The open loans of some students, read before acting on them: the desk shows them next to
each student found (« a déjà un prêt en cours : PC-0012 ») so that nobody fills the form for
a student the policy will refuse; a departure lists what the student still holds.

Unscoped: callers pass the ids of students they have already read within their scope (a
loan follows its student's school, or was transferred with them)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from loans.tables import Loan


class OpenLoan(msgspec.Struct, frozen=True):
    id: int
    asset_tag: str
    state: str  # draft, awaiting_signature, active
    category: str


async def open_loans_of(
    student_ids: Sequence[int], category: str | None = None
) -> dict[int, list[OpenLoan]]:
    """Student id -> their open loans (of `category` when given), oldest first. The
    `loan_open_by_student` index answers it."""
    if not student_ids:
        return {}
    query = Loan.select(
        Loan.id, Loan.student, Loan.asset.tag.as_alias("asset_tag"), Loan.state, Loan.category
    ).where(Loan.student.is_in(list(student_ids)) & Loan.closed_at.is_null())
    if category is not None:
        query = query.where(Loan.category == category)
    found: dict[int, list[OpenLoan]] = {}
    for row in await query.order_by(Loan.id):
        found.setdefault(row.pop("student"), []).append(OpenLoan(**row))
    return found
