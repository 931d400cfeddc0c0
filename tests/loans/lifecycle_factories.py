"""Students and loans for the lifecycle tests, written straight to the tables."""

from __future__ import annotations

import datetime as dt
import itertools

from loans import lifecycle
from loans.tables import Student
from tests.factories import ACTOR, NOW, PLATFORM, World, make_asset

_numbers = itertools.count(1)


async def make_student(world: World, school: str = "A", **fields) -> int:
    n = next(_numbers)
    values = {
        "region": world.region_ids["44" if school == "C" else "24"],
        "establishment": world.establishment_ids[school],
        "last_name": f"Élève{n}",
        "first_name": "Camille",
        "birth_date": dt.date(2010, 3, 14),
        "class_name": "2NDE3",
        "created_at": NOW,
        **fields,
    }
    return (await Student.insert(Student(**values)).returning(Student.id))[0]["id"]


async def active_loan(world: World, tag: str, uai: str, student_id: int) -> int:
    """A device handed over to the student, agreement signed on paper."""
    await make_asset(tag, uai, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag=tag, student_id=student_id, max_open_per_category=1
    )
    await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan_id, NOW.date())
    await lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan_id, ["chargeur"], dt.date(2027, 7, 4))
    return loan_id
