"""Erasure on request (RGPD art. 17): a student's personal data removed now, by the same code
as the daily retention (`loans.forgetting.forget_student`).

Who: the region's manager or an admin. The region is the data controller; a school's staff
receive the request and pass it on (they get not found here, as for another region).

Refused, with the reason, while a loan of the student is open (the device is still in their
hands: the loan and its convention are needed) or while a legal hold is in force.
Evidence the region must keep is never destroyed by an erasure (art. 17(3)(b) and (e): a
legal obligation, and the establishment or defence of legal claims): the conventions and
receipts of loans closed less than the region's evidence period ago stay whole, and the
retention job deletes them on their deadline, which the result gives. Everything else goes
now. Each erasure and each refusal is a `student_event` (counts and reason codes only).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import msgspec

from inventory.db import for_update, write_transaction
from inventory.errors import Conflict
from inventory.scope import Actor, Scope
from loans.forgetting import Forgotten, forget_student, release_bytes
from loans.legal_holds import LegalHoldView, hold_in_force, legal_holds, managed_student
from loans.policy import policy_for_region
from loans.storage import Storage
from loans.student_history import record_student_event
from loans.tables import Loan, Student

OPEN_LOAN, LEGAL_HOLD, ALREADY = "open_loan", "legal_hold", "already_erased"
# Ids and reason codes only, as loans.students' audit log.
audit = logging.getLogger("ordipret.audit")


class ErasureRefused(Conflict):
    """409: `reason` is one of OPEN_LOAN, LEGAL_HOLD, ALREADY; the problem names it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason

    @property
    def fields(self) -> dict[str, str]:
        return {self.reason: self.message}


class ErasureResult(msgspec.Struct, frozen=True):
    student_id: int
    counts: dict[str, int]
    # The last day a convention or receipt of theirs is kept as evidence; None: none left.
    evidence_kept_until: dt.date | None


class ErasureOutlook(msgspec.Struct, frozen=True):
    """What the erasure page shows before asking: what would refuse it, what it would keep."""

    student_id: int
    last_name: str
    first_name: str
    anonymised_at: dt.datetime | None
    open_loan_ids: list[int]
    holds: list[LegalHoldView]
    evidence_months: int


async def erasure_outlook(scope: Scope, student_id: int) -> ErasureOutlook:
    row = await managed_student(scope, student_id)
    erased = await Student.select(Student.anonymised_at).where(Student.id == student_id).first()
    open_loans = await Loan.select(Loan.id).where(
        (Loan.student == student_id) & Loan.closed_at.is_null()
    )
    return ErasureOutlook(
        student_id=student_id,
        last_name=row["last_name"],
        first_name=row["first_name"],
        anonymised_at=erased["anonymised_at"] if erased else None,
        open_loan_ids=[r["id"] for r in open_loans],
        holds=await legal_holds(scope, student_id),
        evidence_months=(await policy_for_region(row["region_id"])).retention_evidence_months,
    )


async def _refusal(student: dict) -> ErasureRefused | None:
    if student["anonymised_at"] is not None:
        return ErasureRefused(ALREADY, "Les données de cet élève ont déjà été effacées.")
    if await Loan.exists().where((Loan.student == student["id"]) & Loan.closed_at.is_null()):
        return ErasureRefused(
            OPEN_LOAN,
            "Effacement refusé : un prêt de cet élève est en cours ; "
            "il doit être clos (rendu, perdu, volé, cédé ou annulé) avant l'effacement.",
        )
    if (hold := await hold_in_force(student["id"])) is not None:
        return ErasureRefused(
            LEGAL_HOLD,
            "Effacement refusé : une conservation légale est en cours depuis le "
            f"{hold.placed_on:%d/%m/%Y} ; l'effacement sera possible une fois levée.",
        )
    return None


async def erase_student(
    storage: Storage,
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    student_id: int,
    legacy_dir: Path | None = None,
) -> ErasureResult:
    """Erase the student's personal data now, or raise ErasureRefused (recorded too).
    `legacy_dir`: the old photo directory (photos taken before documents existed)."""
    row = await managed_student(scope, student_id)
    policy = await policy_for_region(row["region_id"], now)
    forgotten = Forgotten()
    async with write_transaction():
        query = Student.select(
            Student.id, Student.class_name, Student.left_on, Student.anonymised_at
        ).where(Student.id == student_id)
        student = (await for_update(query, Student))[0]
        refusal = await _refusal(student)
        if refusal is not None:
            await record_student_event(
                student_id, actor, now, "erasure_refused", {"reason": refusal.reason}
            )
        else:
            kept_until = await forget_student(
                student, policy.retention_evidence_months, now, "erasure", None, forgotten
            )
            await record_student_event(
                student_id,
                actor,
                now,
                "erased",
                {
                    "counts": dict(forgotten.counts),
                    "evidence_kept_until": kept_until.isoformat() if kept_until else None,
                },
            )
    if refusal is not None:  # raised after the commit, so that the refusal stays recorded
        audit.info(
            "student %s erasure refused (%s) for account %s", student_id, refusal.reason, actor.id
        )
        raise refusal
    audit.info("student %s erased by account %s", student_id, actor.id)
    forgotten.counts["files"] += await release_bytes(storage, forgotten, legacy_dir)
    return ErasureResult(student_id, dict(forgotten.counts), kept_until)
