"""Corrections (RGPD art. 16) asked by a student or a guardian from their space, for staff of
the school to apply or refuse — the third kind of request of the space, beside ENT link
proposals and loss declarations, and decided the same way.

A request names one field of the student's record or of one guardian's, the value wanted and
why. Applying it goes through the ordinary edits (`students.update_student`,
`guardians.update_guardian`: their checks, their `updated` event) in the same transaction as
the decision; refusing needs a reason, which the requester reads in their space. The request,
the application and the refusal each write an event in the student's history, naming the
field, never its values (loans.student_history). Logs carry ids only.
"""

from __future__ import annotations

import datetime as dt
import logging

import msgspec

from inventory import keyset
from inventory.db import for_update, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.reference_pages import CountedPage, counted_page
from inventory.scope import Actor, Scope
from loans import guardians, students
from loans.ent_identity import EntIdentity
from loans.ent_linking import SpaceAccess
from loans.minors import paris_day
from loans.my_space import requester_name
from loans.student_history import record_student_event
from loans.tables import CorrectionRequest, Guardian, Student

STUDENT_FIELDS = ("last_name", "first_name", "birth_date")
GUARDIAN_FIELDS = ("last_name", "first_name", "email", "phone")
STATES = ("pending", "applied", "refused")
VALUE_MAX = 254
TEXT_MAX = 2000
audit = logging.getLogger("ordipret.audit")


class CorrectionView(msgspec.Struct, frozen=True):
    id: int
    student_id: int
    student_last_name: str
    student_first_name: str
    establishment_uai: str
    guardian_id: int | None  # None: a field of the student's own record
    guardian_last_name: str | None
    guardian_first_name: str | None
    field: str
    requested_value: str
    explanation: str
    requested_by_role: str
    requested_by_name: str
    auth_method: str
    state: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str


_COLUMNS = (
    CorrectionRequest.id,
    CorrectionRequest.student.as_alias("student_id"),
    CorrectionRequest.student._.last_name.as_alias("student_last_name"),
    CorrectionRequest.student._.first_name.as_alias("student_first_name"),
    CorrectionRequest.establishment._.uai.as_alias("establishment_uai"),
    CorrectionRequest.guardian.as_alias("guardian_id"),
    CorrectionRequest.guardian._.last_name.as_alias("guardian_last_name"),
    CorrectionRequest.guardian._.first_name.as_alias("guardian_first_name"),
    CorrectionRequest.field,
    CorrectionRequest.requested_value,
    CorrectionRequest.explanation,
    CorrectionRequest.requested_by_role,
    CorrectionRequest.requested_by_name,
    CorrectionRequest.auth_method,
    CorrectionRequest.state,
    CorrectionRequest.created_at,
    CorrectionRequest.decided_at,
    CorrectionRequest.decision_note,
)


def _history(row: dict) -> dict:
    """The field named, never its values: a corrected name must not stay in the history."""
    changes = {row["field"]: None}
    return {"guardian": None, **changes} if row["guardian"] else changes


def _checked_value(field: str, value: str, on_guardian: bool, today: dt.date) -> object:
    """The wanted value checked by the record's own rules (a birth date as AAAA-MM-JJ);
    Invalid naming `value`."""
    value = (value or "").strip()
    if not value:
        raise Invalid({"value": "indiquez la valeur exacte"})
    if len(value) > VALUE_MAX:
        raise Invalid({"value": f"{VALUE_MAX} caractères au plus"})
    fields: dict = {field: value}
    if field == "birth_date":
        try:
            fields[field] = dt.date.fromisoformat(value)
        except ValueError:
            raise Invalid({"value": "date attendue (JJ/MM/AAAA)"}) from None
    try:
        if on_guardian:
            checked = students.check_guardian_fields(fields)
        else:
            checked = students.check_student_fields(fields, today)
    except Invalid as invalid:
        raise Invalid({"value": next(iter(invalid.errors.values()))}) from None
    return checked[field]


async def space_actor(access: SpaceAccess, student_id: int) -> Actor:
    """Who acted from the space, for the student's history. The student is « l'élève »: their
    name as it was must not stay in the history once corrected (loans.student_history); a
    guardian keeps their name, as a guardian added or removed does there."""
    if access.kind == "guardian":
        return Actor(id=None, name=f"{await requester_name(access, student_id)} (ENT)")
    return Actor(id=None, name="l'élève (ENT)")


async def ask_correction(
    access: SpaceAccess,
    identity: EntIdentity,
    now: dt.datetime,
    student_id: int,
    *,
    guardian_id: int | None,
    field: str,
    value: str,
    explanation: str = "",
) -> CorrectionView:
    """Record the request. A student may ask about their record and their guardians'; a
    guardian about the child's record and their own row, not another guardian's."""
    if not access.sees(student_id):
        raise NotFound(f"Élève {student_id} introuvable.")
    if guardian_id is not None:
        own = access.guardian_ids.get(student_id) if access.kind == "guardian" else guardian_id
        exists = await Guardian.exists().where(
            (Guardian.id == guardian_id) & (Guardian.student == student_id)
        )
        if guardian_id != own or not exists:
            raise Invalid({"target": "choisissez votre fiche ou celle d'un de vos représentants"})
    allowed = GUARDIAN_FIELDS if guardian_id is not None else STUDENT_FIELDS
    if field not in allowed:
        raise Invalid({"field": "choisissez l'information à corriger"})
    checked = _checked_value(field, value, guardian_id is not None, paris_day(now))
    if len(explanation) > TEXT_MAX:
        raise Invalid({"explanation": f"{TEXT_MAX} caractères au plus"})
    place = await Student.select(Student.region, Student.establishment).where(
        Student.id == student_id
    )
    name = await requester_name(access, student_id)
    row = CorrectionRequest(
        student=student_id,
        guardian=guardian_id,
        region=place[0]["region"],
        establishment=place[0]["establishment"],
        field=field,
        requested_value=checked.isoformat() if isinstance(checked, dt.date) else str(checked),
        explanation=explanation.strip(),
        requested_by_role=access.kind,
        requested_by_name=name,
        requested_by_ent_id=identity.key,
        auth_method=identity.method,
        state="pending",
        created_at=now,
    )
    async with write_transaction():
        inserted = await CorrectionRequest.insert(row).returning(CorrectionRequest.id)
        await record_student_event(
            student_id,
            await space_actor(access, student_id),
            now,
            "correction_requested",
            _history({"field": field, "guardian": guardian_id}),
        )
    request_id = inserted[0]["id"]
    audit.info("student %s correction %s asked from the ENT space", student_id, request_id)
    return await _get(None, request_id)


async def correctable_guardians(access: SpaceAccess, student_id: int) -> list[dict]:
    """The guardian rows (id, first_name, last_name) this identity may ask to correct: all
    of the student's for the student, their own for a guardian."""
    if not access.sees(student_id):
        return []
    query = Guardian.select(Guardian.id, Guardian.first_name, Guardian.last_name).where(
        Guardian.student == student_id
    )
    if access.kind == "guardian":
        query = query.where(Guardian.id == access.guardian_ids.get(student_id))
    return await query.order_by(Guardian.id)


async def requests_of(access: SpaceAccess, student_id: int) -> list[CorrectionView]:
    """The student's requests, newest first, for the space; nothing for a student not seen."""
    if not access.sees(student_id):
        return []
    rows = (
        await CorrectionRequest.select(*_COLUMNS)
        .where(CorrectionRequest.student == student_id)
        .order_by(CorrectionRequest.id, ascending=False)
    )
    return [CorrectionView(**row) for row in rows]


# Staff: the requests of their schools -------------------------------------------------------


def _scoped(query, scope: Scope | None):
    where = (
        None
        if scope is None
        else scope.restrict(CorrectionRequest.region, CorrectionRequest.establishment)
    )
    return query if where is None else query.where(where)


# Oldest first, as the other requests: by creation, then id.
SORT = "corrections"
KEYS = (keyset.Key(CorrectionRequest.created_at), keyset.Key(CorrectionRequest.id))


async def correction_page(
    scope: Scope, state: str = "pending", *, limit: int, cursor: str | None = None
) -> CountedPage[CorrectionView]:
    def select():
        query = _scoped(CorrectionRequest.select(*_COLUMNS), scope)
        return query.where(CorrectionRequest.state == state) if state in STATES else query

    return await counted_page(select, SORT, KEYS, cursor, limit, CorrectionView)


async def _get(scope: Scope | None, request_id: int) -> CorrectionView:
    query = CorrectionRequest.select(*_COLUMNS).where(CorrectionRequest.id == request_id)
    row = await _scoped(query, scope).first()
    if row is None:
        raise NotFound(f"Demande de rectification n° {request_id} introuvable.")
    return CorrectionView(**row)


async def get_correction(scope: Scope, request_id: int) -> CorrectionView:
    return await _get(scope, request_id)


async def _pending(scope: Scope, request_id: int) -> dict:
    query = _scoped(CorrectionRequest.select(*CorrectionRequest.all_columns()), scope).where(
        CorrectionRequest.id == request_id
    )
    rows = await for_update(query, CorrectionRequest)
    if not rows:
        raise NotFound(f"Demande de rectification n° {request_id} introuvable.")
    if rows[0]["state"] != "pending":
        raise Conflict("Cette demande a déjà été traitée.", field="state")
    return rows[0]


async def _decide(
    request_id: int, state: str, actor: Actor, now: dt.datetime, row: dict, note: str
) -> None:
    await CorrectionRequest.update(
        {
            CorrectionRequest.state: state,
            CorrectionRequest.decided_at: now,
            CorrectionRequest.decided_by_id: actor.id,
            CorrectionRequest.decided_by_name: actor.name,
            CorrectionRequest.decision_note: note,
        }
    ).where(CorrectionRequest.id == request_id)
    action = "correction_applied" if state == "applied" else "correction_refused"
    await record_student_event(row["student"], actor, now, action, _history(row))


async def apply_correction(
    scope: Scope, actor: Actor, now: dt.datetime, request_id: int, value: str | None = None
) -> CorrectionView:
    """Apply the request (or the value staff settled on, `value`) through the record's own
    edit, in the decision's transaction: a value the record refuses leaves both unchanged."""
    async with write_transaction():
        row = await _pending(scope, request_id)
        on_guardian = row["guardian"] is not None
        wanted = row["requested_value"] if value is None else value
        checked = _checked_value(row["field"], wanted, on_guardian, paris_day(now))
        if on_guardian:
            await guardians.update_guardian(
                scope, actor, now, row["student"], row["guardian"], {row["field"]: checked}
            )
        else:
            await students.update_student(
                scope, actor, now, row["student"], {row["field"]: checked}
            )
        await _decide(request_id, "applied", actor, now, row, "")
    audit.info(
        "student %s correction %s applied by account %s", row["student"], request_id, actor.id
    )
    return await _get(scope, request_id)


async def refuse_correction(
    scope: Scope, actor: Actor, now: dt.datetime, request_id: int, note: str
) -> CorrectionView:
    """Refuse, with the reason the requester will read (required: the law asks for one)."""
    note = (note or "").strip()
    if not note:
        raise Invalid({"note": "indiquez la raison du refus : elle est montrée au demandeur"})
    if len(note) > TEXT_MAX:
        raise Invalid({"note": f"{TEXT_MAX} caractères au plus"})
    async with write_transaction():
        row = await _pending(scope, request_id)
        await _decide(request_id, "refused", actor, now, row, note)
    audit.info(
        "student %s correction %s refused by account %s", row["student"], request_id, actor.id
    )
    return await _get(scope, request_id)
