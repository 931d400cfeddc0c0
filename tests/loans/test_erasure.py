"""Erasure on request: refused with the reason while a loan is open or a legal hold applies
(the refusal recorded), accepted otherwise by the retention's own code; the evidence the
region must keep stays until its deadline; past it, no trace of the student remains outside
the evidence hashes."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory.errors import NotFound
from loans import erasure, legal_holds
from loans.erasure import ErasureRefused
from loans.forgetting import ANONYMOUS_NAME
from loans.storage import DirectoryStorage
from loans.tables import EvidenceLog, Student, StudentEvent
from tests.factories import ACTOR, PLATFORM, UAI_A, active_loan, make_student, scope_of
from tests.loans.retention_world import RETURNED, returned_borrower, traces

SOON = RETURNED + dt.timedelta(days=30)
YEARS_LATER = dt.datetime(2031, 10, 2, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def storage(tmp_path) -> DirectoryStorage:
    return DirectoryStorage(tmp_path / "documents")


async def _actions(student_id: int) -> list[str]:
    rows = await (
        StudentEvent.select(StudentEvent.action)
        .where(StudentEvent.student == student_id)
        .order_by(StudentEvent.id)
    )
    return [r["action"] for r in rows]


async def test_an_erasure_is_refused_while_a_loan_is_open_and_the_refusal_recorded(world, storage):
    student = await make_student("A")
    await active_loan(world, "ER-1", UAI_A, student.id)
    with pytest.raises(ErasureRefused) as refused:
        await erasure.erase_student(storage, PLATFORM, ACTOR, SOON, student.id)
    assert refused.value.reason == erasure.OPEN_LOAN and refused.value.status == 409
    row = await Student.select().where(Student.id == student.id).first()
    assert row["last_name"] == student.last_name and row["anonymised_at"] is None
    assert (await _actions(student.id))[-1] == "erasure_refused"


async def test_an_erasure_is_refused_under_a_legal_hold_and_accepted_once_lifted(world, storage):
    borrower = await returned_borrower(world, storage, 21)
    hold = await legal_holds.place_legal_hold(
        PLATFORM, ACTOR, SOON, borrower.student_id, "Litige sur l'état", RETURNED.date()
    )
    with pytest.raises(ErasureRefused) as refused:
        await erasure.erase_student(storage, PLATFORM, ACTOR, SOON, borrower.student_id)
    assert refused.value.reason == erasure.LEGAL_HOLD
    assert "01/10/2026" in refused.value.message
    await legal_holds.lift_legal_hold(PLATFORM, ACTOR, SOON, borrower.student_id, hold.id)
    result = await erasure.erase_student(storage, PLATFORM, ACTOR, SOON, borrower.student_id)
    assert result.counts["students"] == 1
    assert (await _actions(borrower.student_id))[-1] == "erased"


async def test_an_erasure_keeps_the_evidence_the_region_must_keep_until_its_deadline(
    world, storage
):
    borrower = await returned_borrower(world, storage, 22)
    other = await returned_borrower(world, storage, 23)
    result = await erasure.erase_student(storage, PLATFORM, ACTOR, SOON, borrower.student_id)
    assert result.evidence_kept_until == dt.date(2031, 10, 1)  # closed 01/10/2026 + 60 months
    row = await Student.select().where(Student.id == borrower.student_id).first()
    assert (row["last_name"], row["ine"], row["birth_date"]) == (
        ANONYMOUS_NAME,
        None,
        dt.date(1900, 1, 1),
    )
    assert not await storage.exists(borrower.hashes["photo"])
    assert await storage.exists(borrower.hashes["sealed_agreement"])
    assert await storage.exists(borrower.hashes["receipt"])
    assert await EvidenceLog.count() == 0
    assert await storage.exists(other.hashes["photo"])  # another student: untouched
    assert [t for t in await traces(other.names) if t[0] == "student"]


async def test_past_the_evidence_deadline_an_erasure_leaves_no_trace_but_the_hashes(world, storage):
    borrower = await returned_borrower(world, storage, 24)
    await erasure.erase_student(storage, PLATFORM, ACTOR, YEARS_LATER, borrower.student_id)
    assert await traces(borrower.names) == []
    logged = {r["sha256"] for r in await EvidenceLog.select(EvidenceLog.sha256)}
    assert {borrower.hashes[k] for k in ("agreement", "sealed_agreement", "receipt")} <= logged
    for sha256 in borrower.hashes.values():
        assert not await storage.exists(sha256)


async def test_an_erased_student_cannot_be_erased_twice(world, storage):
    student = await make_student("A", left_on=RETURNED.date())
    await erasure.erase_student(storage, PLATFORM, ACTOR, SOON, student.id)
    with pytest.raises(ErasureRefused) as refused:
        await erasure.erase_student(storage, PLATFORM, ACTOR, SOON, student.id)
    assert refused.value.reason == erasure.ALREADY


@pytest.mark.parametrize("persona", ["it_a", "head_a", "manager_44"])
async def test_only_the_region_erases_and_holds(world, storage, persona):
    student = await make_student("A")
    scope = scope_of(world, persona)
    with pytest.raises(NotFound):
        await erasure.erase_student(storage, scope, ACTOR, SOON, student.id)
    with pytest.raises(NotFound):
        await legal_holds.place_legal_hold(scope, ACTOR, SOON, student.id, "x", RETURNED.date())
    assert (await Student.select().where(Student.id == student.id).first())["anonymised_at"] is None


async def test_a_legal_hold_needs_a_reason_and_a_date_not_in_the_future(world):
    student = await make_student("A")
    from inventory.errors import Invalid

    with pytest.raises(Invalid) as invalid:
        await legal_holds.place_legal_hold(
            PLATFORM, ACTOR, SOON, student.id, "  ", SOON.date() + dt.timedelta(days=1)
        )
    assert set(invalid.value.errors) == {"reason", "placed_on"}
