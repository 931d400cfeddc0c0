"""Loans awaiting their agreement's signatures, guardians, and a drawn signature."""

from __future__ import annotations

import datetime as dt
import io

from loans import agreements, lifecycle
from loans.agreements import SignatureIn
from loans.storage import DirectoryStorage
from loans.tables import Guardian
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    SCHOOLS,
    UAI_A,
    World,
    make_asset,
    make_student,
)

PUBLIC_URL = "https://ordipret.example.fr"
MINOR = dt.date(2010, 3, 14)  # 16 on NOW
ADULT = dt.date(2007, 3, 14)  # 19 on NOW


def png(seed: int = 0) -> bytes:
    """A real PNG: a few strokes on white."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (120, 40), "white")
    ImageDraw.Draw(image).line((5, 30, 60 + seed, 10, 115, 30), fill="black", width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def add_guardian(student_id: int, first_name: str, legal_authority: bool = True) -> int:
    row = Guardian(
        student=student_id,
        last_name="Martin",
        first_name=first_name,
        email=f"{first_name.lower()}@example.fr",
        legal_authority=legal_authority,
    )
    return (await Guardian.insert(row).returning(Guardian.id))[0]["id"]


async def awaiting_loan(
    world: World, tag: str, *, birth_date: dt.date = MINOR, uai: str = UAI_A
) -> tuple[int, int]:
    """(loan id, student id) of a prepared loan awaiting signatures."""
    await make_asset(tag, uai, world.model_id)
    school = next(key for key, code in SCHOOLS.items() if code == uai)
    student = (await make_student(school, birth_date=birth_date)).id
    loan_id = await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag=tag, student_id=student, max_open_per_category=1
    )
    return loan_id, student


async def issue(storage: DirectoryStorage, loan_id: int, now: dt.datetime = NOW):
    return await agreements.issue_agreement(storage, PLATFORM, ACTOR, now, loan_id, PUBLIC_URL)


def in_person(status, role: str, guardian_id: int | None = None, **changes) -> SignatureIn:
    values = dict(
        version=status.version,
        sha256=status.sha256,
        role=role,
        method="in_person",
        guardian_id=guardian_id,
        image_png=png(),
        client_address="192.0.2.10",
        user_agent="Mozilla/5.0 (test)",
    )
    values.update(changes)
    return SignatureIn(**values)


async def sign(storage, loan_id: int, status, role: str, guardian_id=None, **changes):
    return await agreements.sign(
        storage,
        PLATFORM,
        ACTOR,
        NOW,
        loan_id,
        in_person(status, role, guardian_id, **changes),
        head_delegation=True,
    )
