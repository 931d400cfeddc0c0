"""Students whose loan went the whole way (convention signed by every party and sealed,
device handed over, returned damaged with a photo and a receipt, student gone), for the
retention and erasure tests; and what the database holds, to compare or search."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from loans import documents, lifecycle, photos, students
from loans.storage import Storage
from loans.tables import Guardian
from tests.database import table_names
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, World, make_asset, make_student
from tests.loans.agreement_factories import issue, sign

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 64 + b"\xff\xd9"
RETURNED = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)  # returned and left that day


@dataclass
class Borrower:
    student_id: int
    loan_id: int
    names: tuple[str, ...]  # what must not survive an erasure: names, dates, INE, emails
    hashes: dict[str, str]  # document kind -> sha256


async def returned_borrower(
    world: World, storage: Storage, n: int, *, returned: dt.datetime = RETURNED
) -> Borrower:
    """Student n° `n` (names unique to it), minor, with one guardian, a sealed convention, a
    damage photo and a receipt; returned and left on `returned`."""
    last, first = f"Kerbrat{n:03d}x", f"Maëlys{n:03d}y"
    birth = dt.date(2009, 1, 1) + dt.timedelta(days=n)
    ine = f"{n:010d}K"
    student = await make_student(
        "A", last_name=last, first_name=first, birth_date=birth, ine=ine, ent_id=f"ENT-R{n}"
    )
    guardian_first = f"Gwenaël{n:03d}z"
    guardian = Guardian(
        student=student.id,
        last_name=f"Le Goff{n:03d}w",
        first_name=guardian_first,
        email=f"gwenael{n:03d}@famille.example",
        phone="06 98 76 54 32",
    )
    guardian_id = (await Guardian.insert(guardian).returning(Guardian.id))[0]["id"]
    tag = f"RT-{n}"
    await make_asset(tag, UAI_A, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag=tag, student_id=student.id, max_open_per_category=1
    )
    status = await issue(storage, loan_id)
    await sign(storage, loan_id, status, "student")
    await sign(storage, loan_id, status, "guardian", guardian_id)
    await sign(storage, loan_id, status, "head_of_school")
    # The sealed record as agreement_seal stores it (a real PAdES seal costs a second here).
    sealed = await documents.store_document_once(
        storage,
        PLATFORM,
        ACTOR,
        NOW,
        kind="sealed_agreement",
        data=b"%PDF-1.7 sealed record " + tag.encode(),
        media_type="application/pdf",
        loan_id=loan_id,
        public_id=status.public_id,
        once_per_public_id=True,
    )
    await lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan_id, ["chargeur"], dt.date(2027, 7, 4))
    await lifecycle.take_back(
        PLATFORM,
        ACTOR,
        returned,
        loan_id,
        accessories_returned=["chargeur"],
        condition="C",
        damage_notes=f"Écran fêlé, dit {first} {last}",
    )
    await photos.add_photos(PLATFORM, ACTOR, returned, loan_id, [JPEG + tag.encode()], storage)
    receipt = await documents.store_document(
        storage,
        PLATFORM,
        ACTOR,
        returned,
        kind="receipt",
        data=b"%PDF-1.7 receipt " + tag.encode(),
        media_type="application/pdf",
        loan_id=loan_id,
    )
    await students.mark_left(PLATFORM, ACTOR, returned, student.id, returned.date())
    kept = {d.kind: d.sha256 for d in await documents.list_documents(PLATFORM, loan_id)}
    assert kept["sealed_agreement"] == sealed.sha256 and kept["receipt"] == receipt.sha256
    names = (
        last,
        first,
        birth.isoformat(),
        birth.strftime("%d/%m/%Y"),
        ine,
        f"ENT-R{n}",
        guardian_first,
        f"Le Goff{n:03d}w",
        f"gwenael{n:03d}@famille.example",
    )
    return Borrower(student.id, loan_id, names, kept)


async def database_rows() -> dict[str, list[tuple]]:
    """Every row of every table, sorted: what a dry run must leave exactly as it was."""
    from inventory.tables import Region

    found = {}
    for name in sorted(table_names()):
        rows = await Region.raw(f"SELECT * FROM {name}")
        found[name] = sorted(tuple(str(v) for v in row.values()) for row in rows)
    return found


async def traces(needles: tuple[str, ...]) -> list[tuple[str, str]]:
    """(table, needle) for every needle found in any column of any row."""
    found = []
    for table, rows in (await database_rows()).items():
        for row in rows:
            for value in row:
                found += [(table, n) for n in needles if n.lower() in value.lower()]
    return found
