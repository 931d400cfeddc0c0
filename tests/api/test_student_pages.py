"""The student pages through httpx, as a browser without JavaScript uses them: find, enrol
with a guardian, correct, guardians, departure, a student's loans and documents; French
errors next to their fields, CSRF, and who sees and changes what."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from loans import lifecycle, students
from loans.student_history import student_history
from loans.tables import Guardian, Student
from tests.api.test_documents_api import PDF, agreement
from tests.api.test_loan_pages import read, submit
from tests.api.test_pages import csrf_token, is_french_html
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

ENROL = {
    "establishment_uai": UAI_A,
    "last_name": "Durand",
    "first_name": "Léa",
    "birth_date": "2010-03-14",
    "class_name": "2nde 3",
    "ine": "",
    "ent_id": "",
    "guardian_last_name": "Durand",
    "guardian_first_name": "Claire",
    "guardian_email": "claire.durand@example.fr",
    "guardian_phone": "06 12 34 56 78",
    "guardian_legal_authority": "oui",
}


def names_in(page: str) -> list[str]:
    return re.findall(r'<a href="/eleves/\d+">([^<]+)</a>', page)


# Finding students -------------------------------------------------------------------------


async def test_the_list_shows_the_students_of_ones_own_schools_only(signed_in, world):
    await make_student(last_name="Aubert", first_name="Jade")
    await make_student("B", last_name="Bernard", first_name="Tom")
    response = await (await signed_in("it_a")).get("/eleves")
    assert response.status_code == 200 and is_french_html(response)
    assert names_in(response.text) == ["Aubert Jade"]
    assert "Bernard" not in response.text
    assert 'aria-current="page"' in response.text and ">Élèves</a>" in response.text


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"q": "dur"}, ["Durand Léa"]),
        ({"q": "DURAND l"}, ["Durand Léa"]),
        ({"classe": "1ère G2"}, ["Martin Hugo"]),
        ({"ine": "12345"}, ["Durand Léa"]),
        ({"ent": "ENT-HUGO"}, ["Martin Hugo"]),
        ({"ent": "ENT-HU"}, []),  # the ENT key is a key: whole, not a prefix
    ],
)
async def test_students_are_found_by_name_class_ine_or_ent_key(signed_in, world, query, found):
    await make_student(last_name="Durand", first_name="Léa", ine="1234567890A")
    await make_student(
        last_name="Martin", first_name="Hugo", class_name="1EREG2", ent_id="ENT-HUGO"
    )
    response = await (await signed_in("it_a")).get("/eleves", params=query)
    assert names_in(response.text) == found


async def test_students_who_left_are_listed_only_when_asked(signed_in, world):
    await make_student(last_name="Parti", left_on=dt.date(2026, 9, 1))
    client = await signed_in("it_a")
    assert names_in((await client.get("/eleves")).text) == []
    assert names_in((await client.get("/eleves?depart=partis")).text) == ["Parti Camille"]


async def test_a_long_list_is_shown_fifty_students_a_page_linked_by_position(signed_in, world):
    for n in range(51):
        await make_student(last_name=f"Nom{n:02d}", ent_id=None)
    client = await signed_in("it_a")
    first = await client.get("/eleves?q=nom")
    assert len(names_in(first.text)) == 50
    assert "1 à 50 sur 51" in first.text
    following = re.search(r'href="([^"]+)" rel="next"', first.text).group(1)
    assert following.startswith("/eleves?q=nom&amp;curseur=")
    second = await client.get(html.unescape(following))
    assert names_in(second.text) == ["Nom50 Camille"]
    assert "51 à 51 sur 51" in second.text


async def test_a_bad_position_in_the_list_is_a_french_bad_request(signed_in, world):
    response = await (await signed_in("it_a")).get("/eleves?curseur=zéro")
    assert response.status_code == 400
    assert "position dans la liste" in response.text


# Enrolling and correcting -----------------------------------------------------------------


async def test_a_minor_is_enrolled_with_a_guardian_from_the_form(signed_in, world):
    client = await signed_in("it_a")
    response = await submit(client, "/eleves/nouveau", "/eleves/nouveau", ENROL)
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    text = read(page.text)
    assert "Élève inscrit." in text
    assert "Durand Léa" in text and "2NDE3" in text and "14/03/2010" in text
    assert "Durand Claire — représentant légal (autorité parentale)" in text
    assert "inscription" in text  # the history
    student_id = int(response.headers["location"].split("/")[2].split("?")[0])
    (guardian,) = await Guardian.select().where(Guardian.student == student_id)
    assert guardian["legal_authority"] is True


async def test_a_wrong_form_comes_back_with_french_messages_next_to_the_fields(signed_in, world):
    client = await signed_in("it_a")
    wrong = ENROL | {"birth_date": "31/02/2010", "ine": "12", "guardian_email": "pas-un-courriel"}
    response = await submit(client, "/eleves/nouveau", "/eleves/nouveau", wrong)
    assert response.status_code == 422 and is_french_html(response)
    assert 'id="birth_date-error">Date invalide : écrivez-la JJ/MM/AAAA.' in response.text
    # Once the date is right, the domain's checks name their fields too.
    wrong["birth_date"] = "2010-03-14"
    response = await submit(client, "/eleves/nouveau", "/eleves/nouveau", wrong)
    assert response.status_code == 422
    assert 'id="ine-error">Un INE compte 11 caractères' in response.text
    assert 'id="guardian_email-error">Adresse électronique invalide.' in response.text
    assert 'value="Durand"' in response.text  # what was typed stays
    assert await Student.count() == 0


async def test_an_ent_key_taken_by_another_student_is_said_next_to_its_field(signed_in, world):
    await make_student(ent_id="ENT-PRIS")
    client = await signed_in("it_a")
    response = await submit(
        client, "/eleves/nouveau", "/eleves/nouveau", ENROL | {"ent_id": "ENT-PRIS"}
    )
    assert response.status_code == 422
    assert 'id="ent_id-error">Cet identifiant ENT est déjà attribué' in response.text


async def test_a_form_without_its_csrf_token_is_refused(signed_in, world):
    client = await signed_in("it_a")
    response = await client.post("/eleves/nouveau", data=ENROL)
    assert response.status_code == 403
    assert await Student.count() == 0


async def test_the_record_is_corrected_and_the_history_says_so(signed_in, world):
    student = await make_student()
    client = await signed_in("it_a")
    url = f"/eleves/{student.id}/modifier"
    form = await client.get(url)
    assert 'value="2NDE3"' in form.text
    fields = {
        "establishment_uai": UAI_A,
        "last_name": student.last_name,
        "first_name": student.first_name,
        "birth_date": "14/03/2010",
        "class_name": "1G2",
        "ine": "",
        "ent_id": student.ent_id,
    }
    response = await submit(client, url, url, fields)
    assert response.status_code == 303
    assert (await students.get_student(PLATFORM, student.id)).class_name == "1G2"
    text = read((await client.get(f"/eleves/{student.id}")).text)
    assert "fiche modifiée classe : 2NDE3 → devient 1G2" in text


# Guardians --------------------------------------------------------------------------------


async def test_a_guardian_is_added_then_removed_after_a_confirmation(signed_in, world):
    student = await make_student()
    client = await signed_in("it_a")
    url = f"/eleves/{student.id}/representants/nouveau"
    fields = {"last_name": "Petit", "first_name": "Marc", "email": "", "phone": ""}
    response = await submit(client, url, url, fields)  # no legal authority ticked
    assert response.status_code == 303
    (guardian,) = (await students.get_student(PLATFORM, student.id)).guardians
    assert guardian.legal_authority is False
    remove = f"/eleves/{student.id}/representants/{guardian.id}/retirer"
    confirm = await client.get(remove)
    assert "Retirer Marc Petit ?" in read(confirm.text)
    assert (await students.get_student(PLATFORM, student.id)).guardians == [guardian]
    response = await client.post(remove, data={"_csrf_token": csrf_token(confirm.text)})
    assert response.status_code == 303
    assert (await students.get_student(PLATFORM, student.id)).guardians == []
    actions = [e.action for e in await student_history(PLATFORM, student.id)]
    assert actions == ["created", "guardian_added", "guardian_removed"]


async def test_a_guardians_address_and_authority_are_corrected(signed_in, world):
    student = await make_student(guardians=[guardian_fields()])
    (guardian,) = student.guardians
    client = await signed_in("it_a")
    url = f"/eleves/{student.id}/representants/{guardian.id}/modifier"
    form = await client.get(url)
    assert 'value="claire.martin@example.fr"' in form.text
    fields = {"last_name": "Martin", "first_name": "Claire", "email": "c.martin@example.fr"}
    response = await submit(client, url, url, fields | {"phone": ""})  # authority unticked
    assert response.status_code == 303
    (changed,) = (await students.get_student(PLATFORM, student.id)).guardians
    assert (changed.email, changed.legal_authority) == ("c.martin@example.fr", False)
    wrong = await submit(client, url, url, fields | {"email": "non"})
    assert wrong.status_code == 422
    assert 'id="email-error">Adresse électronique invalide.' in wrong.text


async def test_a_guardian_without_a_name_is_refused_in_french(signed_in, world):
    student = await make_student()
    client = await signed_in("it_a")
    url = f"/eleves/{student.id}/representants/nouveau"
    response = await submit(client, url, url, {"last_name": "", "first_name": "Marc"})
    assert response.status_code == 422
    assert 'id="last_name-error">Ce champ est obligatoire.' in response.text


# Departure, loans and documents -----------------------------------------------------------


async def test_the_departure_form_says_the_device_stays_lent_until_it_comes_back(signed_in, world):
    student = await make_student()
    loan_id = await active_loan(world, "A-1", UAI_A, student.id)
    client = await signed_in("it_a")
    url = f"/eleves/{student.id}/depart"
    form = read((await client.get(url)).text)
    assert "a encore 1 appareil : son prêt reste en cours jusqu'au retour" in form
    assert f"Prêt n° {loan_id} (A-1)" in form
    response = await submit(client, url, url, {"left_on": "01/09/2026"})
    assert response.status_code == 303
    assert (await students.get_student(PLATFORM, student.id)).left_on == dt.date(2026, 9, 1)


async def test_a_departure_is_refused_while_a_device_waits_for_the_student(signed_in, world):
    student = await make_student()
    await make_asset("A-2", UAI_A, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag="A-2", student_id=student.id, max_open_per_category=1
    )
    client = await signed_in("it_a")
    url = f"/eleves/{student.id}/depart"
    assert "le départ sera refusé" in read((await client.get(url)).text)
    response = await submit(client, url, url, {"left_on": "01/09/2026"})
    assert response.status_code == 409
    assert f"prêt n° {loan_id} (A-2). Annulez-le d'abord" in read(response.text)
    assert (await students.get_student(PLATFORM, student.id)).left_on is None


async def test_a_students_page_links_their_loans_and_documents(signed_in, world, app):
    student = await make_student()
    loan_id = await active_loan(world, "A-1", UAI_A, student.id)
    stored = await agreement(app, loan_id)
    client = await signed_in("head_a")
    response = await client.get(f"/eleves/{student.id}")
    assert response.status_code == 200
    assert f'href="/prets/{loan_id}">Prêt n° {loan_id}</a>' in response.text
    assert 'href="/appareils/A-1"' in response.text
    assert f'<a href="/api/v1/documents/{stored.id}">Convention</a>' in response.text
    download = await client.get(f"/api/v1/documents/{stored.id}")
    assert (download.status_code, download.content) == (200, PDF)
    # A head of school reads; the buttons that change the record are not offered.
    assert "Modifier la fiche" not in response.text


# Who sees and changes what ----------------------------------------------------------------

PAGES = (
    "/eleves/{id}",
    "/eleves/{id}/modifier",
    "/eleves/{id}/representants/{guardian}/modifier",
    "/eleves/{id}/representants/{guardian}/retirer",
    "/eleves/{id}/depart",
    "/eleves/{id}/representants/nouveau",
)
EDITORS = {"admin", "manager_24", "it_a", "it_ab"}
READERS = EDITORS | {"head_a"}


@pytest.mark.parametrize(
    "persona", ["admin", "manager_24", "manager_44", "it_a", "it_b", "it_ab", "head_a"]
)
async def test_out_of_scope_is_404_and_a_head_of_school_only_reads(signed_in, world, persona):
    student = await make_student(guardians=[guardian_fields()])
    client = await signed_in(persona)
    for template in PAGES:
        url = template.format(id=student.id, guardian=student.guardians[0].id)
        response = await client.get(url)
        reads_only = template == "/eleves/{id}"
        if persona == "head_a" and not reads_only:
            expected = 403
        elif persona in READERS:
            expected = 200
        else:
            expected = 404  # the same as an unknown student: no leak
        assert response.status_code == expected, (url, response.status_code)
        assert is_french_html(response)
    creating = await client.get("/eleves/nouveau")
    importing = await client.get("/eleves/import")
    expected = 403 if persona == "head_a" else 200
    assert (creating.status_code, importing.status_code) == (expected, expected)


async def test_a_head_of_school_cannot_post_a_change(signed_in, world):
    student = await make_student()
    client = await signed_in("head_a")
    token = csrf_token((await client.get("/eleves")).text)
    for url in (f"/eleves/{student.id}/depart", "/eleves/nouveau"):
        response = await client.post(url, data={"left_on": "01/09/2026", "_csrf_token": token})
        assert response.status_code == 403
    assert (await students.get_student(PLATFORM, student.id)).left_on is None


async def test_another_schools_guardian_cannot_be_removed(signed_in, world):
    student = await make_student("B", guardians=[guardian_fields()])
    (guardian,) = student.guardians
    client = await signed_in("it_a")
    token = csrf_token((await client.get("/eleves")).text)
    url = f"/eleves/{student.id}/representants/{guardian.id}/retirer"
    assert (await client.get(url)).status_code == 404
    assert (await client.post(url, data={"_csrf_token": token})).status_code == 404
    assert len((await students.get_student(PLATFORM, student.id)).guardians) == 1
