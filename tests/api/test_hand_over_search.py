"""The desk's student search chooses nobody by itself, and says before the form is sent
that a student found already holds a device of this kind (and, at the policy's maximum,
that the hand-over will be refused); the confirmation says it again, server side."""

from __future__ import annotations

from loans import policy
from loans.tables import Loan
from tests.api.test_loan_pages import read, submit
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, active_loan, make_asset, make_student


async def test_a_name_that_finds_one_student_does_not_choose_them(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    only = (await make_student(last_name="Durand")).id
    response = await (await desk("it_a")).get(
        "/prets/nouveau", params={"appareil": "A-1", "eleve": "dur"}
    )
    assert f'name="student_id" value="{only}">' in response.text  # offered, not checked
    assert "checked" not in response.text.split('name="student_id"')[1].split(">")[0]
    assert "Un seul élève trouvé : vérifiez que c'est bien lui ou elle" in read(response.text)


async def test_a_scanned_ent_card_chooses_its_student_and_says_so(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    wanted = await make_student(last_name="Durand", first_name="Léa", ent_id="ENT-LEA")
    response = await (await desk("it_a")).get(
        "/prets/nouveau", params={"appareil": "A-1", "eleve": "ENT-LEA"}
    )
    assert f'name="student_id" value="{wanted.id}" checked' in response.text
    assert "Carte ENT reconnue : Durand Léa est choisi(e)." in read(response.text)


async def test_a_student_who_holds_a_device_is_flagged_in_the_results(desk, world):
    holder = await make_student(last_name="Durand", first_name="Léa")
    await make_student(last_name="Durand", first_name="Hugo")
    loan_id = await active_loan(world, "PC-0012", UAI_A, holder.id)
    await make_asset("A-1", UAI_A, world.model_id)
    response = await (await desk("it_a")).get(
        "/prets/nouveau", params={"appareil": "A-1", "eleve": "durand"}
    )
    text = read(response.text)
    assert (
        "Durand Léa 2NDE3 · né(e) le 14/03/2010 · à rendre le" in text
        and "A déjà un prêt en cours : PC-0012 — maximum fixé par la région atteint : "
        "la remise sera refusée."
        in text
    )
    assert f'href="/prets/{loan_id}">PC-0012</a>' in response.text
    assert text.count("A déjà") == 1  # Hugo holds nothing
    assert f'aria-describedby="student-{holder.id}-held"' in response.text


async def test_below_the_maximum_the_loan_held_is_said_without_a_refusal(desk, world):
    await policy.update_policy(PLATFORM, ACTOR, NOW, "24", {"max_open_per_category": 2})
    holder = await make_student(last_name="Durand")
    await active_loan(world, "PC-0012", UAI_A, holder.id)
    await make_asset("A-1", UAI_A, world.model_id)
    response = await (await desk("it_a")).get(
        "/prets/nouveau", params={"appareil": "A-1", "eleve": "durand"}
    )
    text = read(response.text)
    assert "A déjà un prêt en cours : PC-0012 ." in text  # the tag is a link
    assert "la remise sera refusée" not in text


async def test_confirming_for_a_student_at_the_maximum_is_refused_and_says_why(desk, world):
    holder = await make_student(last_name="Durand")
    await active_loan(world, "PC-0012", UAI_A, holder.id)
    await make_asset("A-1", UAI_A, world.model_id)
    client = await desk("it_a")
    url = "/prets/nouveau?appareil=A-1&eleve=durand"
    response = await submit(
        client,
        url,
        "/prets/nouveau",
        {
            "appareil": "A-1",
            "eleve": "durand",
            "student_id": str(holder.id),
            "accessories": "chargeur",
            "signed_on": "2026-09-01",
        },
    )
    assert response.status_code == 409
    text = read(response.text)
    assert "Cet élève a déjà 1 prêt(s) en cours pour ce type d'appareil" in text
    assert "A déjà un prêt en cours : PC-0012" in text  # the list says which
    assert await Loan.count().where(Loan.student == holder.id) == 1


async def test_from_a_students_page_the_device_scanned_is_lent_to_that_student(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    student = await make_student(last_name="Durand")
    client = await desk("it_a")
    page = await client.get(f"/eleves/{student.id}")
    assert f'href="/prets/nouveau?eleve_id={student.id}">Lui remettre un appareil' in page.text
    scan = await client.get(f"/prets/nouveau?eleve_id={student.id}")
    assert f'<input type="hidden" name="eleve_id" value="{student.id}">' in scan.text
    chosen = await client.get(f"/prets/nouveau?eleve_id={student.id}&appareil=A-1")
    assert f'name="student_id" value="{student.id}" checked' in chosen.text
