"""The export of a student's personal data (RGPD art. 15/20): one ZIP holding exactly the
student's data — two students of the same school, each with guardians, loans, a convention,
a signature, photos, a reminder and a correction request, and nothing of the other in the
archive — for staff whose scope sees the student and for the student (or guardian) from
their space; every export in the student's history."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

from api.infra.storage import STATE_KEY
from inventory.tables import Establishment
from loans import corrections, lifecycle, photos
from loans.ent_identity import GUARDIAN
from loans.ent_linking import LINKED, SpaceAccess
from loans.tables import Document, Guardian, ReminderLog, StudentEvent
from tests.api.test_loan_pages import read
from tests.api.test_pages import is_french_html
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    active_loan,
    guardian_fields,
    make_asset,
    make_student,
)
from tests.factories import ent_identity as identity
from tests.loans.agreement_factories import MINOR, issue, png, sign

SPACE_DATA = "/mon-espace/eleves/{}/donnees"


@dataclass
class Person:
    id: int
    ent_id: str
    names: tuple[str, ...]  # every name, INE, e-mail and tag that is theirs alone
    agreement_sha256: str
    document_hashes: list[str]


async def person(app, world, key: str, last: str, first: str, ine: str, guardian: str) -> Person:
    """A minor of lycée A with a guardian, a device in hand with two photos of it, and a
    second loan whose convention is issued and signed by the student; a reminder sent; a
    correction asked from the space."""
    storage = app.state[STATE_KEY]
    student = await make_student(
        "A",
        last_name=last,
        first_name=first,
        ine=ine,
        birth_date=MINOR,
        guardians=[guardian_fields(last_name=guardian, email=f"{guardian.lower()}@example.fr")],
    )
    in_hand = await active_loan(world, f"{key}-1", UAI_A, student.id)
    seed = (ord(key[-1]) - 65) * 10  # photos and drawings of their own: PA 0-2, PB 10-12
    await photos.add_photos(PLATFORM, ACTOR, NOW, in_hand, [png(seed), png(seed + 1)], storage)
    await make_asset(f"{key}-2", UAI_A, world.model_id)
    signed = await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag=f"{key}-2", student_id=student.id, max_open_per_category=2
    )
    status = await issue(storage, signed)
    await sign(storage, signed, status, "student", image_png=png(seed + 2))
    await ReminderLog.insert(
        ReminderLog(student=student.id, sent_at=NOW, loan_ids=[in_hand], recipients=2)
    )
    access = SpaceAccess(LINKED, "student", (student.id,))
    await corrections.ask_correction(
        access,
        identity(student.ent_id or ""),
        NOW,
        student.id,
        guardian_id=None,
        field="first_name",
        value=f"{first}-Corrigé",
        explanation=f"Mon prénom s'écrit {first}-Corrigé",
    )
    hashes = await Document.select(Document.sha256).where(Document.loan.student == student.id)
    return Person(
        id=student.id,
        ent_id=student.ent_id or "",
        names=(last, first, ine, guardian, f"{key}-1", f"{key}-2", student.ent_id or ""),
        agreement_sha256=status.sha256,
        document_hashes=[row["sha256"] for row in hashes],
    )


async def two_students(app, world) -> tuple[Person, Person]:
    anna = await person(app, world, "PA", "Aubépine", "Anatolie", "0123456789A", "Alvarez")
    boris = await person(app, world, "PB", "Brocéliande", "Barnabé", "9876543210B", "Bastide")
    return anna, boris


def everything_in(archive: bytes) -> tuple[zipfile.ZipFile, bytes]:
    """The archive opened, and its bytes with every member's content decompressed."""
    opened = zipfile.ZipFile(io.BytesIO(archive))
    inside = [opened.read(name) for name in opened.namelist()]
    return opened, archive + b"".join(inside) + " ".join(opened.namelist()).encode()


async def test_the_archive_of_a_student_holds_their_data_and_nothing_of_another_student(
    app, world, as_
):
    anna, boris = await two_students(app, world)
    response = await as_("manager_24").get(f"/api/v1/students/{anna.id}/personal-data")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    opened, content = everything_in(response.content)

    for name in boris.names:
        assert name.encode() not in content, name
    for sha256 in boris.document_hashes:
        assert sha256.encode() not in content, sha256
    for name in anna.names:
        assert name.encode() in content, name

    data = json.loads(opened.read("donnees.json"))
    assert data["student"]["ine"] == "0123456789A"
    assert data["student"]["birth_date"] == MINOR.isoformat()
    assert [g["last_name"] for g in data["guardians"]] == ["Alvarez"]
    assert len(data["loans"]) == 2 and len(anna.document_hashes) == 4  # PDF, drawing, 2 photos
    documents = [d for loan in data["loans"] for d in loan["documents"]]
    assert sorted(d["sha256"] for d in documents) == sorted(anna.document_hashes)
    agreement = next(d for d in documents if d["sha256"] == anna.agreement_sha256)
    pdf = await app.state[STATE_KEY].get(anna.agreement_sha256)
    assert pdf.startswith(b"%PDF-") and opened.read(agreement["file"]) == pdf
    assert pdf in response.content  # stored as it is: its bytes are in the archive itself
    photos_kept = [p for loan in data["loans"] for p in loan["photos"]]
    assert len(photos_kept) == 2 and all(opened.read(p["file"]) for p in photos_kept)
    signatures = [s for loan in data["loans"] for a in loan["agreements"] for s in a["signatures"]]
    assert ("student", "in_person") in {(s["role"], s["method"]) for s in signatures}
    assert all(s["signer_name"] == "" for s in signatures if s["role"] == "head_of_school")
    assert data["consents"][0]["terms_version"] == 1
    assert data["reminders"][0]["sent_at"] == NOW.isoformat()
    assert data["requests"]["corrections"][0]["requested_value"] == "Anatolie-Corrigé"
    assert "README.txt" in opened.namelist()
    assert "Vos données personnelles" in opened.read("README.txt").decode()


async def test_staff_names_are_reduced_to_their_role_in_the_exported_data(app, world, as_):
    await Establishment.update({Establishment.head_name: "Hortense Proviseure"}).where(
        Establishment.uai == UAI_A
    )
    student = await make_student("A", last_name="Céladon", birth_date=MINOR)
    await as_("it_a").patch(f"/api/v1/students/{student.id}", json={"class_name": "1RE2"})
    await make_asset("PC-1", UAI_A, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag="PC-1", student_id=student.id, max_open_per_category=1
    )
    storage = app.state[STATE_KEY]
    await sign(storage, loan_id, await issue(storage, loan_id), "head_of_school")
    response = await as_("it_a").get(f"/api/v1/students/{student.id}/personal-data")
    text = zipfile.ZipFile(io.BytesIO(response.content)).read("donnees.json").decode()
    data = json.loads(text)
    updated = next(e for e in data["history"] if e["action"] == "updated")
    assert updated["actor"] == "personnel de l'établissement ou de la Région"
    signed = next(e for e in data["loans"][0]["events"] if e["action"] == "sign")
    assert signed["changes"]["signer"] == [None, "head_of_school"]
    assert "Proviseure" not in text and "it_a" not in text


async def test_staff_outside_the_students_school_or_region_get_a_404(app, world, as_):
    student = await make_student("A")
    path = f"/api/v1/students/{student.id}/personal-data"
    for persona in ("it_b", "manager_44"):
        assert (await as_(persona).get(path)).status_code == 404, persona
    for persona in ("it_a", "head_a", "manager_24", "admin"):
        assert (await as_(persona).get(path)).status_code == 200, persona
    assert await StudentEvent.count().where(StudentEvent.student == student.id) == 5


async def test_every_export_is_written_in_the_students_history_without_personal_data(
    app, world, as_, staff
):
    student = await make_student("A", last_name="Dordogne")
    await as_("manager_24").get(f"/api/v1/students/{student.id}/personal-data")
    events = await StudentEvent.select().where(
        (StudentEvent.student == student.id) & (StudentEvent.action == "personal_data_exported")
    )
    assert [(e["actor_name"], e["actor_id"]) for e in events] == [
        ("manager_24", world.account_ids["manager_24"])
    ]
    assert events[0]["changes"] in ({}, "{}")
    page = await (await staff("it_a")).get(f"/eleves/{student.id}")
    assert "export des données personnelles (RGPD)" in read(page.text)
    assert f'href="/api/v1/students/{student.id}/personal-data"' in page.text


async def test_a_student_downloads_their_own_archive_and_never_another_students(app, world, ent):
    anna, boris = await two_students(app, world)
    client = await ent(identity(anna.ent_id))
    page = await client.get(f"/mon-espace/eleves/{anna.id}/donnees")
    assert page.status_code == 200 and is_french_html(page)
    assert "Mes données personnelles" in read(page.text)
    assert "Mes données personnelles" in read((await client.get("/mon-espace")).text)

    response = await client.get(f"/mon-espace/eleves/{anna.id}/donnees.zip")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    _, content = everything_in(response.content)
    assert b"Aub\xc3\xa9pine" in content and "Brocéliande".encode() not in content

    for path in (f"/mon-espace/eleves/{boris.id}/donnees.zip", SPACE_DATA.format(boris.id)):
        assert (await client.get(path)).status_code == 404, path
    exported = await StudentEvent.select(StudentEvent.student, StudentEvent.actor_name).where(
        StudentEvent.action == "personal_data_exported"
    )
    assert exported == [{"student": anna.id, "actor_name": "l'élève (ENT)"}]


async def test_a_guardian_downloads_the_archive_of_their_child(app, world, ent):
    student = await make_student("A", last_name="Estérel", guardians=[guardian_fields()])
    await Guardian.update({Guardian.ent_id: "G-1"}).where(Guardian.student == student.id)
    client = await ent(identity("G-1", kind=GUARDIAN))
    response = await client.get(f"/mon-espace/eleves/{student.id}/donnees.zip")
    assert response.status_code == 200
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("donnees.json"))
    assert data["student"]["last_name"] == "Estérel"
    actors = await StudentEvent.select(StudentEvent.actor_name).where(
        StudentEvent.action == "personal_data_exported"
    )
    assert actors == [{"actor_name": "Claire Martin (ENT)"}]
