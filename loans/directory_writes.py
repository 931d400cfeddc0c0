"""The statements of one chunk of a directory import, run inside the caller's transaction.

Set-based like the CSV import (`loans.student_import`): one multi-row INSERT for the new
students and one for the new guardians, one UPDATE per distinct change (a re-import at the
rentrée mostly moves whole classes, so hundreds of students share a few changes).
"""

from __future__ import annotations

import datetime as dt

from inventory.bulk import insert_many
from loans.directory_guardians import GuardianPlan
from loans.directory_students import StagedStudent, new_row
from loans.students import GUARDIAN_FIELDS, STUDENT_FIELDS, guardian_values
from loans.tables import Guardian, Student


async def _grouped_updates(table, changes: list[tuple[int, dict]]) -> None:
    groups: dict[tuple, list[int]] = {}
    for row_id, change in changes:
        if not change:
            continue
        groups.setdefault(tuple(sorted(change.items())), []).append(row_id)
    for values, ids in groups.items():
        await table.update(dict(values)).where(table.id.is_in(ids))


async def write_relatives(plan: GuardianPlan) -> None:
    if plan.removed:
        await Guardian.delete().where(Guardian.id.is_in(plan.removed))
    await _grouped_updates(Guardian, plan.updates)


async def write_chunk(
    region_id: int,
    now: dt.datetime,
    today: dt.date,
    students: list[StagedStudent],
    new: list[StagedStudent],
    guardians: GuardianPlan,
    leaving: list[int],
) -> dict[str, int]:
    """Write the chunk; return the ids of the students it names, by ENT key."""
    ids = {s.key: s.match["id"] for s in students if s.match}
    if new:
        inserted = await insert_many(
            Student,
            ("region", "establishment", "created_at", *STUDENT_FIELDS),
            [new_row(s, region_id, now) for s in new],
            returning=("id", "ent_id"),
        )
        # The ENT key is unique in the region: it maps RETURNING's rows, in whatever order.
        ids.update({row["ent_id"]: row["id"] for row in inserted})
    await _grouped_updates(Student, [(s.match["id"], s.changes) for s in students if s.match])
    if leaving:
        await Student.update({Student.left_on: today}).where(
            Student.id.is_in(leaving) & Student.left_on.is_null()
        )
    await write_relatives(guardians)
    if guardians.new:
        rows = []
        for student_id, key, values in guardians.new:
            full = guardian_values(values)
            rows.append((student_id or ids[key], *(full[name] for name in GUARDIAN_FIELDS)))
        for start in range(0, len(rows), 500):
            await insert_many(Guardian, ("student", *GUARDIAN_FIELDS), rows[start : start + 500])
    return ids
