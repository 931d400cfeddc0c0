"""The history of a student's record: who created, changed, moved or marked them as left, who
added or removed a guardian, which import touched them. Append-only, written in the same
transaction as the change, with an actor snapshot (as loan events).

Students are minors: an event names the fields that changed, with their values only for
what the school decides (class, establishment, departure, legal authority; the name of a
guardian added or removed). A student's corrected name or birth date must not stay readable
in the history.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence

import msgspec

from inventory.errors import NotFound
from inventory.scope import Actor, Scope
from loans.tables import Student, StudentEvent

# Fields whose values the history keeps (before -> after); the others are named only.
SHOWN = frozenset({"class_name", "establishment_uai", "left_on", "legal_authority"})


class StudentEventView(msgspec.Struct, frozen=True):
    at: dt.datetime
    actor_name: str
    action: str
    changes: dict


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def changes_of(before: dict, after: dict) -> dict:
    """{field: [before, after]} for shown fields, {field: None} for the others."""
    return {
        name: [_plain(before.get(name)), _plain(value)] if name in SHOWN else None
        for name, value in after.items()
    }


async def record_student_event(
    student_id: int, actor: Actor, now: dt.datetime, action: str, changes: dict
) -> None:
    await StudentEvent.insert(
        StudentEvent(
            student=student_id,
            at=now,
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            changes=changes,
        )
    )


def event_rows(
    student_ids: Iterable[int], actor: Actor, now: dt.datetime, action: str, fields: Sequence[str]
) -> list[tuple]:
    """Rows for a multi-row insert (the CSV import): (student, at, actor_id, actor_name,
    action, changes as JSON text)."""
    changes = json.dumps({name: None for name in fields})
    return [(s, now, actor.id, actor.name, action, changes) for s in student_ids]


EVENT_COLUMNS = ("student", "at", "actor_id", "actor_name", "action", "changes")


async def student_history(scope: Scope, student_id: int) -> list[StudentEventView]:
    """The student's events, oldest first; NotFound outside the scope."""
    owner = (
        await Student.select(Student.region, Student.establishment)
        .where(Student.id == student_id)
        .first()
    )
    if owner is None or not scope.sees_establishment(owner["establishment"], owner["region"]):
        raise NotFound(f"Élève {student_id} introuvable.")
    rows = (
        await StudentEvent.select(
            StudentEvent.at, StudentEvent.actor_name, StudentEvent.action, StudentEvent.changes
        )
        .where(StudentEvent.student == student_id)
        .order_by(StudentEvent.id)
    )
    return [
        StudentEventView(
            at=row["at"],
            actor_name=row["actor_name"],
            action=row["action"],
            changes=json.loads(row["changes"])
            if isinstance(row["changes"], str)
            else row["changes"],
        )
        for row in rows
    ]
