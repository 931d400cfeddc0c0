"""One chunk of the students of an AAF import: their fields read and checked, matched to the
students already known, and what would change.

A student of the directory is the existing student of the region with the same ENT key, else
the one with the same INE, else — like the CSV import — the namesake born the same day in the
same school whose identifiers do not disagree: students typed or imported from CSV before the
school had the directory are linked, not duplicated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from piccolo.columns.combination import And

from inventory.csv_format import parse_date
from inventory.errors import Invalid
from loans.directory_staging import Staging
from loans.student_import import fold_name, students_born_on
from loans.students import check_student_fields
from loans.tables import Student

# Which AAF attribute each student field comes from: errors name the attribute.
ATTRIBUTES = {
    "ent_id": "ENTPersonJointure",
    "ine": "ENTEleveINE",
    "last_name": "sn",
    "first_name": "givenName",
    "birth_date": "ENTPersonDateNaissance",
    "class_name": "ENTEleveClasses",
}
STRUCTURE = "ENTPersonStructRattach"
RELATIVES = "ENTElevePersRelEleve"
REQUIRED = ("last_name", "first_name", "birth_date")
_COLUMNS = (
    Student.id,
    Student.region,
    Student.establishment,
    Student.ent_id,
    Student.ine,
    Student.last_name,
    Student.first_name,
    Student.birth_date,
    Student.class_name,
    Student.left_on,
)


@dataclass(slots=True)
class StagedStudent:
    key: str  # ENT key
    entry: str  # identifier/id, for the report
    op: str
    attrs: dict[str, list[str]]
    errors: dict[str, str] = field(default_factory=dict)
    fields: dict = field(default_factory=dict)
    establishment_id: int | None = None
    match: dict | None = None
    changes: dict = field(default_factory=dict)

    def identity(self) -> tuple:
        f = self.fields
        return (
            self.establishment_id,
            fold_name(f.get("last_name")),
            fold_name(f.get("first_name")),
            f.get("birth_date"),
        )


def _first(attrs: dict, name: str) -> str:
    values = attrs.get(name) or []
    return values[0] if values else ""


def _class(values: list[str], structure: str) -> str:
    """`1234$2NDE3` → `2NDE3`, the class in the student's own school when several are given."""
    pairs = [value.split("$") for value in values]
    own = [p for p in pairs if len(p) > 1 and p[0] == structure] or pairs
    return own[0][1] if own and len(own[0]) > 1 else (own[0][0] if own else "")


def read_student(
    student: StagedStudent, staging: Staging, establishments: dict[str, int], today: dt.date
) -> None:
    """Fill `fields` (those the entry carries), `establishment_id` and `errors`."""
    attrs, errors = student.attrs, student.errors
    fields: dict = {"ent_id": student.key}
    for name in ("last_name", "first_name", "ine"):
        if ATTRIBUTES[name] in attrs:
            fields[name] = _first(attrs, ATTRIBUTES[name])
    if ATTRIBUTES["birth_date"] in attrs:
        try:
            fields["birth_date"] = parse_date(_first(attrs, ATTRIBUTES["birth_date"]))
        except ValueError as error:
            errors[ATTRIBUTES["birth_date"]] = str(error)
    structure = _first(attrs, STRUCTURE).strip()
    if structure:
        # Some exports also give the school's UAI itself: the fallback when the files carry
        # no EtabEducNat entry for the structure.
        uai = staging.uai_of(structure) or _first(attrs, STRUCTURE + "RNE").strip().upper() or None
        if uai is None:
            errors[STRUCTURE] = f"structure {structure} absente des fichiers (aucune EtabEducNat)"
        elif uai not in establishments:
            errors[STRUCTURE] = f"établissement {uai} inconnu dans la région"
        else:
            student.establishment_id = establishments[uai]
    if ATTRIBUTES["class_name"] in attrs:
        fields["class_name"] = _class(attrs[ATTRIBUTES["class_name"]], structure)
    try:
        check_student_fields(fields, today)
    except Invalid as invalid:
        for name, message in invalid.errors.items():
            errors.setdefault(ATTRIBUTES.get(name, name), message)
    student.fields = fields


async def existing(region_id: int, students: list[StagedStudent]) -> tuple[dict, dict, dict]:
    """The students these entries may designate: by ENT key in the region, by INE, by identity."""
    keys = [s.key for s in students]
    by_ent = {
        s["ent_id"]: s
        for s in await Student.select(*_COLUMNS).where(
            And(Student.region == region_id, Student.ent_id.is_in(keys))
        )
    }
    ines = list({s.fields["ine"] for s in students if s.fields.get("ine")})
    by_ine = (
        {s["ine"]: s for s in await Student.select(*_COLUMNS).where(Student.ine.is_in(ines))}
        if ines
        else {}
    )
    # By identity only those no identifier designates (new students, mostly).
    unmatched = [
        s
        for s in students
        if s.key not in by_ent
        and s.fields.get("ine") not in by_ine
        and s.establishment_id
        and s.fields.get("birth_date")
    ]
    by_who: dict[tuple, list[dict]] = {}
    # Only students without an ENT key can be adopted (`_compatible`), among those of the
    # same school born the same day (`students_born_on`: exact pairs, index seeks).
    pairs = sorted({(s.establishment_id, s.fields["birth_date"]) for s in unmatched})
    for row in await students_born_on(pairs, _COLUMNS, without_ent_id=True):
        who = (
            row["establishment"],
            fold_name(row["last_name"]),
            fold_name(row["first_name"]),
            row["birth_date"],
        )
        by_who.setdefault(who, []).append(row)
    return by_ent, by_ine, by_who


def _compatible(student: StagedStudent, row: dict) -> bool:
    return all(
        not student.fields.get(k) or not row[k] or student.fields[k] == row[k]
        for k in ("ent_id", "ine")
    )


def match(student: StagedStudent, region_id: int, found: tuple[dict, dict, dict]) -> None:
    by_ent, by_ine, by_who = found
    ine = student.fields.get("ine")
    by_key = by_ent.get(student.key)
    by_number = by_ine.get(ine) if ine else None
    if by_key and by_number and by_key["id"] != by_number["id"]:
        student.errors[ATTRIBUTES["ine"]] = "cet INE est déjà attribué à un autre élève"
        student.match = by_key  # in error, so not applied; but present, not left
        return
    row = by_key or by_number
    if row is None:
        candidates = by_who.get(student.identity(), [])
        row = next((r for r in candidates if _compatible(student, r)), None)
    if row is not None and row["region"] != region_id:
        student.errors[ATTRIBUTES["ine"]] = "cet INE est celui d'un élève d'une autre région"
        return
    student.match = row


def plan(student: StagedStudent) -> None:
    """What the entry changes: `changes` for a known student, errors for an incomplete new one."""
    if student.match is None:
        for name in REQUIRED:
            if not student.fields.get(name) and ATTRIBUTES[name] not in student.errors:
                student.errors[ATTRIBUTES[name]] = "obligatoire pour un nouvel élève"
        if student.establishment_id is None and STRUCTURE not in student.errors:
            student.errors[STRUCTURE] = "obligatoire pour un nouvel élève"
        return
    current = student.match
    values = {k: v for k, v in student.fields.items() if v or k == "class_name"}
    if student.establishment_id is not None:
        values["establishment"] = student.establishment_id
    student.changes = {k: v for k, v in values.items() if v != current[k]}
    if current["left_on"] is not None:  # back in the directory: enrolled again
        student.changes["left_on"] = None


def new_row(student: StagedStudent, region_id: int, now: dt.datetime) -> tuple:
    f = student.fields
    return (
        region_id,
        student.establishment_id,
        now,
        f["ent_id"],
        f.get("ine"),
        f["last_name"],
        f["first_name"],
        f["birth_date"],
        f.get("class_name", ""),
    )
