"""Importing the directory that feeds the ENTs (AAF files) into a region's students and
guardians: a dry run that reports, then the same run that writes.

- The files are read first, whole, into a staging area (`loans.directory_staging`): any file
  that is hostile or unreadable stops the import before anything is written.
- Students are then applied in file order, a chunk at a time, each chunk in its own
  transaction (matching, creating, updating, their guardians): memory and lock time stay
  those of a chunk. An interrupted import is finished by running it again: it is idempotent.
- *Complet* files replace a school's population: the enrolled students of every school the
  files name a student of, and that no entry designates, are marked left (`left_on` today,
  as `loans.students.mark_left` does: their open loans join the collection list). A school
  absent from the files is left alone. *Delta* files apply their requests; a deleteRequest
  for a student marks them left. A student present in the directory again is re-enrolled.
- An entry with errors is reported (its id and attribute) and skipped; the others are applied.
- The audit log gets, per student, the action and the names of the fields (`log_change`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import msgspec

from inventory.db import is_unique_violation, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Actor, Scope
from inventory.statistics import BULK, after_bulk_write, refresh_statistics
from inventory.tables import Establishment, Region
from loans import directory_guardians as guardians
from loans.aaf_reader import (
    MODES,
    RELATIVE,
    STRUCTURE,
    STUDENT,
    AafFileError,
    file_mode,
    read_entries,
)
from loans.directory_staging import Staging
from loans.directory_students import StagedStudent, existing, match, plan, read_student
from loans.directory_writes import write_chunk, write_relatives
from loans.minors import paris_day
from loans.student_history import event_rows
from loans.student_import import record_events
from loans.students import audit, log_change
from loans.tables import Student

CHUNK = 500
MAX_REPORTED = 1_000
Progress = Callable[[str, int, int], None]  # (phase, done, total)
Source = Path | bytes | BinaryIO  # a file's path, its bytes, or an open binary file


class DirectoryEntryError(msgspec.Struct, frozen=True):
    entry: str  # the entry's identifier/id
    field: str  # the AAF attribute
    message: str


class DirectoryImportReport(msgspec.Struct):
    dry_run: bool
    mode: str
    files: list[str]
    students_read: int
    relatives_read: int
    structures_read: int
    ignored: int  # staff and other entries: not borrowers
    added: int
    changed: int
    unchanged: int
    left: int
    guardians_added: int
    guardians_changed: int
    guardians_removed: int
    error_count: int
    errors: list[DirectoryEntryError]  # the first MAX_REPORTED


class _Run:
    def __init__(self, region_id: int, dry_run: bool, now: dt.datetime, actor: Actor) -> None:
        self.region_id, self.dry_run, self.now, self.actor = region_id, dry_run, now, actor
        self.today = paris_day(now)
        self.added = self.changed = self.unchanged = self.left = 0
        self.guardians = guardians.GuardianCounts()
        self.errors: list[tuple[str, str, str]] = []
        self.covered: set[int] = set()  # schools the files name a student of


def choose_mode(names: Sequence[str], mode: str | None) -> str:
    if mode:
        if mode not in MODES:
            raise Invalid({"mode": "complet ou delta"})
        return mode
    found = {m for name in names if (m := file_mode(name))}
    if len(found) != 1:
        problem = "complet et delta mêlés" if found else "le nom des fichiers ne le dit pas"
        raise Invalid({"mode": f"précisez le type d'import, complet ou delta ({problem})"})
    return found.pop()


async def _region_id(scope: Scope, code: str) -> int:
    row = await Region.select(Region.id).where(Region.code == code).first()
    if row is None or not scope.manages_region(row["id"]):
        raise NotFound(f"Région {code} introuvable.")
    return row["id"]


def _stage(staging: Staging, files: Sequence[tuple[str, Source]], tick: Progress) -> None:
    read = 0
    for name, source in files:
        try:
            for entry in read_entries(source, name):
                staging.add(entry)
                read += 1
                if read % 1000 == 0:
                    tick("lecture", read, 0)
        except AafFileError as error:
            raise Invalid({"files": error.message}) from None
    tick("lecture", read, read)


async def _students(run: _Run, staging: Staging, establishments: dict, mode: str, tick) -> None:
    total, done, analysed = staging.count(STUDENT), 0, 0
    for chunk in staging.chunks(STUDENT, CHUNK):
        students = [StagedStudent(key, entry, op, attrs) for key, entry, op, attrs in chunk]
        for student in students:
            read_student(student, staging, establishments, run.today)
        if run.dry_run:
            await _chunk(run, staging, students, mode)
        else:
            async with write_transaction():
                await _chunk(run, staging, students, mode)
            if run.added - analysed >= max(BULK, analysed):
                # PostgreSQL plans the next chunks' lookups from statistics that still
                # describe the table before the import: sequential scans, the first import
                # of 100,000 students took 166 s instead of 27. Doubling steps: a few ANALYZE.
                await refresh_statistics("student", "guardian")
                analysed = run.added
        done += len(chunk)
        tick("import", done, total)


async def _chunk(run: _Run, staging: Staging, students: list[StagedStudent], mode: str) -> None:
    first_with: dict[str, str] = {}  # two entries of the chunk with one INE: one student
    for student in students:
        ine = student.fields.get("ine")
        if (
            ine
            and not student.errors
            and (first := first_with.setdefault(ine, student.entry)) != student.entry
        ):
            student.errors["ENTEleveINE"] = f"même INE que l'entrée {first}"
    found = await existing(run.region_id, students)
    for student in students:  # entries in error too: a Complet must not mark them left
        match(student, run.region_id, found)
    matched = [s.match["id"] for s in students if s.match]
    taken = set(matched) - set(staging.absent(matched))
    for student in students:
        if student.match and student.match["id"] in taken:
            student.errors["ENTPersonJointure"] = "élève déjà désigné par une autre entrée"
            student.match = None
    staging.mark_present([s.match["id"] for s in students if s.match])
    deleted = [s for s in students if s.op == "delete"]
    live = [s for s in students if s.op != "delete"]
    for student in live:
        if not student.errors:
            plan(student)
        if mode == "complet" and student.establishment_id and not student.errors:
            run.covered.add(student.establishment_id)
    leaving = [s.match["id"] for s in deleted if s.match and s.match["left_on"] is None]
    ok = [s for s in live if not s.errors]
    current = await guardians.current_guardians([s.match["id"] for s in ok if s.match])
    relatives, known = await guardians.linked_relatives(staging, run.region_id, ok)
    guardian_plan = guardians.GuardianPlan()
    touched = set()
    for student in ok:
        if guardians.RELATIVES in student.attrs:
            student_id = student.match["id"] if student.match else None
            own = current.get(student_id, []) if student_id else []
            if guardian_plan.student(student, student_id, own, relatives, known, run.errors):
                touched.add(student.key)
    staging.mark_present(
        [s.match["id"] for s in ok if s.match and guardians.RELATIVES in s.attrs], "linked"
    )
    for student in students:
        run.errors += [(student.entry, name, message) for name, message in student.errors.items()]
    new = [s for s in ok if s.match is None]
    run.added += len(new)
    for student in ok:
        if student.match:
            if student.changes or student.key in touched:
                run.changed += 1
            else:
                run.unchanged += 1
    run.left += len(leaving)
    counts = guardian_plan.counts()
    run.guardians.added += counts.added
    run.guardians.changed += counts.changed
    run.guardians.removed += counts.removed
    if run.dry_run:
        return
    ids = await write_chunk(run.region_id, run.now, run.today, ok, new, guardian_plan, leaving)
    await record_events(_events(run, ids, ok, new, touched, leaving))
    staging.mark_present(list(ids.values()))
    staging.mark_present([ids[s.key] for s in new if guardians.RELATIVES in s.attrs], "linked")
    for student in new:
        log_change("created (directory)", ids[student.key], run.actor, student.fields)
    for student in ok:
        if student.match and (student.changes or student.key in touched):
            names = list(student.changes) + (["guardians"] if student.key in touched else [])
            log_change("updated (directory)", student.match["id"], run.actor, names)
    for student_id in leaving:
        log_change("left (directory)", student_id, run.actor, ["left_on"])


def _events(run: _Run, ids: dict, ok: list, new: list, touched: set, leaving: list) -> list:
    """The history of the students this chunk writes: created, changed, left."""
    rows = event_rows(
        [ids[s.key] for s in new], run.actor, run.now, "directory_created", ["created"]
    )
    for student in ok:
        if student.match and (student.changes or student.key in touched):
            names = list(student.changes) + (["guardians"] if student.key in touched else [])
            rows += event_rows(
                [student.match["id"]], run.actor, run.now, "directory_updated", names
            )
    return rows + event_rows(leaving, run.actor, run.now, "directory_left", ["left_on"])


async def _leavers(run: _Run, staging: Staging) -> None:
    """Complet: the enrolled students of the covered schools that no entry designated."""
    for establishment_id in sorted(run.covered):
        enrolled = await Student.select(Student.id).where(
            (Student.establishment == establishment_id) & Student.left_on.is_null()
        )
        absent = staging.absent([row["id"] for row in enrolled])
        run.left += len(absent)
        if run.dry_run or not absent:
            continue
        async with write_transaction():
            for start in range(0, len(absent), CHUNK):
                part = absent[start : start + CHUNK]
                await Student.update({Student.left_on: run.today}).where(
                    Student.id.is_in(part) & Student.left_on.is_null()
                )
            await record_events(
                event_rows(absent, run.actor, run.now, "directory_left", ["left_on"])
            )
        for student_id in absent:
            log_change("left (directory)", student_id, run.actor, ["left_on"])


async def _relatives(run: _Run, staging: Staging, tick) -> None:
    total, done = staging.count(RELATIVE), 0
    for chunk in staging.chunks(RELATIVE, CHUNK):
        rows = await guardians.guardians_of_relatives(run.region_id, [c[0] for c in chunk])
        students = sorted({row["student"] for row in rows})
        handled = set(students) - set(staging.absent(students, "linked"))
        plan = guardians.GuardianPlan()
        guardians.plan_relatives(chunk, rows, handled, plan, run.errors)
        run.guardians.changed += len(plan.updates)
        run.guardians.removed += len(plan.removed)
        if not run.dry_run and (plan.updates or plan.removed):
            async with write_transaction():
                await write_relatives(plan)
        done += len(chunk)
        tick("représentants", done, total)


async def import_directory(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    region_code: str,
    files: Sequence[tuple[str, Source]],
    *,
    mode: str | None = None,
    dry_run: bool = True,
    progress: Progress | None = None,
) -> DirectoryImportReport:
    """Import AAF files (name, source) into the region's students; `mode` complet or
    delta, else read from the files' names. `progress(phase, done, total)`."""
    region_id = await _region_id(scope, region_code)
    if not files:
        raise Invalid({"files": "choisissez au moins un fichier AAF"})
    mode = choose_mode([name for name, _ in files], mode)
    tick = progress or (lambda *_: None)
    establishments = {
        row["uai"]: row["id"]
        for row in await Establishment.select(Establishment.id, Establishment.uai).where(
            Establishment.region == region_id
        )
    }
    run = _Run(region_id, dry_run, now, actor)
    with Staging() as staging:
        # Reading is CPU-bound (~110 µs an entry): off the event loop, which keeps serving.
        await asyncio.to_thread(_stage, staging, files, tick)
        try:
            await _students(run, staging, establishments, mode, tick)
        except Exception as error:
            if is_unique_violation(error):  # another writer took an INE or ENT key meanwhile
                raise Conflict(
                    "Un autre enregistrement est intervenu ; relancez l'import."
                ) from None
            raise
        if mode == "complet":
            await _leavers(run, staging)
        await _relatives(run, staging, tick)
        counts = dict(staging.counts)
    if not dry_run:
        await after_bulk_write(
            run.added + run.changed + run.left, "student", "guardian"
        )  # inventory.statistics
        audit.info(
            "directory imported by account %s: %s added, %s changed, %s left",
            actor.id,
            run.added,
            run.changed,
            run.left,
        )
    return DirectoryImportReport(
        dry_run=dry_run,
        mode=mode,
        files=[name for name, _ in files],
        students_read=counts[STUDENT],
        relatives_read=counts[RELATIVE],
        structures_read=counts[STRUCTURE],
        ignored=counts["ignored"],
        added=run.added,
        changed=run.changed,
        unchanged=run.unchanged,
        left=run.left,
        guardians_added=run.guardians.added,
        guardians_changed=run.guardians.changed,
        guardians_removed=run.guardians.removed,
        error_count=len(run.errors),
        errors=[DirectoryEntryError(*error) for error in run.errors[:MAX_REPORTED]],
    )
