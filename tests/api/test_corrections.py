"""Corrections (RGPD art. 16): asked from the student and guardian space, applied or refused
by staff of the school on `/demandes-eleves` (or the API), the outcome shown to the
requester, each step in the student's history."""

from __future__ import annotations

from loans.ent_identity import GUARDIAN
from loans.tables import CorrectionRequest, Guardian, Student, StudentEvent
from tests.api.test_loan_pages import read, submit
from tests.api.test_pages import is_french_html
from tests.factories import ent_identity as identity
from tests.factories import guardian_fields, make_student

SPACE = "/mon-espace/eleves/{}/donnees"
ASK = "/mon-espace/eleves/{}/rectification"


async def ask(client, student_id: int, target: str, value: str, explanation: str = ""):
    return await submit(
        client,
        SPACE.format(student_id),
        ASK.format(student_id),
        {"target": target, "value": value, "explanation": explanation},
    )


async def pending_id() -> int:
    row = await CorrectionRequest.select(CorrectionRequest.id).first()
    assert row is not None
    return row["id"]


async def actions_of(student_id: int) -> list[str]:
    rows = (
        await StudentEvent.select(StudentEvent.action)
        .where(StudentEvent.student == student_id)
        .order_by(StudentEvent.id)
    )
    return [row["action"] for row in rows]


async def test_a_correction_asked_by_the_student_and_applied_by_staff_changes_the_record(
    app, world, ent, staff
):
    student = await make_student("A", first_name="Lea", ent_id="K-1")
    client = await ent(identity("K-1"))
    asked = await ask(client, student.id, "eleve:first_name", "Léa", "Il manque l'accent.")
    assert asked.status_code == 303
    page = read((await client.get(asked.headers["location"])).text)
    assert "Votre demande est envoyée au lycée" in page and "en attente" in page

    desk = await staff("it_a")
    listed = await desk.get("/demandes-eleves")
    assert "Il manque l'accent." in read(listed.text) and is_french_html(listed)
    request_id = await pending_id()
    done = await submit(
        desk,
        "/demandes-eleves",
        f"/demandes-eleves/rectifications/{request_id}/appliquer",
        {"value": "Léa"},
    )
    assert done.status_code == 303 and done.headers["location"].endswith("appliquee")

    assert (await Student.select(Student.first_name).first())["first_name"] == "Léa"
    assert await actions_of(student.id) == [
        "created",
        "correction_requested",
        "updated",
        "correction_applied",
    ]
    history = read((await desk.get(f"/eleves/{student.id}")).text)
    assert "rectification demandée depuis l'espace ENT" in history
    assert "rectification appliquée" in history
    assert "Lea" not in history.replace("Léa", "")  # the old spelling is not kept
    assert "appliquée" in read((await client.get(SPACE.format(student.id))).text)


async def test_a_refusal_needs_a_reason_and_the_requester_reads_it(app, world, ent, staff):
    student = await make_student("A", ent_id="K-1")
    client = await ent(identity("K-1"))
    await ask(client, student.id, "eleve:birth_date", "15/03/2010")
    request_id = await pending_id()
    desk = await staff("it_a")
    action = f"/demandes-eleves/rectifications/{request_id}/refuser"
    without = await submit(desk, "/demandes-eleves", action, {"note": " "})
    assert without.status_code == 422 and "raison du refus" in read(without.text)
    refused = await submit(
        desk, "/demandes-eleves", action, {"note": "L'acte de naissance dit le 14/03."}
    )
    assert refused.status_code == 303
    assert (await Student.select(Student.birth_date).first())["birth_date"].day == 14
    page = read((await client.get(SPACE.format(student.id))).text)
    assert "refusée" in page and "Raison du refus : L'acte de naissance dit le 14/03." in page
    assert (await actions_of(student.id))[-1] == "correction_refused"


async def test_a_guardian_corrects_their_own_contact_but_not_another_guardians(app, world, ent):
    student = await make_student(
        "A",
        guardians=[guardian_fields(), guardian_fields(first_name="Paul", email="p@example.fr")],
    )
    claire, paul = [
        row["id"]
        for row in await Guardian.select(Guardian.id)
        .where(Guardian.student == student.id)
        .order_by(Guardian.id)
    ]
    await Guardian.update({Guardian.ent_id: "G-1"}).where(Guardian.id == claire)
    client = await ent(identity("G-1", kind=GUARDIAN))
    form = read((await client.get(SPACE.format(student.id))).text)
    assert "Mon courriel" in form and "Paul" not in form
    refused = await ask(client, student.id, f"representant:{paul}:email", "x@example.fr")
    assert refused.status_code == 422 and "Choisissez l'information à corriger" in read(
        refused.text
    )
    bad = await ask(client, student.id, f"representant:{claire}:email", "pas une adresse")
    assert bad.status_code == 422 and "adresse électronique invalide" in read(bad.text).lower()
    good = await ask(client, student.id, f"representant:{claire}:email", "claire@exemple.fr")
    assert good.status_code == 303
    assert await CorrectionRequest.count() == 1


async def test_the_correction_form_refuses_a_post_without_its_csrf_token(app, world, ent):
    student = await make_student("A", ent_id="K-1")
    client = await ent(identity("K-1"))
    await client.get(SPACE.format(student.id))
    response = await client.post(
        ASK.format(student.id), data={"target": "eleve:first_name", "value": "Zoé"}
    )
    assert response.status_code == 403
    assert await CorrectionRequest.count() == 0


async def test_another_students_data_page_and_form_are_not_found(app, world, ent):
    mine = await make_student("A", ent_id="K-1")
    other = await make_student("A", ent_id="K-2")
    client = await ent(identity("K-1"))
    assert (await client.get(SPACE.format(mine.id))).status_code == 200
    assert (await client.get(SPACE.format(other.id))).status_code == 404
    token_page = await client.get(SPACE.format(mine.id))
    assert token_page.status_code == 200
    forged = await submit(
        client, SPACE.format(mine.id), ASK.format(other.id), {"target": "eleve:first_name"}
    )
    assert forged.status_code == 404 and await CorrectionRequest.count() == 0


async def test_staff_decide_corrections_through_the_api_within_their_scope(app, world, ent, as_):
    student = await make_student("A", ent_id="K-1", last_name="Durnad")
    await ask(await ent(identity("K-1")), student.id, "eleve:last_name", "Durand")
    request_id = await pending_id()
    listed = await as_("it_a").get("/api/v1/correction-requests")
    assert [r["requested_value"] for r in listed.json()] == ["Durand"]
    assert (await as_("it_b").get("/api/v1/correction-requests")).json() == []
    apply = f"/api/v1/correction-requests/{request_id}/apply"
    assert (await as_("it_b").post(apply, json={})).status_code == 404
    assert (await as_("head_a").post(apply, json={})).status_code == 403
    applied = await as_("it_a").post(apply, json={})
    assert applied.status_code == 200 and applied.json()["state"] == "applied"
    assert (await Student.select(Student.last_name).first())["last_name"] == "Durand"
    refuse = f"/api/v1/correction-requests/{request_id}/refuse"
    again = await as_("it_a").post(refuse, json={"note": "trop tard"})
    assert again.status_code == 409  # decided once
