"""The daily retention with the clock moved forward: what is due is anonymised or deleted
(photos and conventions gone from the storage, their hashes logged), the figures still add up,
nothing else changes; before the deadline nothing happens; a dry run changes nothing."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from inventory.scope import SYSTEM
from loans import access_log, legal_holds, retention
from loans.forgetting import ANONYMOUS_NAME
from loans.reports import target as targets
from loans.reports.overview import overview
from loans.storage import DatabaseStorage, DirectoryStorage
from loans.tables import (
    Agreement,
    EvidenceLog,
    Guardian,
    RetentionRun,
    Signature,
    Student,
    StudentAccess,
)
from tests.factories import ACTOR, PLATFORM, make_student, scope_of
from tests.loans.retention_world import RETURNED, database_rows, returned_borrower, traces

PERSONAL_DEADLINE = dt.datetime(2027, 10, 2, 3, 0, tzinfo=dt.UTC)  # 12 months and a day
EVIDENCE_DEADLINE = dt.datetime(2031, 10, 2, 3, 0, tzinfo=dt.UTC)  # 60 months and a day


@pytest.fixture(params=["directory", "database"])
def storage(request, app, tmp_path):
    if request.param == "directory":
        return DirectoryStorage(tmp_path / "documents")
    return DatabaseStorage()


async def _run(storage, now, **options):
    return await retention.run_retention(storage, SYSTEM, now, dry_run=False, **options)


async def _student(student_id: int) -> dict:
    return await Student.select().where(Student.id == student_id).first()


async def test_before_the_deadline_nothing_changes(world, storage):
    borrower = await returned_borrower(world, storage, 1)
    before = await database_rows()
    report = await _run(storage, PERSONAL_DEADLINE - dt.timedelta(days=2))
    assert report.counts == {}
    after = await database_rows()
    assert len(after.pop("retention_run")) == 1  # the run itself is recorded
    before.pop("retention_run")
    assert after == before
    for sha256 in borrower.hashes.values():
        assert await storage.exists(sha256)


async def test_a_dry_run_counts_what_is_due_and_changes_nothing(world, storage):
    borrower = await returned_borrower(world, storage, 2)
    before = await database_rows()
    report = await retention.run_retention(storage, SYSTEM, EVIDENCE_DEADLINE, dry_run=True)
    assert await database_rows() == before
    counts = report.counts["24"]
    assert (report.dry_run, report.run_id) == (True, None)
    assert counts["students"] == 1 and counts["photos"] == 1
    assert (counts["agreements"], counts["sealed_agreements"], counts["receipts"]) == (1, 1, 1)
    assert counts["files"] >= 4  # photo, convention, sealed record, receipt (+ signatures)
    for sha256 in borrower.hashes.values():
        assert await storage.exists(sha256)


async def test_past_the_personal_data_deadline_the_student_is_anonymised_and_evidence_kept(
    world, storage
):
    due = await returned_borrower(world, storage, 3)
    recent = await returned_borrower(world, storage, 4, returned=RETURNED + dt.timedelta(days=60))
    enrolled = await make_student("A")
    untouched = {s: await _student(s) for s in (recent.student_id, enrolled.id)}
    report = await _run(storage, PERSONAL_DEADLINE)
    assert report.counts["24"]["students"] == 1 and report.counts["24"]["photos"] == 1
    row = await _student(due.student_id)
    assert (row["last_name"], row["first_name"], row["ine"], row["ent_id"]) == (
        ANONYMOUS_NAME,
        "",
        None,
        None,
    )
    assert row["class_name"] == "2NDE" and row["anonymised_at"] == PERSONAL_DEADLINE
    guardians = await Guardian.select().where(Guardian.student == due.student_id)
    assert [(g["last_name"], g["email"]) for g in guardians] == [("", "")]  # signed: kept blank
    assert not await storage.exists(due.hashes["photo"])
    # The evidence stays whole until its own deadline.
    assert await storage.exists(due.hashes["sealed_agreement"])
    assert await Agreement.count().where(Agreement.loan == due.loan_id) == 1
    assert await EvidenceLog.count() == 0
    for student_id, before in untouched.items():
        assert await _student(student_id) == before
    assert await storage.exists(recent.hashes["photo"])
    run = await RetentionRun.select().output(load_json=True).first()
    assert run["counts"] == report.counts and run["finished_at"] == PERSONAL_DEADLINE


async def test_past_the_evidence_deadline_conventions_go_whole_and_their_hashes_stay(
    world, storage
):
    borrower = await returned_borrower(world, storage, 5)
    await _run(storage, PERSONAL_DEADLINE)
    report = await _run(storage, EVIDENCE_DEADLINE)
    assert report.counts["24"]["sealed_agreements"] == 1
    assert await Agreement.count().where(Agreement.loan == borrower.loan_id) == 0
    assert await Signature.count() == 0
    for sha256 in borrower.hashes.values():
        assert not await storage.exists(sha256)
    logged = await EvidenceLog.select().order_by(EvidenceLog.id)
    assert {(e["kind"], e["sha256"]) for e in logged} == {
        (kind, borrower.hashes[kind]) for kind in ("agreement", "sealed_agreement", "receipt")
    }
    assert {(e["loan_id"], e["reason"], e["run_id"]) for e in logged} == {
        (borrower.loan_id, "retention", report.run_id)
    }
    sealed = next(e for e in logged if e["kind"] == "sealed_agreement")
    assert sealed["agreement_id"] is not None and sealed["sealed_at"] is not None
    assert await traces(borrower.names) == []


async def test_the_fleet_figures_add_up_the_same_after_anonymisation(world, storage):
    for n in (6, 7):
        await returned_borrower(world, storage, n)
    await make_student("A")
    today = dt.date(2027, 1, 15)

    async def figures():
        target = await targets.resolve(scope_of(world, "manager_24"), today, region="24")
        return msgspec.to_builtins(await overview(target))

    before = await figures()
    await _run(storage, PERSONAL_DEADLINE)
    assert await figures() == before
    await _run(storage, EVIDENCE_DEADLINE)
    assert await figures() == before


async def test_more_students_than_one_batch_are_all_anonymised(world, storage):
    gone = [(await make_student("A", left_on=RETURNED.date())).id for _ in range(5)]
    report = await _run(storage, PERSONAL_DEADLINE, batch_size=2)
    assert report.counts["24"]["students"] == 5
    names = {r["last_name"] for r in await Student.select().where(Student.id.is_in(gone))}
    assert names == {ANONYMOUS_NAME}


async def test_a_student_under_a_legal_hold_is_skipped_until_it_is_lifted(world, storage):
    borrower = await returned_borrower(world, storage, 8)
    hold = await legal_holds.place_legal_hold(
        PLATFORM, ACTOR, RETURNED, borrower.student_id, "Plainte pour vol", RETURNED.date()
    )
    before = await _student(borrower.student_id)
    await _run(storage, EVIDENCE_DEADLINE)
    assert await _student(borrower.student_id) == before
    assert await storage.exists(borrower.hashes["photo"])
    await legal_holds.lift_legal_hold(
        PLATFORM, ACTOR, EVIDENCE_DEADLINE, borrower.student_id, hold.id
    )
    await _run(storage, EVIDENCE_DEADLINE + dt.timedelta(days=1))
    assert (await _student(borrower.student_id))["last_name"] == ANONYMOUS_NAME
    assert not await storage.exists(borrower.hashes["sealed_agreement"])


async def test_a_photo_taken_before_documents_existed_goes_with_its_file(world, storage, tmp_path):
    from loans.tables import LoanPhoto

    borrower = await returned_borrower(world, storage, 9)
    legacy_dir = tmp_path / "photos"
    legacy_dir.mkdir()
    name = "0123456789abcdef0123456789abcdef.jpg"
    (legacy_dir / name).write_bytes(b"\xff\xd8old photo\xff\xd9")
    row = LoanPhoto(
        loan=borrower.loan_id, file_name=name, content_type="image/jpeg", taken_at=RETURNED
    )
    await LoanPhoto.insert(row)
    report = await _run(storage, PERSONAL_DEADLINE, legacy_dir=legacy_dir)
    assert report.counts["24"]["photos"] == 2
    assert not (legacy_dir / name).exists()
    assert await LoanPhoto.count() == 0


async def test_the_access_log_goes_past_its_period_and_a_dry_run_only_counts_it(world, storage):
    borrower = await returned_borrower(world, storage, 1)
    reader = access_log.Reader(account_id=1, name="Référent A", role="it_staff")
    read = access_log.Read(kind="record", student_ids=(borrower.student_id,))
    for month in (9, 11):
        at = dt.datetime(2026, month, 1, 8, tzinfo=dt.UTC)
        await access_log.record_reads(reader, at, "/eleves/{student_id}", [read])
    past_first = dt.datetime(2027, 10, 1, 8, tzinfo=dt.UTC)  # 12 months after the 1st only
    dry = await retention.run_retention(storage, SYSTEM, past_first, dry_run=True)
    assert dry.counts["24"]["access_log"] == 1
    assert await StudentAccess.count() == 2
    report = await _run(storage, past_first)
    assert report.counts["24"]["access_log"] == 1
    kept = await StudentAccess.select(StudentAccess.at)
    assert [row["at"].month for row in kept] == [11]
