"""Students (with their guardians at enrolment): create, read, list, update, mark as left.
Always scoped. One guardian at a time: `loans.guardians`.

Students are minors' personal data. A student outside the caller's scope is simply not found
(the same 404 as an unknown id), lists carry the minimum, and the audit log records who
changed which fields of which student id, never the values.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from piccolo.columns.combination import WhereRaw
from piccolo.query import Select

from inventory.db import for_update, is_unique_violation, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.keyset import Key, capped_count, decode, fetch_page, page_and_count
from inventory.regions import EstablishmentKey, establishment_key
from inventory.scope import Actor, Scope
from inventory.search import name_search_clause, prefix_clause
from inventory.uai import normalise_uai
from inventory.views import EstablishmentRef
from loans.borrower_loans import open_loans_of
from loans.minors import paris_day
from loans.student_history import changes_of, record_student_event
from loans.tables import Guardian, Student
from loans.views import GuardianView, StudentPage, StudentSummary, StudentView

# INE (identifiant national élève): 10 digits and a letter, or 9 digits and 2 letters. Only
# the shape is checked here; uniqueness is the database's (partial unique index).
INE_PATTERN = re.compile(r"^(\d{10}[A-Z]|\d{9}[A-Z]{2})$")
CLASS_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,19}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 .()-]{6,40}$")
STUDENT_FIELDS = ("ent_id", "ine", "last_name", "first_name", "birth_date", "class_name")
GUARDIAN_FIELDS = ("last_name", "first_name", "email", "phone", "ent_id", "legal_authority")
NAME_LENGTH = 100
MAX_GUARDIANS = 4
MAX_PAGE = 500
MAX_OFFSET = 2**31 - 1

# Ids and field names only: no names, dates or identifiers of minors in application logs.
audit = logging.getLogger("ordipret.audit")

_COLUMNS = (
    Student.id,
    Student.region.as_alias("region_id"),
    Student.region.code.as_alias("region_code"),
    Student.establishment.as_alias("establishment_id"),
    Student.establishment.uai.as_alias("establishment_uai"),
    Student.establishment.name.as_alias("establishment_name"),
    Student.ent_id,
    Student.ine,
    Student.last_name,
    Student.first_name,
    Student.birth_date,
    Student.class_name,
    Student.left_on,
    Student.created_at,
)
GUARDIAN_COLUMNS = (Guardian.id, *(getattr(Guardian, name) for name in GUARDIAN_FIELDS))


@dataclass(frozen=True, slots=True)
class StudentFilters:
    establishment_uai: str | None = None
    class_name: str | None = None
    left: bool | None = None  # True: only those who left; False: only those enrolled
    q: str | None = None  # prefixes of the last or first name, one per word
    ent_id: str | None = None  # the ENT key: the one student linked to that ENT account
    ine: str | None = None  # the beginning of the INE (stored upper case, no spaces)


# Checking fields --------------------------------------------------------------------------


def normalise_class(raw: str) -> str:
    """Upper case, no spaces, no accents: "2nde 3" -> "2NDE3", "1ère G" -> "1EREG"."""
    text = unicodedata.normalize("NFKD", "".join(raw.split()).upper())
    return "".join(c for c in text if not unicodedata.combining(c))


def _name(fields: dict, key: str, errors: dict) -> None:
    fields[key] = " ".join((fields[key] or "").split())
    if not fields[key]:
        errors[key] = "ce champ est obligatoire"
    elif not fields[key].isprintable():
        errors[key] = "caractères non imprimables"
    elif len(fields[key]) > NAME_LENGTH:
        errors[key] = f"{NAME_LENGTH} caractères au plus"


def _ent_id(fields: dict, errors: dict) -> None:
    value = (fields["ent_id"] or "").strip() or None
    fields["ent_id"] = value
    if value and (len(value) > 100 or not value.isprintable() or " " in value):
        errors["ent_id"] = "identifiant ENT de 100 caractères au plus, sans espace"


def check_student_fields(fields: dict, today: dt.date) -> dict:
    """Normalise, in place, the student fields present in `fields` and raise Invalid naming
    each bad one. Empty ENT identifier or INE become None (not known yet)."""
    errors: dict[str, str] = {}
    for key in ("last_name", "first_name"):
        if key in fields:
            _name(fields, key, errors)
    if "ent_id" in fields:
        _ent_id(fields, errors)
    if "ine" in fields:
        fields["ine"] = "".join((fields["ine"] or "").split()).upper() or None
        if fields["ine"] and not INE_PATTERN.match(fields["ine"]):
            errors["ine"] = (
                "un INE compte 11 caractères : 10 chiffres et une lettre "
                "(ou 9 chiffres et 2 lettres)"
            )
    if "birth_date" in fields:
        born = fields["birth_date"]
        if born is None:
            errors["birth_date"] = "ce champ est obligatoire"
        elif born > today:
            errors["birth_date"] = "la date de naissance est dans le futur"
        elif born.year < today.year - 100:
            errors["birth_date"] = "date de naissance invraisemblable"
    if "class_name" in fields:
        fields["class_name"] = normalise_class(fields["class_name"] or "")
        if fields["class_name"] and not CLASS_PATTERN.match(fields["class_name"]):
            errors["class_name"] = (
                "classe de 20 caractères au plus : lettres, chiffres, - _ . (par exemple 2NDE3)"
            )
    if errors:
        raise Invalid(errors)
    return fields


def check_guardian_fields(fields: dict) -> dict:
    """Normalise, in place, the guardian fields present in `fields`; raise Invalid."""
    errors: dict[str, str] = {}
    for key in ("last_name", "first_name"):
        if key in fields:
            _name(fields, key, errors)
    if "email" in fields:
        fields["email"] = (fields["email"] or "").strip()
        if fields["email"] and (
            len(fields["email"]) > 254
            or not fields["email"].isprintable()
            or not EMAIL_PATTERN.match(fields["email"])
        ):
            errors["email"] = "adresse électronique invalide"
    if "phone" in fields:
        fields["phone"] = " ".join((fields["phone"] or "").split())
        digits = sum(c.isdigit() for c in fields["phone"])
        if fields["phone"] and (not PHONE_PATTERN.match(fields["phone"]) or digits < 6):
            errors["phone"] = "numéro de téléphone invalide (chiffres, espaces, + . - ( ))"
    if "ent_id" in fields:
        _ent_id(fields, errors)
    if errors:
        raise Invalid(errors)
    return fields


def guardian_values(fields: dict) -> dict:
    """Every guardian column, absent ones at their defaults (names stay required)."""
    defaults = {"last_name": "", "first_name": "", "email": "", "phone": "", "ent_id": None}
    return {
        **defaults,
        "legal_authority": True,
        **{k: fields[k] for k in GUARDIAN_FIELDS if k in fields},
    }


def unique_conflict(error: BaseException) -> Conflict:
    """The Conflict for a unique violation on `student` (ENT id in the region, or INE)."""
    text = f"{getattr(error, 'constraint_name', '')} {error}"
    if "ent_id" in text:
        return Conflict(
            "Cet identifiant ENT est déjà attribué à un autre élève de la région.", field="ent_id"
        )
    if "ine" in text:
        return Conflict("Cet INE est déjà attribué à un autre élève.", field="ine")
    return Conflict("Cet élève existe déjà.")


def log_change(action: str, student_id: int, actor: Actor, fields) -> None:
    names = ", ".join(sorted(fields)) or "-"
    audit.info("student %s %s by account %s: %s", student_id, action, actor.id, names)


# Reading ----------------------------------------------------------------------------------


async def student_row(scope: Scope, student_id: int, *, lock: bool = False) -> dict:
    """The student's columns (with region_id, region_code, establishment_id, _uai, _name),
    or NotFound outside the scope. `lock` holds the row until the transaction ends."""
    query = Student.select(*_COLUMNS).where(Student.id == student_id)
    rows = await (for_update(query, Student) if lock else query)
    if not rows or not scope.sees_establishment(rows[0]["establishment_id"], rows[0]["region_id"]):
        raise NotFound(f"Élève {student_id} introuvable.")
    return rows[0]


async def guardians_of(student_id: int) -> list[GuardianView]:
    rows = (
        await Guardian.select(*GUARDIAN_COLUMNS)
        .where(Guardian.student == student_id)
        .order_by(Guardian.id)
    )
    return [GuardianView(**row) for row in rows]


def _view(row: dict, guardians: list[GuardianView]) -> StudentView:
    return StudentView(
        id=row["id"],
        establishment=EstablishmentRef(
            uai=row["establishment_uai"], name=row["establishment_name"]
        ),
        region_code=row["region_code"],
        guardians=guardians,
        **{key: row[key] for key in (*STUDENT_FIELDS, "left_on", "created_at")},
    )


async def get_student(scope: Scope, student_id: int) -> StudentView:
    row = await student_row(scope, student_id)
    return _view(row, await guardians_of(student_id))


def _literal(text: str) -> str:
    """What was typed, without LIKE's wildcards nor PostgreSQL's escape character."""
    return text.replace("%", "").replace("_", "").replace("\\", "")


def _still_enrolled():
    """Students who have not left: almost every one. On SQLite, analysed, the equality
    `left_on IS NULL` drew the planner to the report index and a sort of a region's 200,000
    names (76 ms a page); the unary plus leaves it to the list's index, which holds left_on."""
    if Student._meta.db.engine_type == "sqlite":
        return WhereRaw('+"student"."left_on" IS NULL')
    return Student.left_on.is_null()


def _filtered(query, scope: Scope, filters: StudentFilters):
    # A student belongs to their region and their school.
    if (where := scope.restrict(Student.region, Student.establishment)) is not None:
        query = query.where(where)
    if filters.establishment_uai:
        query = query.where(Student.establishment.uai == normalise_uai(filters.establishment_uai))
    if filters.class_name:
        query = query.where(Student.class_name == normalise_class(filters.class_name))
    if filters.ent_id:
        query = query.where(Student.ent_id == filters.ent_id.strip())
    if ine := "".join((filters.ine or "").split()).upper()[:11]:
        query = query.where(prefix_clause(Student.ine, ine))  # by index: inventory.search
    if filters.left:
        query = query.where(Student.left_on.is_not_null())
    elif filters.left is not None:
        query = query.where(_still_enrolled())
    # Without case nor accents, through an index on either engine (inventory.search).
    words = [word for word in map(_literal, (filters.q or "").split()[:4]) if word]
    names = name_search_clause(Student.last_name, Student.first_name, "student_name", words)
    if names is not None:
        query = query.where(names)
    return query


# By name, the id last so that namesakes keep their order from page to page; an index per
# scope answers it (migration `list_indexes`).
BY_NAME = "name"
KEYS = (Key(Student.last_name), Key(Student.first_name), Key(Student.id))
_SUMMARY_COLUMNS = (
    Student.id,
    Student.establishment.uai.as_alias("establishment_uai"),
    Student.ent_id,
    Student.last_name,
    Student.first_name,
    Student.birth_date,
    Student.class_name,
    Student.left_on,
)


def list_select(scope: Scope, filters: StudentFilters) -> Callable[[], Select]:
    """The list's rows in scope and filtered, unordered: what a page is cut from."""
    return lambda: _filtered(Student.select(*_SUMMARY_COLUMNS), scope, filters)


async def list_students(
    scope: Scope,
    filters: StudentFilters,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> StudentPage:
    """A page by name after (or before) `cursor`, or after `offset` rows (deprecated); the
    total counted up to COUNT_CAP."""
    errors = {}
    if not 1 <= limit <= MAX_PAGE:
        errors["limit"] = f"entre 1 et {MAX_PAGE}"
    if not 0 <= offset <= MAX_OFFSET:
        errors["offset"] = f"entre 0 et {MAX_OFFSET}"
    if errors:
        raise Invalid(errors)
    position = decode(cursor, BY_NAME, KEYS)
    found, (total, exact) = await page_and_count(
        Student,
        fetch_page(list_select(scope, filters), BY_NAME, KEYS, position, limit, offset),
        capped_count(_filtered(Student.select(Student.id), scope, filters)),
    )
    return StudentPage(
        items=[StudentSummary(**row) for row in found.rows],
        total=total,
        limit=limit,
        offset=offset if position is None else 0,
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
        total_exact=exact,
    )


# Writing ----------------------------------------------------------------------------------


async def _establishment(scope: Scope, uai: str | None, errors: dict) -> EstablishmentKey | None:
    """The establishment (id, region) a student may be placed in by this caller."""
    uai = normalise_uai(uai or "")
    if not uai:
        errors["establishment_uai"] = "ce champ est obligatoire"
        return None
    try:
        return await establishment_key(scope, uai)
    except NotFound:
        errors["establishment_uai"] = f"établissement {uai} inconnu ou hors de votre périmètre"
        return None


def _checked(check, fields: dict, errors: dict, prefix: str = "", *args) -> dict:
    try:
        return check(fields, *args)
    except Invalid as invalid:
        errors.update({prefix + key: message for key, message in invalid.errors.items()})
        return fields


async def create_student(scope: Scope, actor: Actor, now: dt.datetime, fields: dict) -> StudentView:
    """`fields`: establishment_uai, last_name, first_name, birth_date, and optionally ent_id,
    ine, class_name and guardians (a list of guardian field dicts)."""
    errors: dict[str, str] = {}
    values: dict = {key: fields.get(key) for key in STUDENT_FIELDS}
    _checked(check_student_fields, values, errors, "", paris_day(now))
    guardians = [
        _checked(check_guardian_fields, guardian_values(g), errors, f"guardians[{i}].")
        for i, g in enumerate(fields.get("guardians") or [])
    ]
    if len(guardians) > MAX_GUARDIANS:
        errors["guardians"] = f"{MAX_GUARDIANS} représentants au plus"
    place = await _establishment(scope, fields.get("establishment_uai"), errors)
    if errors:
        raise Invalid(errors)
    assert place is not None  # else _establishment reported an error
    try:
        async with write_transaction():
            inserted = await Student.insert(
                Student(region=place.region_id, establishment=place.id, created_at=now, **values)
            ).returning(Student.id)
            student_id = inserted[0]["id"]
            if guardians:
                await Guardian.insert(*(Guardian(student=student_id, **g) for g in guardians))
            created = {k: v for k, v in values.items() if v}
            created["establishment_uai"] = normalise_uai(fields.get("establishment_uai") or "")
            if guardians:
                created["guardians"] = len(guardians)
            await record_student_event(student_id, actor, now, "created", changes_of({}, created))
    except Exception as error:
        if is_unique_violation(error):
            raise unique_conflict(error) from error
        raise
    log_change("created", student_id, actor, [k for k, v in values.items() if v])
    return await get_student(scope, student_id)


async def update_student(
    scope: Scope, actor: Actor, now: dt.datetime, student_id: int, changes: dict
) -> StudentView:
    """`changes`: any of the student fields and establishment_uai (a school of the same
    region: a student moving to another region is enrolled anew by that region)."""
    errors: dict[str, str] = {}
    wanted = {key: changes[key] for key in STUDENT_FIELDS if key in changes}
    _checked(check_student_fields, wanted, errors, "", paris_day(now))
    place = None
    if "establishment_uai" in changes:
        place = await _establishment(scope, changes["establishment_uai"], errors)
    if errors:
        raise Invalid(errors)
    try:
        async with write_transaction():
            current = await student_row(scope, student_id, lock=True)
            values: dict = {key: value for key, value in wanted.items() if value != current[key]}
            if place is not None and place.id != current["establishment_id"]:
                if place.region_id != current["region_id"]:
                    problem = "un élève qui change de région est inscrit par sa nouvelle région"
                    raise Invalid({"establishment_uai": problem})
                values["establishment"] = place.id
            if values:
                await Student.update(values).where(Student.id == student_id)
                shown = {k: v for k, v in values.items() if k != "establishment"}
                if "establishment" in values:
                    shown["establishment_uai"] = normalise_uai(changes["establishment_uai"])
                await record_student_event(
                    student_id, actor, now, "updated", changes_of(current, shown)
                )
    except Exception as error:
        if is_unique_violation(error):
            raise unique_conflict(error) from error
        raise
    if values:
        log_change("updated", student_id, actor, values)
    return await get_student(scope, student_id)


async def left_on(student_id: int) -> dt.date | None:
    """The day the student left their school (None while enrolled). Unscoped: callers hold
    the student's id from a row they already read within their scope."""
    row = await Student.select(Student.left_on).where(Student.id == student_id).first()
    return None if row is None else row["left_on"]


async def mark_left(
    scope: Scope, actor: Actor, now: dt.datetime, student_id: int, left_on: dt.date
) -> StudentView:
    """The student leaves (or left) the school on `left_on`.

    A device already in the student's hands stays lent: its loan stays open until the
    device comes back, and the collection campaign lists those who still hold one (the
    page says so before confirming). A loan not yet handed over (prepared, or awaiting
    signatures) is refused: the device reserved for them must be freed first (cancel the
    loan), else it would wait for a student who will not come."""
    today = paris_day(now)
    async with write_transaction():
        current = await student_row(scope, student_id, lock=True)
        if left_on < current["birth_date"] or left_on > today + dt.timedelta(days=366):
            raise Invalid({"left_on": "date de départ invraisemblable"})
        pending = [
            loan
            for loan in (await open_loans_of([student_id])).get(student_id, [])
            if loan.state != "active"
        ]
        if pending:
            names = ", ".join(f"n° {loan.id} ({loan.asset_tag})" for loan in pending)
            raise Conflict(
                f"Un prêt n'est pas encore remis à cet élève : prêt {names}. "
                "Annulez-le d'abord pour libérer l'appareil.",
                field="left_on",
            )
        await Student.update({Student.left_on: left_on}).where(Student.id == student_id)
        await record_student_event(
            student_id, actor, now, "left", changes_of(current, {"left_on": left_on})
        )
    log_change("left", student_id, actor, ["left_on"])
    return await get_student(scope, student_id)
