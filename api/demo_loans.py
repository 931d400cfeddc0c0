"""Demo loans, so that a first start shows the whole path of a convention: students (minors
with a guardian holding legal authority, and adults), conventions signed and sealed, one
awaiting its last signature, and a device returned with its sealed receipt. Made through the
same use-cases as real loans (issue, sign, seal, hand over, take back)."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image, ImageDraw

from api.demo_life import add_return_photos
from inventory.scope import Actor, Scope
from inventory.tables import Asset
from loans import agreements, desk, lifecycle, students
from loans.agreement_seal import seal_agreement
from loans.agreements import SignatureIn
from loans.receipts import seal_return_receipt
from loans.sealing import SealKey
from loans.storage import Storage

# (first name, last name, birth date, guardian's first name or None, what happens)
STUDENTS = (
    ("Léa", "Moreau", dt.date(2010, 5, 2), "Claire", "sealed"),
    ("Hugo", "Lefèvre", dt.date(2006, 11, 20), None, "sealed"),
    ("Inès", "Garnier", dt.date(2009, 9, 9), "Karim", "awaiting"),
    ("Tom", "Rousseau", dt.date(2006, 2, 14), None, "returned"),
)


def signature_png(seed: int) -> bytes:
    image = Image.new("RGB", (240, 80), "white")
    draw = ImageDraw.Draw(image)
    draw.line((10, 60, 60 + seed * 7, 15, 120, 55, 180 - seed * 5, 20, 230, 50), "navy", 3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def _student(actor: Actor, now: dt.datetime, school: str, index: int) -> int:
    return await demo_student(actor, now, school, index, STUDENTS[index])


async def demo_student(
    actor: Actor, now: dt.datetime, school: str, index: int, person: tuple
) -> int:
    """A student of `school`; with the guardian holding legal authority when one is named."""
    first, last, born, guardian, _ = person
    fields: dict = {
        "establishment_uai": school,
        "ent_id": f"DEMO{index + 1:04d}",
        "last_name": last,
        "first_name": first,
        "birth_date": born,
        "class_name": "2NDE3" if born.year >= 2009 else "TLE1",
    }
    if guardian:
        fields["guardians"] = [
            {
                "last_name": last,
                "first_name": guardian,
                "email": f"{guardian.lower()}.{index}@example.fr",
                "legal_authority": True,
            }
        ]
    return (await students.create_student(Scope.platform(), actor, now, fields)).id


async def load_demo_loans(
    storage: Storage, key: SealKey, public_url: str, actor: Actor, now: dt.datetime, school: str
) -> None:
    platform = Scope.platform()
    tags = [
        row["tag"]
        for row in await Asset.select(Asset.tag)
        .where((Asset.establishment.uai == school) & (Asset.state == "in_stock"))
        .order_by(Asset.tag)
        .limit(len(STUDENTS))
    ]
    for index, tag in enumerate(tags):
        student_id = await _student(actor, now, school, index)
        loan_id = await lifecycle.prepare_loan(
            platform, actor, now, asset_tag=tag, student_id=student_id, max_open_per_category=9
        )
        status = await agreements.issue_agreement(
            storage, platform, actor, now, loan_id, public_url
        )
        outcome = STUDENTS[index][4]
        signers = status.signers
        if outcome == "awaiting":
            signers = [s for s in signers if s.role != "guardian"]
        for number, signer in enumerate(signers):
            await agreements.sign(
                storage,
                platform,
                actor,
                now,
                loan_id,
                SignatureIn(
                    version=status.version or 1,
                    sha256=status.sha256,
                    role=signer.role,
                    method="in_person",
                    guardian_id=signer.guardian_id,
                    image_png=signature_png(index + number),
                    client_address="192.0.2.24",
                    user_agent="Démonstration ordipret",
                ),
                head_delegation=True,
            )
        if outcome == "awaiting":
            continue
        await seal_agreement(storage, key, platform, actor, now, loan_id)
        await desk.hand_over(platform, actor, now, loan_id, None)
        if outcome == "returned":
            later = now + dt.timedelta(minutes=5)
            await desk.take_back(
                platform, actor, later, loan_id, accessories_returned=[], condition="B"
            )
            # Photos of the device as it came back, shown on the loan and its receipt.
            await add_return_photos(storage, actor, later, loan_id)
            await seal_return_receipt(storage, key, platform, actor, later, loan_id, public_url)
