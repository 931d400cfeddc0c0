"""Students for the tests: adults and minors of the persona world (tests/factories.py)."""

from __future__ import annotations

import datetime as dt
import itertools

from inventory.scope import Scope
from loans import students
from loans.views import StudentView
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A

_numbers = itertools.count(1)


def student_fields(uai: str = UAI_A, **fields) -> dict:
    """Valid fields for `students.create_student`: a 16-year-old in 2NDE3 at lycée A."""
    n = next(_numbers)
    return {
        "establishment_uai": uai,
        "ent_id": f"ENT{n:05d}",
        "last_name": "Martin",
        "first_name": f"Léa{n}",
        "birth_date": dt.date(2010, 3, 14),
        "class_name": "2NDE3",
        **fields,
    }


def guardian_fields(**fields) -> dict:
    return {
        "last_name": "Martin",
        "first_name": "Claire",
        "email": "claire.martin@example.fr",
        "phone": "06 12 34 56 78",
        "legal_authority": True,
        **fields,
    }


async def make_student(uai: str = UAI_A, scope: Scope = PLATFORM, **fields) -> StudentView:
    return await students.create_student(scope, ACTOR, NOW, student_fields(uai, **fields))


def scope_of(world, persona: str) -> Scope:
    """The scope the API gives a persona of tests/factories.py."""
    e, r = world.establishment_ids, world.region_ids
    return {
        "admin": Scope.platform(),
        "manager_24": Scope.region(r["24"]),
        "manager_44": Scope.region(r["44"]),
        "it_a": Scope.establishments({e["A"]: r["24"]}),
        "it_b": Scope.establishments({e["B"]: r["24"]}),
        "it_ab": Scope.establishments({e["A"]: r["24"], e["B"]: r["24"]}),
        "head_a": Scope.establishments({e["A"]: r["24"]}),
    }[persona]
