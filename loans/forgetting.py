"""Removing personal data: a student's (anonymised in place), a loan's damage photos, a loan's
evidence (its conventions whole, with their signatures, and its receipt). The ONE
implementation that the daily retention (`loans.retention`) and erasure on request
(`loans.erasure`) both call, inside their own transaction.

What stays: the student row under a pseudonymous marker (`anonymised_at`, the name
« Anonymisé », no birth date, INE, ENT key nor contact; the class reduced to its level), its
loans with their states, dates, conditions and devices, and every history row: the fleet's
figures (counts, conditions, losses per model) add up as before. A convention is never
edited: it is kept whole or deleted whole, its hashes then written to `evidence_log`.

Bytes are removed from the storage after the transaction commits (`release_bytes`), and only
when no remaining document row holds the same content (storage is content-addressed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from loans.minors import PARIS, paris_day
from loans.reports.coverage import class_level
from loans.retention_rules import months_after, months_before
from loans.storage import Storage
from loans.tables import (
    Agreement,
    CorrectionRequest,
    Document,
    EntLinkProposal,
    EvidenceLog,
    Guardian,
    LegalHold,
    Loan,
    LoanEvent,
    LoanPhoto,
    LossDeclaration,
    Signature,
    Student,
)

ANONYMOUS_NAME = "Anonymisé"
REDACTED = "[effacé]"
# `student.birth_date` is NOT NULL (and SQLite cannot relax a column): a date no lycéen has.
ANONYMOUS_BIRTH_DATE = dt.date(1900, 1, 1)
# The documents that make a loan's evidence; photos have their own period.
EVIDENCE_KINDS = ("agreement", "sealed_agreement", "signature", "paper_scan", "receipt")
# Loan event fields whose values may hold a name (a signer, free text): the event keeps the
# field's name without its values after anonymisation, as `student_event` does from the start.
PERSONAL_EVENT_FIELDS = frozenset({"signer", "damage_notes", "circumstances", "police_report_ref"})
# Whose hashes the evidence log keeps: what a party may later show a copy of.
LOGGED_KINDS = ("agreement", "sealed_agreement", "receipt")


@dataclass
class Forgotten:
    """What one transaction removed: counts per kind (for reports and events, never names)
    and the hashes of bytes that may no longer be needed."""

    counts: Counter[str] = field(default_factory=Counter)
    hashes: set[str] = field(default_factory=set)
    # Photos taken before documents existed: files named so in the old photo directory.
    legacy_files: set[str] = field(default_factory=set)

    def merge(self, other: Forgotten) -> None:
        self.counts.update(other.counts)
        self.hashes |= other.hashes
        self.legacy_files |= other.legacy_files


def _ids(values) -> list[int]:
    return sorted({int(v) for v in values})


async def delete_photos(loan_ids: list[int], forgotten: Forgotten) -> None:
    """Every damage photo of these loans: rows and (after commit) bytes."""
    if not loan_ids:
        return
    photos = await LoanPhoto.select(LoanPhoto.id, LoanPhoto.file_name, LoanPhoto.document).where(
        LoanPhoto.loan.is_in(loan_ids)
    )
    documents = await Document.select(Document.id, Document.sha256).where(
        Document.loan.is_in(loan_ids) & (Document.kind == "photo")
    )
    if photos:
        await LoanPhoto.delete().where(LoanPhoto.id.is_in([p["id"] for p in photos]))
    if documents:
        await Document.delete().where(Document.id.is_in([d["id"] for d in documents]))
    forgotten.counts["photos"] += len(photos)
    forgotten.hashes |= {d["sha256"] for d in documents}
    forgotten.legacy_files |= {p["file_name"] for p in photos if p["document"] is None}


async def delete_evidence(
    loan_ids: list[int], now: dt.datetime, reason: str, run_id: int | None, forgotten: Forgotten
) -> None:
    """Every convention of these loans deleted whole (its versions, signatures, signing links,
    PDFs, signature images, scans, sealed record) and their receipts, each logged hash first
    written to the append-only evidence log."""
    if not loan_ids:
        return
    agreements = await Agreement.select(
        Agreement.id, Agreement.document, Agreement.public_id, Agreement.completed_at
    ).where(Agreement.loan.is_in(loan_ids))
    documents = await Document.select(
        Document.id,
        Document.kind,
        Document.sha256,
        Document.loan,
        Document.public_id,
        Document.region,
        Document.created_at,
    ).where(Document.loan.is_in(loan_ids) & Document.kind.is_in(list(EVIDENCE_KINDS)))
    by_document = {a["document"]: a for a in agreements if a["document"] is not None}
    by_public_id = {a["public_id"]: a for a in agreements}
    logged = []
    for d in documents:
        if d["kind"] not in LOGGED_KINDS:
            continue
        agreement = by_document.get(d["id"]) or (
            by_public_id.get(d["public_id"]) if d["kind"] == "sealed_agreement" else None
        )
        logged.append(
            EvidenceLog(
                region=d["region"],
                kind=d["kind"],
                sha256=d["sha256"],
                agreement_id=agreement["id"] if agreement else None,
                loan_id=d["loan"],
                sealed_at=agreement["completed_at"] if agreement else d["created_at"],
                deleted_at=now,
                reason=reason,
                run_id=run_id,
            )
        )
    if logged:
        await EvidenceLog.insert(*logged)
    if agreements:
        agreement_ids = [a["id"] for a in agreements]
        await Signature.delete().where(Signature.agreement.is_in(agreement_ids))
        await Agreement.delete().where(Agreement.id.is_in(agreement_ids))  # links cascade
    if documents:
        await Document.delete().where(Document.id.is_in([d["id"] for d in documents]))
    kinds = Counter(d["kind"] for d in documents)
    forgotten.counts["agreements"] += len(agreements)
    forgotten.counts["sealed_agreements"] += kinds["sealed_agreement"]
    forgotten.counts["receipts"] += kinds["receipt"]
    forgotten.counts["evidence_hashes"] += len(logged)
    forgotten.hashes |= {d["sha256"] for d in documents}


async def anonymise_student(student: dict, now: dt.datetime, forgotten: Forgotten) -> list[int]:
    """The student's personal data removed now, in place; `student` holds its `id`,
    `class_name` and `left_on`. Deletes the photos of their loans too (a photo cannot be
    anonymised). Their conventions are left to `delete_evidence`: evidence has its own
    period. Returns the ids of the student's loans."""
    student_id = student["id"]
    await Student.update(
        {
            Student.ent_id: None,
            Student.ine: None,
            Student.last_name: ANONYMOUS_NAME,
            Student.first_name: "",
            Student.birth_date: ANONYMOUS_BIRTH_DATE,
            Student.class_name: class_level(student["class_name"] or ""),
            Student.left_on: student["left_on"] or paris_day(now),
            Student.anonymised_at: now,
        }
    ).where(Student.id == student_id)
    # A guardian who signed a convention still kept stays as a blank row (the signature
    # names its signer itself); the others go, with their pending signing links.
    signed = Signature.select(Signature.guardian).where(Signature.guardian.is_not_null())
    removed = await (
        Guardian.delete()
        .where((Guardian.student == student_id) & Guardian.id.not_in(signed))
        .returning(Guardian.id)
    )
    await Guardian.update(
        {
            Guardian.last_name: "",
            Guardian.first_name: "",
            Guardian.email: "",
            Guardian.phone: "",
            Guardian.ent_id: None,
        }
    ).where(Guardian.student == student_id)
    loan_ids = _ids(r["id"] for r in await Loan.select(Loan.id).where(Loan.student == student_id))
    if loan_ids:
        # Free text staff or families typed may name people; the facts (dates, condition,
        # state) stay for the figures. A note becomes a marker, never empty: "damage noted"
        # is itself a figure (a repair, loans.reports.tallies.repair_sql).
        for column in (Loan.damage_notes, Loan.circumstances, Loan.police_report_ref):
            await Loan.update({column: REDACTED}).where(Loan.id.is_in(loan_ids) & (column != ""))
        await LossDeclaration.update(
            {
                LossDeclaration.declared_by_name: "",
                LossDeclaration.declared_by_ent_id: "",
                LossDeclaration.circumstances: "",
                LossDeclaration.police_report_ref: "",
                LossDeclaration.decision_note: "",
            }
        ).where(LossDeclaration.loan.is_in(loan_ids))
        await _redact_loan_events(loan_ids)
    await EntLinkProposal.delete().where(EntLinkProposal.student == student_id)
    # The values asked for are personal data like the record they correct.
    await CorrectionRequest.delete().where(CorrectionRequest.student == student_id)
    await LegalHold.update({LegalHold.reason: ""}).where(LegalHold.student == student_id)
    await delete_photos(loan_ids, forgotten)
    forgotten.counts["students"] += 1
    forgotten.counts["guardians"] += len(removed)
    return loan_ids


def closed_before(months: int, now: dt.datetime) -> dt.datetime:
    """Loans closed before this instant are `months` past their end (whole Paris days: a loan
    closed on 3 March 2026 is 12 months past on 3 March 2027)."""
    cutoff = months_before(paris_day(now), months) + dt.timedelta(days=1)
    return dt.datetime.combine(cutoff, dt.time(0), PARIS).astimezone(dt.UTC)


async def forget_student(
    student: dict,
    evidence_months: int,
    now: dt.datetime,
    reason: str,
    run_id: int | None,
    forgotten: Forgotten,
) -> dt.date | None:
    """A student forgotten: their personal data now (`anonymise_student`) and the evidence of
    their loans already past `evidence_months`. The rest of the evidence stays until its own
    deadline (the region must keep it); returns that last deadline, None when none is left."""
    loan_ids = await anonymise_student(student, now, forgotten)
    if not loan_ids:
        return None
    cutoff = closed_before(evidence_months, now)
    loans = await Loan.select(Loan.id, Loan.closed_at).where(Loan.id.is_in(loan_ids))
    due = [r["id"] for r in loans if r["closed_at"] is not None and r["closed_at"] < cutoff]
    await delete_evidence(due, now, reason, run_id, forgotten)
    kept = [r for r in loans if r["id"] not in set(due)]
    if not kept:
        return None
    has_evidence = {
        r["loan"]
        for r in await Agreement.select(Agreement.loan).where(
            Agreement.loan.is_in([r["id"] for r in kept])
        )
    } | {
        r["loan"]
        for r in await Document.select(Document.loan).where(
            Document.loan.is_in([r["id"] for r in kept]) & Document.kind.is_in(list(EVIDENCE_KINDS))
        )
    }
    ends = [
        months_after(paris_day(r["closed_at"] or now), evidence_months)
        for r in kept
        if r["id"] in has_evidence
    ]
    return max(ends, default=None)


async def _redact_loan_events(loan_ids: list[int]) -> None:
    events = await (
        LoanEvent.select(LoanEvent.id, LoanEvent.changes)
        .where(LoanEvent.loan.is_in(loan_ids))
        .output(load_json=True)
    )
    for event in events:
        changes = event["changes"] or {}
        if PERSONAL_EVENT_FIELDS.isdisjoint(changes):
            continue
        redacted = {k: None if k in PERSONAL_EVENT_FIELDS else v for k, v in changes.items()}
        await LoanEvent.update({LoanEvent.changes: redacted}).where(LoanEvent.id == event["id"])


async def release_bytes(
    storage: Storage, forgotten: Forgotten, legacy_dir: Path | None = None
) -> int:
    """After the commit: remove the bytes no document row holds any more, and the old photo
    files of the photos deleted (when `legacy_dir` is given). Returns how many."""
    released = 0
    for chunk in _chunks(sorted(forgotten.hashes), 500):
        kept = {
            r["sha256"]
            for r in await Document.select(Document.sha256).where(Document.sha256.is_in(chunk))
        }
        for sha256 in chunk:
            if sha256 not in kept:
                await storage.delete(sha256)
                released += 1
    for name in sorted(forgotten.legacy_files):
        # Names come from our own rows; still, never a path outside the directory.
        if legacy_dir is not None and name and Path(name).name == name:
            path = legacy_dir / name
            if await asyncio.to_thread(path.is_file):
                await asyncio.to_thread(path.unlink, missing_ok=True)
                released += 1
    return released


def _chunks(items: list[str], size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
