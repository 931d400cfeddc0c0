"""From the ENT to the space, end to end: a real CAS server signs the student or the guardian
in, and what they see and sign is theirs alone."""

from __future__ import annotations

import datetime as dt

from loans.tables import Guardian, Signature, Student
from tests.api.ent.conftest import cas_sign_in
from tests.api.test_loan_pages import read
from tests.api.test_my_space import issued_for, sign_in_space
from tests.factories import UAI_A, active_loan, make_student

LEA = {"last_name": "Martin", "first_name": "Léa", "birth_date": dt.date(2009, 3, 14)}


async def test_a_student_signed_in_by_cas_sees_and_signs_only_their_convention(
    app, client, world, cas_connector
):
    mine, student_id = await issued_for(app, world, "P-1", "1234567")
    await Student.update(LEA).where(Student.id == student_id)
    theirs, _ = await issued_for(app, world, "P-2", "7777777")
    assert (await cas_sign_in(client, "eleve")).headers["location"] == "/mon-espace"
    home = read((await client.get("/mon-espace")).text)
    assert "P-1" in home and "P-2" not in home and "attend votre signature" in home
    assert (await client.get(f"/mon-espace/prets/{theirs}")).status_code == 404
    assert (await sign_in_space(client, mine)).status_code == 303
    rows = await Signature.select(Signature.role, Signature.ent_key, Signature.auth_method)
    assert [(r["role"], r["ent_key"], r["auth_method"]) for r in rows] == [
        ("student", "1234567", "cas")
    ]


async def test_a_guardian_signed_in_by_cas_sees_only_their_childs_loan(
    client, world, cas_connector
):
    child = await make_student("A", first_name="Tom")
    other = await make_student("A", first_name="Zoé")
    await active_loan(world, "P-TOM", UAI_A, child.id)
    await active_loan(world, "P-ZOE", UAI_A, other.id)
    await Guardian.insert(
        Guardian(student=child.id, last_name="Martin", first_name="Claire", ent_id="7654321")
    )
    assert (await cas_sign_in(client, "parent")).headers["location"] == "/mon-espace"
    home = read((await client.get("/mon-espace")).text)
    assert "P-TOM" in home and "P-ZOE" not in home


async def test_a_first_cas_sign_in_without_the_key_waits_for_staff_to_confirm_the_link(
    client, as_, world, cas_connector
):
    student = await make_student("A", ent_id=None, **LEA)  # found by names and birth date
    await active_loan(world, "P-1", UAI_A, student.id)
    await cas_sign_in(client, "eleve")
    waiting = await client.get("/mon-espace")
    assert waiting.status_code == 200 and "P-1" not in waiting.text
    [proposal] = (await as_("it_a").get("/api/v1/ent-link-proposals")).json()
    assert (proposal["student_id"], proposal["ent_id"]) == (student.id, "1234567")
    confirmed = await as_("it_a").post(f"/api/v1/ent-link-proposals/{proposal['id']}/confirm")
    assert confirmed.status_code == 200
    assert "P-1" in read((await client.get("/mon-espace")).text)
