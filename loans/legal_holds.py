"""Legal holds on a student's data: while one is in force (a police report on a stolen device,
a dispute), neither retention nor erasure removes anything of that student. Placed and
lifted by the region's manager or an admin, with a reason and the date of the fact; each
change is a `student_event` (without the reason: free text may name people).
"""

from __future__ import annotations

import datetime as dt

import msgspec

from inventory.db import write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Actor, Scope
from loans.minors import paris_day
from loans.student_history import record_student_event
from loans.students import student_row
from loans.tables import LegalHold, Student

REASON_LENGTH = 500


class LegalHoldView(msgspec.Struct, frozen=True):
    id: int
    reason: str
    placed_on: dt.date
    placed_at: dt.datetime
    placed_by: str
    lifted_at: dt.datetime | None
    lifted_by: str


_COLUMNS = (
    LegalHold.id,
    LegalHold.reason,
    LegalHold.placed_on,
    LegalHold.placed_at,
    LegalHold.placed_by_name.as_alias("placed_by"),
    LegalHold.lifted_at,
    LegalHold.lifted_by_name.as_alias("lifted_by"),
)


async def managed_student(scope: Scope, student_id: int, *, lock: bool = False) -> dict:
    """The student if the caller manages its region (the region is the data controller);
    others, the school's staff included, get not found."""
    row = await student_row(scope, student_id, lock=lock)
    if not scope.manages_region(row["region_id"]):
        raise NotFound(f"Élève {student_id} introuvable.")
    return row


async def legal_holds(scope: Scope, student_id: int) -> list[LegalHoldView]:
    """The student's holds, in force first then newest first (anyone who sees the student)."""
    await student_row(scope, student_id)
    rows = await LegalHold.select(*_COLUMNS).where(LegalHold.student == student_id)
    views = [LegalHoldView(**row) for row in rows]
    return sorted(views, key=lambda h: (h.lifted_at is not None, -h.id))


async def hold_in_force(student_id: int) -> LegalHoldView | None:
    row = (
        await LegalHold.select(*_COLUMNS)
        .where((LegalHold.student == student_id) & LegalHold.lifted_at.is_null())
        .order_by(LegalHold.id)
        .first()
    )
    return None if row is None else LegalHoldView(**row)


def held_students_query():
    """The ids of students under a hold in force, as a sub-query for `not_in`."""
    return LegalHold.select(LegalHold.student).where(LegalHold.lifted_at.is_null())


async def place_legal_hold(
    scope: Scope, actor: Actor, now: dt.datetime, student_id: int, reason: str, placed_on: dt.date
) -> LegalHoldView:
    reason = " ".join((reason or "").split())
    errors = {}
    if not reason or len(reason) > REASON_LENGTH:
        errors["reason"] = f"motif obligatoire, {REASON_LENGTH} caractères au plus"
    if not dt.date(2000, 1, 1) <= placed_on <= paris_day(now):
        errors["placed_on"] = "date du fait attendue, pas dans le futur"
    if errors:
        raise Invalid(errors)
    await managed_student(scope, student_id)
    async with write_transaction():
        student = await managed_student(scope, student_id, lock=True)
        if await Student.exists().where(
            (Student.id == student_id) & Student.anonymised_at.is_not_null()
        ):
            raise Conflict("Les données de cet élève ont déjà été effacées.")
        row = (
            await LegalHold.insert(
                LegalHold(
                    student=student_id,
                    region=student["region_id"],
                    reason=reason,
                    placed_on=placed_on,
                    placed_at=now,
                    placed_by_id=actor.id,
                    placed_by_name=actor.name,
                )
            ).returning(*_COLUMNS)
        )[0]
        await record_student_event(
            student_id,
            actor,
            now,
            "legal_hold_placed",
            {"hold": row["id"], "placed_on": placed_on.isoformat()},
        )
    return LegalHoldView(**row)


async def lift_legal_hold(
    scope: Scope, actor: Actor, now: dt.datetime, student_id: int, hold_id: int
) -> LegalHoldView:
    await managed_student(scope, student_id)
    async with write_transaction():
        await managed_student(scope, student_id, lock=True)
        lifted = await (
            LegalHold.update(
                {
                    LegalHold.lifted_at: now,
                    LegalHold.lifted_by_id: actor.id,
                    LegalHold.lifted_by_name: actor.name,
                }
            )
            .where(
                (LegalHold.id == hold_id)
                & (LegalHold.student == student_id)
                & LegalHold.lifted_at.is_null()
            )
            .returning(*_COLUMNS)
        )
        if not lifted:
            raise NotFound(f"Conservation légale n° {hold_id} en cours introuvable.")
        await record_student_event(student_id, actor, now, "legal_hold_lifted", {"hold": hold_id})
    return LegalHoldView(**lifted[0])
