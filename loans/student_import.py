"""CSV import of students and their guardians, for schools without access to a directory.

One row per student, guardians in optional `guardian1_…` to `guardian4_…` columns. The file is
read like the asset import (`;` or `,`, UTF-8 with or without BOM, else cp1252), every row is
checked like a single create, errors are reported per line and column, and nothing is written
unless every row is right (a dry run only reports).

Re-importing a file does not duplicate anybody: a row is the existing student with the same
ENT identifier in the region, else the same INE, else the same (establishment, last name,
first name, birth date). That student is updated: names, birth date, class and establishment
from the file; ENT identifier and INE when the file gives them. When the row names guardians
they replace the student's (same names: kept and updated, so their ids survive; others
removed); a row without guardians leaves them as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from piccolo.columns.combination import And

from inventory.bulk import bulk_write_transaction, insert_many
from inventory.csv_format import (
    LineError,
    line_errors,
    parse_date,
    read_file,
    read_header,
    refuse_control_characters,
    unprotect_cell,
)
from inventory.db import is_unique_violation
from inventory.errors import Conflict, Invalid
from inventory.scope import Actor, Scope
from inventory.statistics import after_bulk_write
from inventory.tables import Establishment
from inventory.uai import normalise_uai, uai_problem
from loans.minors import paris_day
from loans.student_history import EVENT_COLUMNS, event_rows
from loans.students import (
    GUARDIAN_FIELDS,
    MAX_GUARDIANS,
    STUDENT_FIELDS,
    audit,
    check_guardian_fields,
    check_student_fields,
    guardian_values,
)
from loans.tables import Guardian, Student, StudentEvent
from loans.views import StudentImportReport

STUDENT_COLUMNS = ("uai", "ent_id", "ine", "last_name", "first_name", "birth_date", "class_name")
GUARDIAN_PARTS = ("last_name", "first_name", "email", "phone", "legal_authority", "ent_id")
COLUMNS = STUDENT_COLUMNS + tuple(
    f"guardian{n}_{part}" for n in range(1, MAX_GUARDIANS + 1) for part in GUARDIAN_PARTS
)
ALIASES = {"establishment_uai": "uai"}
REQUIRED = ("uai", "last_name", "first_name", "birth_date")
MAX_ROWS = 20_000  # a request's file (the page, the API): a school, a few schools
# `ordipret import-students`, off the request path: a region's file. 100,000 rows into 200,000
# students: 17-19 s of CPU (22-57 s on a shared machine) and ~300 MB (bench/student_import.py).
MAX_ROWS_OFFLINE = 250_000
CHUNK = 500
YES = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
NO = {"non", "n", "no", "faux", "false", "0"}
_MATCH_COLUMNS = (
    Student.id,
    Student.region,
    Student.establishment,
    Student.ent_id,
    Student.ine,
    Student.last_name,
    Student.first_name,
    Student.birth_date,
    Student.class_name,
)

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class _Row:
    line: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    fields: dict = field(default_factory=dict)  # normalised student fields
    guardians: list[dict] | None = None  # None: the row names none, keep the student's
    establishment_id: int = 0
    region_id: int = 0
    match: dict | None = None  # the existing student this row updates

    def identity(self) -> tuple:
        f = self.fields
        return (
            self.establishment_id,
            fold_name(f["last_name"]),
            fold_name(f["first_name"]),
            f["birth_date"],
        )


def fold_name(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def _chunks(items: Sequence) -> Iterator[Sequence]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# Reading the file -------------------------------------------------------------------------


def _header(line: int, cells: list[str]) -> tuple[dict[str, int], list[LineError]]:
    known = ", ".join(STUDENT_COLUMNS) + ", guardian1_last_name… guardian4_ent_id"
    return read_header(line, cells, COLUMNS, REQUIRED, known, ALIASES)


def _read(data: bytes, max_rows: int) -> tuple[int, list[_Row], list[LineError]]:
    """(number of data rows, the rows, file-level errors)."""

    def make_row(line: int, record: list[str], positions: dict[str, int]) -> _Row:
        row = _Row(line=line, values={name: "" for name in COLUMNS})
        for name, position in positions.items():
            cell = record[position] if position < len(record) else ""
            row.values[name] = unprotect_cell(cell).strip()
        refuse_control_characters(row.values, row.errors)
        used = set(positions.values())
        if any(cell.strip() for i, cell in enumerate(record) if i not in used):
            row.errors[""] = f"{len(record)} valeurs pour {len(positions)} colonnes"
        return row

    return read_file(data, _header, max_rows, make_row)


# Checking rows -----------------------------------------------------------------------------


def _check_fields(row: _Row, today: dt.date) -> None:
    values = row.values
    fields: dict = {key: values[key] for key in STUDENT_COLUMNS if key not in ("uai", "birth_date")}
    try:
        fields["birth_date"] = parse_date(values["birth_date"])
    except ValueError as error:
        fields["birth_date"] = None
        row.errors["birth_date"] = str(error)
    try:
        check_student_fields(fields, today)
    except Invalid as invalid:
        for key, message in invalid.errors.items():
            row.errors.setdefault(key, message)
    row.fields = fields


def _check_guardians(row: _Row) -> None:
    guardians = []
    for n in range(1, MAX_GUARDIANS + 1):
        prefix = f"guardian{n}_"
        parts = {part: row.values[prefix + part] for part in GUARDIAN_PARTS}
        if not any(parts.values()):
            continue
        authority = parts.pop("legal_authority").casefold()
        if authority and authority not in YES | NO:
            row.errors[prefix + "legal_authority"] = "oui ou non attendu"
        guardian = guardian_values({**parts, "legal_authority": authority not in NO})
        try:
            check_guardian_fields(guardian)
        except Invalid as invalid:
            row.errors.update({prefix + key: message for key, message in invalid.errors.items()})
        guardians.append(guardian)
    row.guardians = guardians or None


async def _establishments(scope: Scope, rows: list[_Row]) -> dict[str, tuple[int, int]]:
    """UAI -> (id, region id), for the establishments of the file in the caller's scope."""
    uais = sorted({u for r in rows if not uai_problem(u := normalise_uai(r.values["uai"]))})
    found = {}
    for chunk in _chunks(uais):
        query = Establishment.select(Establishment.id, Establishment.uai, Establishment.region)
        for e in await query.where(Establishment.uai.is_in(list(chunk))):
            if scope.sees_establishment(e["id"], e["region"]):
                found[e["uai"]] = (e["id"], e["region"])
    return found


def _check_establishment(row: _Row, establishments: dict[str, tuple[int, int]]) -> None:
    uai = normalise_uai(row.values["uai"])
    if not uai:
        row.errors["uai"] = "ce champ est obligatoire"
    elif uai not in establishments:
        row.errors["uai"] = f"établissement {uai} inconnu ou hors de votre périmètre"
    else:
        row.establishment_id, row.region_id = establishments[uai]


class _Duplicates:
    """Students named twice in the file: by ENT identifier, INE or identity."""

    def __init__(self) -> None:
        self.first: dict[tuple, int] = {}

    def check(self, row: _Row) -> None:
        if row.errors:
            return
        f = row.fields
        keys = [("last_name", ("who", *row.identity()))]
        if f["ent_id"]:
            keys.append(("ent_id", ("ent", row.region_id, f["ent_id"])))
        if f["ine"]:
            keys.append(("ine", ("ine", f["ine"])))
        for column, key in keys:
            first = self.first.setdefault(key, row.line)
            if first != row.line:
                row.errors[column] = f"élève en double dans le fichier (ligne {first})"


async def _existing(rows: Sequence[_Row]) -> tuple[dict, dict, dict]:
    """Students these rows may designate: by (region, ENT id), by INE, by identity."""
    ok = [r for r in rows if not r.errors]
    by_ent: dict = {}
    by_ine: dict = {}
    by_who: dict = {}
    ent_ids = list({r.fields["ent_id"] for r in ok if r.fields["ent_id"]})
    if ent_ids:
        regions = list({r.region_id for r in ok})
        query = Student.select(*_MATCH_COLUMNS).where(
            And(Student.ent_id.is_in(ent_ids), Student.region.is_in(regions))
        )
        by_ent = {(s["region"], s["ent_id"]): s for s in await query}
    ines = list({r.fields["ine"] for r in ok if r.fields["ine"]})
    if ines:
        by_ine = {
            s["ine"]: s
            for s in await Student.select(*_MATCH_COLUMNS).where(Student.ine.is_in(ines))
        }
    # By identity only the rows no identifier designates: new students, mostly, so that a
    # re-import does not read every student of the school once per chunk.
    unmatched = [
        r
        for r in ok
        if (r.region_id, r.fields["ent_id"]) not in by_ent and r.fields["ine"] not in by_ine
    ]
    pairs = sorted({(r.establishment_id, r.fields["birth_date"]) for r in unmatched})
    for student in await students_born_on(pairs):
        key = (
            student["establishment"],
            fold_name(student["last_name"]),
            fold_name(student["first_name"]),
            student["birth_date"],
        )
        by_who.setdefault(key, []).append(student)
    return by_ent, by_ine, by_who


async def students_born_on(
    pairs: Sequence[tuple],  # (establishment id, birth date)
    columns: Sequence = _MATCH_COLUMNS,
    *,
    without_ent_id: bool = False,
) -> list[dict]:
    """The students of each (establishment, birth date) pair: namesakes can only be among them.
    Exact pairs, through the `student_identity` index: `establishment IN (…) AND birth_date
    IN (…)` read every student of the chunk's schools born on any of its days, a share of the
    table that grew with it (20,000-row files took 18 s for the first, 133 s for the fifth;
    5 s each with the pairs). The pairs join as a VALUES list (SQLite scans the index for a
    row-value IN, it seeks for a join); PostgreSQL types the parameters from their casts (a
    VALUES list of bare parameters would be text). `without_ent_id`: only the students without
    an ENT key (the directory's entries all have one: no other could be theirs)."""
    if not pairs:
        return []
    one = "({}::integer, {}::date)" if Student._meta.db.engine_type == "postgres" else "({}, {})"
    names = ", ".join(f"s.{column._meta.db_column_name}" for column in columns)
    sql = (
        f"WITH pair(establishment, birth_date) AS (VALUES {', '.join([one] * len(pairs))}) "
        f"SELECT {names} FROM pair JOIN student s "
        "ON s.establishment = pair.establishment AND s.birth_date = pair.birth_date"
    )
    if without_ent_id:
        sql += " WHERE s.ent_id IS NULL"
    found = await Student.raw(sql, *(value for pair in pairs for value in pair))
    for student in found:  # SQLite may hand a date back as text from a join
        student["birth_date"] = _day(student["birth_date"])
    return found


def _compatible(row: _Row, student: dict) -> bool:
    """A namesake born the same day in the same school is the same student unless their
    identifiers say otherwise."""
    return all(
        not row.fields[key] or not student[key] or row.fields[key] == student[key]
        for key in ("ent_id", "ine")
    )


def _match(row: _Row, scope: Scope, found: tuple[dict, dict, dict], taken: dict[int, int]) -> None:
    by_ent, by_ine, by_who = found
    f = row.fields
    by_id = by_ent.get((row.region_id, f["ent_id"])) if f["ent_id"] else None
    by_number = by_ine.get(f["ine"]) if f["ine"] else None
    if by_id and by_number and by_id["id"] != by_number["id"]:
        row.errors["ine"] = "cet INE est déjà attribué à un autre élève"
        return
    match, column = (by_id, "ent_id") if by_id else (by_number, "ine")
    if match is None:
        column = "last_name"
        match = next((s for s in by_who.get(row.identity(), []) if _compatible(row, s)), None)
    if match is None:
        return
    if not scope.sees_establishment(match["establishment"], match["region"]):
        row.errors[column] = "déjà attribué à un élève d'un établissement hors de votre périmètre"
    elif match["region"] != row.region_id:
        row.errors["uai"] = "cet élève est inscrit dans une autre région"
    elif (first := taken.setdefault(match["id"], row.line)) != row.line:
        row.errors[column] = f"même élève que la ligne {first}"
    else:
        row.match = match


def _line_errors(rows: list[_Row]) -> list[LineError]:
    return line_errors(rows, COLUMNS)


async def _check(scope: Scope, rows: list[_Row], today: dt.date, tick) -> None:
    establishments = await _establishments(scope, rows)
    duplicates = _Duplicates()
    taken: dict[int, int] = {}
    for chunk in _chunks(rows):
        for row in chunk:
            _check_fields(row, today)
            _check_guardians(row)
            _check_establishment(row, establishments)
            duplicates.check(row)
        found = await _existing(chunk)
        for row in chunk:
            if not row.errors:
                _match(row, scope, found, taken)
        tick(len(chunk))


# Writing ----------------------------------------------------------------------------------


def _changes(row: _Row) -> dict:
    """The columns of the matched student that the row changes."""
    assert row.match is not None  # called for matched rows only
    values = {key: value for key, value in row.fields.items() if value or key == "class_name"}
    values["establishment"] = row.establishment_id
    return {key: value for key, value in values.items() if value != row.match[key]}


def _day(value) -> dt.date:
    """A DATE from RETURNING: SQLite may hand it back as text."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


async def _replace_guardians(rows: Sequence[_Row], ids: dict[int, int]) -> None:
    """Give each row's student the row's guardians, keeping (and updating) those whose names
    are unchanged so that their ids survive a re-import."""
    wanted = {ids[r.line]: r.guardians for r in rows if r.guardians is not None}
    existing: dict[int, dict[tuple, dict]] = {}
    if matched := [ids[r.line] for r in rows if r.match and r.guardians is not None]:
        for g in await Guardian.select().where(Guardian.student.is_in(matched)):
            existing.setdefault(g["student"], {})[
                (fold_name(g["last_name"]), fold_name(g["first_name"]))
            ] = g
    new, stale = [], []
    for student_id, guardians in wanted.items():
        current = existing.get(student_id, {})
        for guardian in guardians:
            kept = current.pop(
                (fold_name(guardian["last_name"]), fold_name(guardian["first_name"])), None
            )
            if kept is None:
                new.append((student_id, *(guardian[k] for k in GUARDIAN_FIELDS)))
            elif changed := {k: v for k, v in guardian.items() if v != kept[k]}:
                await Guardian.update(changed).where(Guardian.id == kept["id"])
        stale += [g["id"] for g in current.values()]
    for chunk in _chunks(stale):
        await Guardian.delete().where(Guardian.id.is_in(list(chunk)))
    for chunk in _chunks(new):
        await insert_many(Guardian, ("student", *GUARDIAN_FIELDS), chunk)


async def _update(rows: Sequence[_Row]) -> dict[tuple[str, ...], list[int]]:
    """Update the matched students, one statement per distinct change: a re-import at the
    rentrée mostly moves whole classes, so thousands of rows share a few dozen changes.
    Returns the students changed, by the names of the fields changed (for their history)."""
    groups: dict[tuple, list[int]] = {}
    for row in rows:
        if row.match and (changes := _changes(row)):
            groups.setdefault(tuple(sorted(changes.items())), []).append(row.match["id"])
    changed: dict[tuple[str, ...], list[int]] = {}
    for change, ids in groups.items():
        await Student.update(dict(change)).where(Student.id.is_in(ids))
        names = tuple(
            "establishment_uai" if name == "establishment" else name for name, _ in change
        )
        changed.setdefault(names, []).extend(ids)
    return changed


async def record_events(rows: list[tuple]) -> None:
    """History events of a bulk write (`loans.student_history.event_rows`), in its transaction."""
    for chunk in _chunks(rows):
        await insert_many(StudentEvent, EVENT_COLUMNS, chunk)


async def _record(created: list[int], changed: dict, actor: Actor, now: dt.datetime) -> None:
    """One history event per student created or changed by the import."""
    rows = event_rows(created, actor, now, "imported", ["created"])
    for names, ids in changed.items():
        rows += event_rows(ids, actor, now, "import_updated", names)
    await record_events(rows)


async def _write(rows: list[_Row], actor: Actor, now: dt.datetime, tick) -> None:
    async with bulk_write_transaction():
        for chunk in _chunks(rows):
            ids = {r.line: r.match["id"] for r in chunk if r.match}
            created = [r for r in chunk if not r.match]
            if created:
                inserted = await insert_many(
                    Student,
                    ("region", "establishment", "created_at", *STUDENT_FIELDS),
                    [
                        (
                            r.region_id,
                            r.establishment_id,
                            now,
                            *(r.fields[k] for k in STUDENT_FIELDS),
                        )
                        for r in created
                    ],
                    returning=("id", "establishment", "last_name", "first_name", "birth_date"),
                )
                # Map by identity, unique within the file: RETURNING order is not guaranteed.
                by_who = {
                    (
                        s["establishment"],
                        fold_name(s["last_name"]),
                        fold_name(s["first_name"]),
                        _day(s["birth_date"]),
                    ): s["id"]
                    for s in inserted
                }
                ids.update({r.line: by_who[r.identity()] for r in created})
            changed = await _update(chunk)
            await _record([ids[r.line] for r in created], changed, actor, now)
            await _replace_guardians(chunk, ids)
            tick(len(chunk))


# The use-case -----------------------------------------------------------------------------


async def import_students(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    data: bytes,
    dry_run: bool = True,
    *,
    progress: Progress | None = None,
    max_rows: int | None = None,
) -> StudentImportReport:
    """Check every row of a CSV file of students; unless `dry_run`, create or update them all
    in one transaction. Any error and nothing is written. `progress(done, total)` as in
    `inventory.asset_import.import_assets`. A file over `max_rows` rows (MAX_ROWS by default)
    is refused whole."""
    count, rows, file_errors = _read(data, max_rows or MAX_ROWS)
    if file_errors:
        return StudentImportReport(rows=count, created=0, updated=0, errors=file_errors)
    total, done = len(rows) * (1 if dry_run else 2), 0

    def tick(steps: int) -> None:
        nonlocal done
        done += steps
        if progress is not None:
            progress(done, total)

    await _check(scope, rows, paris_day(now), tick)
    if any(row.errors for row in rows):
        return StudentImportReport(rows=count, created=0, updated=0, errors=_line_errors(rows))
    updated = sum(1 for row in rows if row.match)
    report = StudentImportReport(
        rows=count, created=len(rows) - updated, updated=updated, errors=[]
    )
    if dry_run or not rows:
        return report
    try:
        await _write(rows, actor, now, tick)
    except Exception as error:
        if not is_unique_violation(error):
            raise
        # Another import or a single create took one of these identifiers since the check.
        for row in rows:
            row.errors, row.match = {}, None
        await _check(scope, rows, paris_day(now), lambda _: None)
        if not any(row.errors for row in rows):
            raise Conflict(
                "Un autre enregistrement est intervenu entre-temps ; relancez l'import."
            ) from error
        return StudentImportReport(rows=count, created=0, updated=0, errors=_line_errors(rows))
    await after_bulk_write(
        report.created + report.updated, "student", "guardian"
    )  # inventory.statistics
    audit.info(
        "students imported by account %s: %s created, %s updated",
        actor.id,
        report.created,
        report.updated,
    )
    return report
