"""The daily retention job (`ordipret retention`): what each region's retention periods
(`loans.retention_rules`) make due at `now` is anonymised or deleted, in batches of
`batch_size` (one transaction each), by the same code as an erasure (`loans.forgetting`).

Per region, in this order:
1. students past their period — left the school, last loan closed, both at least
   `retention_student_months` ago, no open loan, no legal hold: anonymised, with their
   photos and the evidence already past its own period;
2. damage photos of loans closed `retention_photo_months` ago;
3. conventions and receipts of loans closed `retention_evidence_months` ago, deleted whole,
   their hashes kept in `evidence_log`;
4. rows of the access log (`student_access`) older than `retention_access_log_months`.
Students under a legal hold are skipped entirely (their loans' photos and evidence too).

A dry run runs the very same statements and rolls each batch back: the counts are exact and
nothing changes (the storage is not touched). A real run is recorded as a `retention_run`
row (counts per region and kind) with one event per student or loan it changed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import msgspec

from inventory.db import for_update, write_transaction
from inventory.scope import Actor
from inventory.tables import Region
from loans.forgetting import (
    EVIDENCE_KINDS,
    Forgotten,
    closed_before,
    delete_evidence,
    delete_photos,
    forget_student,
    release_bytes,
)
from loans.legal_holds import held_students_query
from loans.minors import paris_day
from loans.retention_rules import FIELDS, months_before
from loans.storage import Storage
from loans.student_history import record_student_event
from loans.tables import (
    Agreement,
    Document,
    Loan,
    LoanEvent,
    LoanPhoto,
    RegionPolicy,
    RetentionRun,
    Student,
    StudentAccess,
)

BATCH = 500
# Rows of the access log per transaction: small rows, no file, nothing to read first.
ACCESS_BATCH = 10_000
REASON = "retention"


class RetentionReport(msgspec.Struct):
    now: dt.datetime
    dry_run: bool
    run_id: int | None
    counts: dict[str, dict[str, int]]  # region code -> kind -> how many (never who)


class Periods(msgspec.Struct, frozen=True):
    retention_student_months: int
    retention_photo_months: int
    retention_evidence_months: int
    retention_access_log_months: int


async def periods_of(region_id: int) -> Periods:
    """The region's periods, the defaults when it has no policy row yet: read without
    creating that row (`policy_for_region` would), since a dry run writes nothing."""
    names = [name for name in Periods.__struct_fields__]
    row = (
        await RegionPolicy.select(*(getattr(RegionPolicy, n) for n in names))
        .where(RegionPolicy.region == region_id)
        .first()
    )
    return Periods(**(row or {name: FIELDS[name][0] for name in names}))


class _Rollback(Exception):
    """Ends a dry run's batch: the transaction rolls back everything it did."""


async def _unreferenced(hashes: set[str]) -> int:
    if not hashes:
        return 0
    kept = await Document.select(Document.sha256).where(Document.sha256.is_in(sorted(hashes)))
    return len(hashes - {r["sha256"] for r in kept})


async def _batch(storage: Storage, legacy_dir, dry_run: bool, work) -> Counter[str]:
    """One transaction around `work(forgotten)`; rolled back on a dry run; bytes released
    after a real commit."""
    forgotten = Forgotten()
    try:
        async with write_transaction():
            await work(forgotten)
            if dry_run:
                forgotten.counts["files"] += await _unreferenced(forgotten.hashes) + len(
                    forgotten.legacy_files
                )
                raise _Rollback
    except _Rollback:
        return forgotten.counts
    forgotten.counts["files"] += await release_bytes(storage, forgotten, legacy_dir)
    return forgotten.counts


def _due_students_clause(region_id: int, policy: Periods, now: dt.datetime):
    months = policy.retention_student_months
    recent = Loan.select(Loan.student).where(
        Loan.closed_at.is_null() | (Loan.closed_at >= closed_before(months, now))
    )
    return (
        (Student.region == region_id)
        & Student.anonymised_at.is_null()
        & Student.left_on.is_not_null()
        & (Student.left_on <= months_before(paris_day(now), months))
        & Student.id.not_in(recent)
        & Student.id.not_in(held_students_query())
    )


async def _due_students(clause, after: int, limit: int):
    return await (
        Student.select(Student.id, Student.class_name, Student.left_on)
        .where(clause & (Student.id > after))
        .order_by(Student.id)
        .limit(limit)
    )


async def _due_loans(region_id: int, months: int, now, holder, skipped, after, limit):
    """Closed loans of the region past `months` that still hold what `holder` selects,
    except the loans of the `skipped` students."""
    return [
        r["id"]
        for r in await Loan.select(Loan.id)
        .where(
            (Loan.student.region == region_id)
            & (Loan.id > after)
            & (Loan.closed_at < closed_before(months, now))
            & Loan.id.is_in(holder)
            & Loan.student.not_in(skipped)
        )
        .order_by(Loan.id)
        .limit(limit)
    ]


async def _loan_events(loan_ids: list[int], actor: Actor, now, kind: str, run_id) -> None:
    if loan_ids and run_id is not None:
        changes = {"deleted": kind, "reason": REASON, "run": run_id}
        await LoanEvent.insert(
            *(
                LoanEvent(
                    loan=i,
                    at=now,
                    actor_id=actor.id,
                    actor_name=actor.name,
                    action="retention",
                    changes=changes,
                )
                for i in loan_ids
            )
        )


async def _region(storage, legacy_dir, actor, now, region: dict, dry_run, run_id, size, progress):
    policy = await periods_of(region["id"])
    counts: Counter[str] = Counter()
    due = _due_students_clause(region["id"], policy, now)
    after = 0
    while students := await _due_students(due, after, size):
        after = students[-1]["id"]

        async def forget(forgotten: Forgotten, students=students) -> None:
            # Read again inside the transaction, rows locked: a loan opened or a hold placed
            # (it locks the student row too) since the batch was chosen takes the student out.
            ids = [s["id"] for s in students]
            query = Student.select(Student.id, Student.class_name, Student.left_on)
            for student in await for_update(query.where(due & Student.id.is_in(ids)), Student):
                one = Forgotten()
                await forget_student(
                    student, policy.retention_evidence_months, now, REASON, run_id, one
                )
                if run_id is not None:
                    changes = {"reason": REASON, "run": run_id, "counts": dict(one.counts)}
                    await record_student_event(student["id"], actor, now, "erased", changes)
                forgotten.merge(one)

        counts += await _batch(storage, legacy_dir, dry_run, forget)
        progress(len(students))
    steps = (
        ("photos", policy.retention_photo_months, LoanPhoto.select(LoanPhoto.loan), delete_photos),
        (
            "evidence",
            policy.retention_evidence_months,
            Agreement.select(Agreement.loan),
            lambda ids, f: delete_evidence(ids, now, REASON, run_id, f),
        ),
        (
            "receipts",
            policy.retention_evidence_months,
            Document.select(Document.loan).where(Document.kind.is_in(list(EVIDENCE_KINDS))),
            lambda ids, f: delete_evidence(ids, now, REASON, run_id, f),
        ),
    )
    # Held students are skipped; so, on a dry run, are the students step 1 counted (their
    # batches were rolled back: counting their photos again would count them twice).
    skipped = held_students_query()
    if dry_run:
        skipped = Student.select(Student.id).where(Student.id.is_in(held_students_query()) | due)
    for kind, months, holder, delete in steps:
        after = 0
        while loans := await _due_loans(region["id"], months, now, holder, skipped, after, size):
            after = loans[-1]

            async def remove(forgotten: Forgotten, loans=loans, delete=delete, kind=kind):
                # Again inside the transaction: a hold placed meanwhile keeps the loan's papers.
                still = Loan.select(Loan.id).where(
                    Loan.id.is_in(loans) & Loan.student.not_in(held_students_query())
                )
                loans = [r["id"] for r in await still]
                await delete(loans, forgotten)
                await _loan_events(loans, actor, now, kind, run_id)

            counts += await _batch(storage, legacy_dir, dry_run, remove)
            progress(len(loans))
    counts["access_log"] += await _forget_accesses(
        region["id"], closed_before(policy.retention_access_log_months, now), dry_run
    )
    return {kind: n for kind, n in sorted(counts.items()) if n}


async def _forget_accesses(region_id: int, before: dt.datetime, dry_run: bool) -> int:
    """Delete the region's access log rows written before `before` (oldest first, by batches
    through the (region, at, id) index); a dry run counts them."""
    old = (StudentAccess.region == region_id) & (StudentAccess.at < before)
    if dry_run:
        return await StudentAccess.count().where(old)
    deleted = 0
    while True:
        async with write_transaction():
            batch = StudentAccess.select(StudentAccess.id).where(old)
            ids = [r["id"] for r in await batch.order_by(StudentAccess.at).limit(ACCESS_BATCH)]
            if ids:
                await StudentAccess.delete().where(StudentAccess.id.is_in(ids))
        deleted += len(ids)
        if len(ids) < ACCESS_BATCH:
            return deleted


async def run_retention(
    storage: Storage,
    actor: Actor,
    now: dt.datetime,
    *,
    dry_run: bool,
    batch_size: int = BATCH,
    legacy_dir: Path | None = None,
    progress: Callable[[int], None] = lambda done: None,
) -> RetentionReport:
    """Apply every region's retention at `now` (see the module docstring). `legacy_dir`: the
    old photo directory, where photos taken before documents existed are files."""
    run_id = None
    if not dry_run:
        row = RetentionRun(started_at=now, now=now, actor_name=actor.name)
        run_id = (await RetentionRun.insert(row).returning(RetentionRun.id))[0]["id"]
    counts = {}
    for region in await Region.select(Region.id, Region.code).order_by(Region.code):
        found = await _region(
            storage, legacy_dir, actor, now, region, dry_run, run_id, batch_size, progress
        )
        if found:
            counts[region["code"]] = found
    if run_id is not None:
        # finished_at: the run went to its end (time is the caller's `now`, as everywhere).
        await RetentionRun.update(
            {RetentionRun.counts: counts, RetentionRun.finished_at: now}
        ).where(RetentionRun.id == run_id)
    return RetentionReport(now=now, dry_run=dry_run, run_id=run_id, counts=counts)
