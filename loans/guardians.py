"""A student's guardians, one at a time (the enrolment and the imports write them in bulk):
add, correct, remove, each with an event in the student's history. At most MAX_GUARDIANS;
their checks are the students' (`loans.students.check_guardian_fields`)."""

from __future__ import annotations

import datetime as dt

from piccolo.columns.combination import And

from inventory.db import write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Actor, Scope
from loans.student_history import changes_of, record_student_event
from loans.students import (
    GUARDIAN_COLUMNS,
    GUARDIAN_FIELDS,
    MAX_GUARDIANS,
    check_guardian_fields,
    guardian_values,
    log_change,
    student_row,
)
from loans.tables import Guardian, Signature
from loans.views import GuardianView


async def add_guardian(
    scope: Scope, actor: Actor, now: dt.datetime, student_id: int, fields: dict
) -> GuardianView:
    values = check_guardian_fields(guardian_values(fields))
    async with write_transaction():
        await student_row(scope, student_id, lock=True)
        if await Guardian.count().where(Guardian.student == student_id) >= MAX_GUARDIANS:
            raise Invalid({"guardians": f"{MAX_GUARDIANS} représentants au plus par élève"})
        inserted = await Guardian.insert(Guardian(student=student_id, **values)).returning(
            Guardian.id
        )
        await record_student_event(
            student_id,
            actor,
            now,
            "guardian_added",
            {"guardian": [None, f"{values['first_name']} {values['last_name']}"]},
        )
    log_change("guardian added", student_id, actor, values)
    return await _guardian(student_id, inserted[0]["id"])


async def _guardian(student_id: int, guardian_id: int) -> GuardianView:
    row = (
        await Guardian.select(*GUARDIAN_COLUMNS)
        .where(And(Guardian.id == guardian_id, Guardian.student == student_id))
        .first()
    )
    if row is None:
        raise NotFound(f"Représentant {guardian_id} introuvable pour cet élève.")
    return GuardianView(**row)


async def update_guardian(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    student_id: int,
    guardian_id: int,
    changes: dict,
) -> GuardianView:
    values = check_guardian_fields({key: changes[key] for key in GUARDIAN_FIELDS if key in changes})
    async with write_transaction():
        await student_row(scope, student_id, lock=True)
        current = await _guardian(student_id, guardian_id)
        values = {k: v for k, v in values.items() if v != getattr(current, k)}
        if values:
            await Guardian.update(values).where(Guardian.id == guardian_id)
            await record_student_event(
                student_id,
                actor,
                now,
                "guardian_updated",
                changes_of({"legal_authority": current.legal_authority}, values),
            )
    if values:
        log_change("guardian updated", student_id, actor, values)
    return await _guardian(student_id, guardian_id)


async def remove_guardian(
    scope: Scope, actor: Actor, now: dt.datetime, student_id: int, guardian_id: int
) -> None:
    async with write_transaction():
        await student_row(scope, student_id, lock=True)
        gone = await _guardian(student_id, guardian_id)
        if (
            signed := await Signature.select(Signature.agreement._.loan)
            .where(Signature.guardian == guardian_id)
            .first()
        ):
            # A signature is evidence kept as long as its convention (retention, erasure):
            # the person who signed stays named by it.
            raise Conflict(
                f"{gone.first_name} {gone.last_name} a signé la convention du prêt n° "
                f"{signed['agreement.loan']} : sa signature est conservée comme preuve, le "
                "représentant ne peut être retiré. Corrigez ses coordonnées si besoin.",
                field="guardian",
            )
        await Guardian.delete().where(Guardian.id == guardian_id)
        await record_student_event(
            student_id,
            actor,
            now,
            "guardian_removed",
            {"guardian": [f"{gone.first_name} {gone.last_name}", None]},
        )
    log_change("guardian removed", student_id, actor, ["guardian"])
