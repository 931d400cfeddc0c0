"""The loan pages through httpx, as a browser without JavaScript would use them: forms with
their CSRF token, French errors next to their fields, the hand-over in one submission, the
return and its receipt, declarations, scope."""

from __future__ import annotations

import datetime as dt
import html
import re

from api.clock import utcnow
from inventory.tables import Asset
from loans import lifecycle, policy
from loans.minors import paris_day
from loans.records import get_loan
from loans.storage import sha256_of
from loans.tables import Document, Loan, LoanEvent, LoanPhoto
from tests.api.test_pages import csrf_token, is_french_html
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    UAI_C,
    active_loan,
    make_asset,
    make_student,
)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


def today() -> dt.date:
    return paris_day(utcnow())


def read(page: str) -> str:
    """What a person reads: no tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def paper_day(loan_id: int):
    """The day of the loan's paper signatures, as its view tells it."""
    return (await get_loan(PLATFORM, loan_id, today())).paper_signed_on


async def submit(client, form_url: str, action: str, fields: dict | list, files=None):
    """Load the form (for its CSRF token), then send it the way the browser would."""
    token = csrf_token((await client.get(form_url)).text)
    items = list(fields.items()) if isinstance(fields, dict) else list(fields)
    items.append(("_csrf_token", token))
    if files:
        return await client.post(action, data=dict(_grouped(items)), files=files)
    return await client.post(action, data=dict(_grouped(items)))


def _grouped(items):
    grouped: dict[str, list[str]] = {}
    for name, value in items:
        grouped.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in grouped.items()}


async def last_loan_id() -> int:
    return (await Loan.select(Loan.id).order_by(Loan.id, ascending=False).first())["id"]


# The hand-over desk -------------------------------------------------------------------------------


async def test_the_hand_over_desk_first_asks_for_the_device(desk):
    response = await (await desk("it_a")).get("/prets/nouveau")
    assert response.status_code == 200 and is_french_html(response)
    assert '<label for="appareil">Appareil à remettre</label>' in response.text
    assert 'name="appareil"' in response.text and "autofocus" in response.text


async def test_an_unknown_device_is_named_next_to_the_field(desk):
    response = await (await desk("it_a")).get("/prets/nouveau", params={"appareil": "NOPE"})
    assert response.status_code == 404
    assert 'aria-invalid="true"' in response.text
    assert "Appareil NOPE introuvable." in read(response.text)


async def test_a_scanned_device_shows_the_student_search_and_its_accessories_ticked(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    response = await (await desk("it_a")).get("/prets/nouveau", params={"appareil": "a-1"})
    text = read(response.text)
    assert response.status_code == 200
    assert "Nom, classe ou identifiant ENT de l'élève" in text
    assert re.search(r'name="accessories" value="chargeur" checked', response.text)
    assert re.search(r'name="accessories" value="housse" checked', response.text)
    assert f'value="{today().isoformat()}"' in response.text  # signature date: today


async def test_searching_by_name_lists_the_schools_students_with_their_due_date(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    wanted = (await make_student(last_name="Durand")).id
    await make_student("B", last_name="Durand")
    await make_student(last_name="Martin")
    response = await (await desk("it_ab")).get(
        "/prets/nouveau", params={"appareil": "A-1", "eleve": "dur"}
    )
    students = re.findall(r'name="student_id" value="(\d+)"', response.text)
    assert students == [str(wanted)]
    due = policy.due_date(await policy.policy_for_region(world.region_ids["24"]), "2NDE3", today())
    assert f"à rendre le {due:%d/%m/%Y}" in read(response.text)


async def test_a_scanned_ent_identifier_preselects_the_student(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    wanted = (await make_student(ent_id="ent-777")).id
    response = await (await desk("it_a")).get(
        "/prets/nouveau", params={"appareil": "A-1", "eleve": "ent-777"}
    )
    assert f'name="student_id" value="{wanted}" checked' in response.text


async def test_a_student_chosen_on_their_page_comes_preselected(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    wanted = (await make_student()).id
    other_school = (await make_student("B")).id
    client = await desk("it_ab")
    response = await client.get(f"/prets/nouveau?appareil=A-1&eleve_id={wanted}")
    assert f'name="student_id" value="{wanted}" checked' in response.text
    response = await client.get(f"/prets/nouveau?appareil=A-1&eleve_id={other_school}")
    assert 'name="student_id"' not in response.text


async def test_one_submission_prepares_signs_and_hands_over_the_device(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    student = (await make_student()).id
    client = await desk("it_a")
    form_url = f"/prets/nouveau?appareil=A-1&eleve_id={student}"
    response = await submit(
        client,
        form_url,
        "/prets/nouveau",
        [
            ("appareil", "A-1"),
            ("student_id", str(student)),
            ("accessories", "chargeur"),
            ("signed_on", today().isoformat()),
        ],
    )
    assert response.status_code == 303, response.text
    loan_id = await last_loan_id()
    assert response.headers["location"] == f"/prets/{loan_id}?fait=remise"
    loan = await Loan.select().where(Loan.id == loan_id).first()
    assert loan["state"] == "active"
    # The paper date is now the day of the paper signatures (loan.paper_signed_on is gone).
    assert (await paper_day(loan_id)) == today()
    assert loan["accessories_given"] in (["chargeur"], '["chargeur"]')
    actions = [e["action"] for e in await LoanEvent.select(LoanEvent.action).order_by(LoanEvent.id)]
    assert actions == ["prepare_loan", "paper_signature", "hand_over"]
    done = await client.get(response.headers["location"])
    assert "Appareil remis : le prêt est en cours." in read(done.text)


async def test_another_object_typed_at_the_desk_is_handed_over_as_autre(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    student = (await make_student()).id
    response = await submit(
        await desk("it_a"),
        "/prets/nouveau?appareil=A-1",
        "/prets/nouveau",
        [
            ("appareil", "A-1"),
            ("student_id", str(student)),
            ("accessories", "chargeur"),
            ("accessory_other", "souris sans fil"),
            ("signed_on", today().isoformat()),
        ],
    )
    assert response.status_code == 303, response.text
    loan = await Loan.select(Loan.accessories_given).first()
    given = loan["accessories_given"]
    assert given in (
        ["chargeur", "autre : souris sans fil"],
        '["chargeur", "autre : souris sans fil"]',
    )


async def test_a_signature_date_may_be_typed_the_french_way(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    student = (await make_student()).id
    response = await submit(
        await desk("it_a"),
        "/prets/nouveau?appareil=A-1",
        "/prets/nouveau",
        {"appareil": "A-1", "student_id": str(student), "signed_on": f"{today():%d/%m/%Y}"},
    )
    assert response.status_code == 303
    assert (await paper_day(await last_loan_id())) == today()


async def test_a_hand_over_without_a_student_is_refused_next_to_the_field(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    response = await submit(
        await desk("it_a"),
        "/prets/nouveau?appareil=A-1",
        "/prets/nouveau",
        {"appareil": "A-1", "signed_on": "demain"},
    )
    assert response.status_code == 422
    text = read(response.text)
    assert "Choisissez l'élève à qui l'appareil est remis." in text
    assert "Date invalide : écrivez-la JJ/MM/AAAA." in text
    assert 'id="student_id" class="loan-choices field-invalid"' in response.text
    assert await Loan.count() == 0


async def test_a_future_signature_date_is_refused_before_anything_is_recorded(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    student = (await make_student()).id
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = await submit(
        await desk("it_a"),
        "/prets/nouveau?appareil=A-1",
        "/prets/nouveau",
        {"appareil": "A-1", "student_id": str(student), "signed_on": tomorrow},
    )
    assert response.status_code == 422
    assert "La date de signature ne peut pas être dans le futur." in read(response.text)
    assert await Loan.count() == 0


async def test_a_student_at_the_policy_limit_is_told_so_and_nothing_is_recorded(desk, world):
    student = (await make_student()).id
    await active_loan(world, "A-0", UAI_A, student)
    await make_asset("A-1", UAI_A, world.model_id)
    response = await submit(
        await desk("it_a"),
        "/prets/nouveau?appareil=A-1",
        "/prets/nouveau",
        {"appareil": "A-1", "student_id": str(student), "signed_on": today().isoformat()},
    )
    assert response.status_code == 409
    assert "maximum fixé par la région" in read(response.text)
    assert await Loan.count() == 1


async def test_the_hand_over_form_without_its_csrf_token_is_refused(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    student = (await make_student()).id
    response = await (await desk("it_a")).post(
        "/prets/nouveau", data={"appareil": "A-1", "student_id": str(student)}
    )
    assert response.status_code == 403
    assert await Loan.count() == 0


async def test_the_head_of_school_cannot_open_the_hand_over_desk(desk, world):
    assert (await (await desk("head_a")).get("/prets/nouveau")).status_code == 403


async def test_a_device_already_lent_shows_its_loan_and_the_way_to_take_it_back(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student(last_name="Roux")).id)
    response = await (await desk("it_a")).get("/prets/nouveau", params={"appareil": "A-1"})
    assert "Cet appareil est déjà prêté à Roux Camille" in read(response.text)
    assert f'href="/prets/{loan_id}/retour"' in response.text
    assert 'name="student_id"' not in response.text


async def test_a_device_with_a_prepared_loan_leads_to_finishing_its_hand_over(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM,
        ACTOR,
        NOW,
        asset_tag="A-1",
        student_id=(await make_student()).id,
        max_open_per_category=1,
    )
    response = await (await desk("it_a")).get("/prets/nouveau", params={"appareil": "A-1"})
    assert (response.status_code, response.headers["location"]) == (303, f"/prets/{loan_id}/remise")


async def test_finishing_a_prepared_loan_signs_it_and_hands_it_over(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM,
        ACTOR,
        NOW,
        asset_tag="A-1",
        student_id=(await make_student()).id,
        max_open_per_category=1,
    )
    client = await desk("it_a")
    form = await client.get(f"/prets/{loan_id}/remise")
    assert "Date de signature de la convention papier" in read(form.text)
    response = await submit(
        client,
        f"/prets/{loan_id}/remise",
        f"/prets/{loan_id}/remise",
        [("accessories", "chargeur"), ("accessories", "housse"), ("signed_on", "2026-09-01")],
    )
    assert response.status_code == 303
    loan = await Loan.select(Loan.state).where(Loan.id == loan_id).first()
    assert (loan["state"], await paper_day(loan_id)) == ("active", dt.date(2026, 9, 1))


async def test_a_hand_over_stopped_by_a_cancellation_shows_where_it_stopped(desk, as_, world):
    await make_asset("A-1", UAI_A, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM,
        ACTOR,
        NOW,
        asset_tag="A-1",
        student_id=(await make_student()).id,
        max_open_per_category=1,
    )
    client = await desk("it_a")
    token = csrf_token((await client.get(f"/prets/{loan_id}/remise")).text)
    await as_("it_a").post(f"/api/v1/loans/{loan_id}/cancel", json={"reason": "autre desk"})
    response = await client.post(
        f"/prets/{loan_id}/remise", data={"signed_on": "2026-09-01", "_csrf_token": token}
    )
    assert response.status_code == 409
    text = read(response.text)
    assert "Remise interrompue" in text
    assert "Signature papier de la convention enregistrée : refusé" in text
    assert "le prêt est clos (annulé)" in text
    assert "Appareil remis à l'élève : non tenté" in text


# The return ---------------------------------------------------------------------------------------


async def test_the_return_form_offers_the_accessories_given_and_the_four_grades(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    response = await (await desk("it_a")).get(f"/prets/{loan_id}/retour")
    assert re.findall(r'name="accessories_returned" value="([^"]+)"', response.text) == ["chargeur"]
    assert re.findall(r'name="condition" value="([A-D])"', response.text) == list("ABCD")
    assert "D – endommagé (à réparer)" in read(response.text)
    assert 'type="file" id="photos" name="photos" accept="image/*" capture="environment"' in (
        response.text
    )
    assert 'enctype="multipart/form-data"' in response.text


async def test_a_return_leads_to_a_receipt_listing_the_missing_charger(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student(last_name="Roux")).id)
    client = await desk("it_a")
    response = await submit(
        client,
        f"/prets/{loan_id}/retour",
        f"/prets/{loan_id}/retour",
        {"condition": "C", "damage_notes": "coque fendue"},
        files=[("photos", ("coque.jpg", JPEG, "image/jpeg"))],
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/prets/{loan_id}/recu"
    receipt = await client.get(response.headers["location"])
    text = read(receipt.text)
    assert "Reçu de retour" in text
    assert "Appareil à réparer : il part en réparation." in text
    assert "Manquant : chargeur" in text
    assert "C – usé" in text and "coque fendue" in text
    assert "Photos jointes 1" in text
    assert (await Asset.select(Asset.state).first())["state"] == "in_repair"
    photo = await Document.select(Document.kind, Document.sha256).first()
    assert photo == {"kind": "photo", "sha256": sha256_of(JPEG)}


async def test_a_good_return_says_the_device_is_back_in_stock(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    client = await desk("it_a")
    response = await submit(
        client,
        f"/prets/{loan_id}/retour",
        f"/prets/{loan_id}/retour",
        {"condition": "A", "accessories_returned": "chargeur"},
    )
    text = read((await client.get(response.headers["location"])).text)
    assert "Appareil remis en stock." in text and "Manquant" not in text


async def test_a_return_without_a_condition_is_refused_next_to_the_field(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    response = await submit(
        await desk("it_a"),
        f"/prets/{loan_id}/retour",
        f"/prets/{loan_id}/retour",
        {"damage_notes": "rien"},
    )
    assert response.status_code == 422
    assert "Choisissez l'état physique de l'appareil (A, B, C ou D)." in read(response.text)
    assert 'id="condition-error"' in response.text
    assert 'value="rien"' in response.text or ">rien</textarea>" in response.text
    assert (await Loan.select(Loan.state).first())["state"] == "active"


async def test_a_return_with_a_file_that_is_not_a_photo_records_nothing(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    response = await submit(
        await desk("it_a"),
        f"/prets/{loan_id}/retour",
        f"/prets/{loan_id}/retour",
        {"condition": "B"},
        files=[("photos", ("notes.txt", b"pas une image", "text/plain"))],
    )
    assert response.status_code == 422
    assert "JPEG ou PNG attendu" in read(response.text)
    assert (await Loan.select(Loan.state).first())["state"] == "active"
    assert await LoanPhoto.count() == 0


async def test_a_photo_over_five_megabytes_is_refused_in_french(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    heavy = JPEG + b"\x00" * (5 * 1024 * 1024)
    response = await submit(
        await desk("it_a"),
        f"/prets/{loan_id}/retour",
        f"/prets/{loan_id}/retour",
        {"condition": "B"},
        files=[("photos", ("lourde.jpg", heavy, "image/jpeg"))],
    )
    assert response.status_code == 422
    assert "n° 1 : photo trop lourde : 5 Mo au plus" in read(response.text)
    assert 'id="photos-error"' in response.text


async def test_the_receipt_of_a_loan_not_returned_leads_to_the_loan(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    response = await (await desk("it_a")).get(f"/prets/{loan_id}/recu")
    assert (response.status_code, response.headers["location"]) == (303, f"/prets/{loan_id}")


# Loss, theft, cancel, transfer, cession ---------------------------------------------------------


async def test_a_theft_without_its_police_report_is_refused_next_to_the_field(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    response = await submit(
        await desk("it_a"),
        f"/prets/{loan_id}/vol",
        f"/prets/{loan_id}/vol",
        {"incident_on": today().isoformat(), "circumstances": "dans le bus"},
    )
    assert response.status_code == 422
    assert 'id="police_report_ref-error"' in response.text
    assert "référence du récépissé de dépôt de plainte" in read(response.text)
    assert re.search(r'id="police_report_ref"[^>]*aria-invalid="true"', response.text)
    assert (await Loan.select(Loan.state).first())["state"] == "active"


async def test_a_theft_with_a_police_report_dated_before_the_theft_is_refused(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    response = await submit(
        await desk("it_a"),
        f"/prets/{loan_id}/vol",
        f"/prets/{loan_id}/vol",
        {
            "incident_on": "2026-09-01",
            "circumstances": "dans le bus",
            "police_report_ref": "PV 12",
            "police_report_on": "2026-08-01",
        },
    )
    assert response.status_code == 422
    assert "La plainte est déposée après le vol" in read(response.text)


async def test_a_declared_theft_leads_back_to_the_loan_marked_stolen(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    client = await desk("it_a")
    response = await submit(
        client,
        f"/prets/{loan_id}/vol",
        f"/prets/{loan_id}/vol",
        {
            "incident_on": today().isoformat(),
            "circumstances": "dans le bus",
            "police_report_ref": "PV 2026/77",
            "police_report_on": f"{today():%d/%m/%Y}",
        },
    )
    assert response.headers["location"] == f"/prets/{loan_id}?fait=vol"
    text = read((await client.get(response.headers["location"])).text)
    assert "Vol déclaré" in text and "PV 2026/77" in text


async def test_a_declared_loss_marks_the_device_lost(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    response = await submit(
        await desk("it_a"),
        f"/prets/{loan_id}/perte",
        f"/prets/{loan_id}/perte",
        {"incident_on": today().isoformat(), "circumstances": "oublié au gymnase"},
    )
    assert response.status_code == 303
    assert (await Asset.select(Asset.state).first())["state"] == "lost"


async def test_cancelling_a_prepared_loan_frees_the_device(desk, world):
    await make_asset("A-1", UAI_A, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM,
        ACTOR,
        NOW,
        asset_tag="A-1",
        student_id=(await make_student()).id,
        max_open_per_category=1,
    )
    response = await submit(
        await desk("it_a"),
        f"/prets/{loan_id}/annulation",
        f"/prets/{loan_id}/annulation",
        {"reason": "mauvais appareil"},
    )
    assert response.headers["location"] == f"/prets/{loan_id}?fait=annulation"
    loan = await Loan.select(Loan.state, Loan.circumstances).first()
    assert loan == {"state": "cancelled", "circumstances": "mauvais appareil"}


async def test_a_transfer_offers_the_other_schools_of_the_region_only(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    client = await desk("it_a")
    form = await client.get(f"/prets/{loan_id}/transfert")
    offered = re.findall(r'<option value="([0-9A-Z]{8})"', form.text)
    assert offered == [UAI_B]
    assert UAI_C not in offered
    response = await submit(
        client,
        f"/prets/{loan_id}/transfert",
        f"/prets/{loan_id}/transfert",
        {"to_establishment_uai": UAI_B},
    )
    # it_a does not see school B: back to the loan closed as transferred
    assert response.headers["location"] == f"/prets/{loan_id}?fait=transfert"
    assert await Loan.count().where(Loan.state == "active") == 1


async def test_a_transfer_without_a_school_chosen_is_refused_next_to_the_field(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    response = await submit(
        await desk("it_a"),
        f"/prets/{loan_id}/transfert",
        f"/prets/{loan_id}/transfert",
        {"to_establishment_uai": ""},
    )
    assert response.status_code == 422
    assert 'id="to_establishment_uai-error"' in response.text


async def test_cession_is_offered_only_when_the_region_allows_it(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    client = await desk("it_a")
    assert f'href="/prets/{loan_id}/cession"' not in (await client.get(f"/prets/{loan_id}")).text
    form = await client.get(f"/prets/{loan_id}/cession")
    assert "ne permet pas de céder" in read(form.text)
    await policy.update_policy(PLATFORM, ACTOR, NOW, "24", {"cession_allowed": True})
    assert f'href="/prets/{loan_id}/cession"' in (await client.get(f"/prets/{loan_id}")).text
    before_the_end = await client.get(f"/prets/{loan_id}/cession")
    assert "qu'à la fin de la scolarité" in read(before_the_end.text)
    await Loan.update({Loan.due_on: paris_day(utcnow())}).where(Loan.id == loan_id)
    response = await submit(client, f"/prets/{loan_id}/cession", f"/prets/{loan_id}/cession", {})
    assert response.status_code == 303
    assert (await Asset.select(Asset.state).first())["state"] == "ceded"


async def test_a_region_manager_derogates_from_the_cession_page_with_a_reason(desk, world):
    await policy.update_policy(PLATFORM, ACTOR, NOW, "24", {"cession_allowed": True})
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    client = await desk("manager_24")
    url = f"/prets/{loan_id}/cession"
    missing = await submit(client, url, url, {})
    assert missing.status_code == 409 and 'id="override_reason-error"' in missing.text
    response = await submit(client, url, url, {"override_reason": "départ à l'étranger"})
    assert response.status_code == 303
    assert (await Asset.select(Asset.state).first())["state"] == "ceded"
    assert_problem_page = await client.get(f"/prets/{loan_id}/perte")
    assert assert_problem_page.status_code == 403  # the other forms stay the desk's


async def test_an_unknown_form_of_a_loan_is_a_french_404(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    response = await (await desk("it_a")).get(f"/prets/{loan_id}/demenagement")
    assert response.status_code == 404 and is_french_html(response)


# The list and the loan page ---------------------------------------------------------------------


async def test_the_list_shows_overdue_loans_when_asked(desk, world):
    late = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    await Loan.update({Loan.due_on: today() - dt.timedelta(days=2)}).where(Loan.id == late)
    await active_loan(world, "A-2", UAI_A, (await make_student()).id)
    client = await desk("it_a")
    everything = await client.get("/prets")
    assert set(re.findall(r'href="/prets/(\d+)"', everything.text)) >= {str(late)}
    overdue = await client.get("/prets", params={"overdue": "1"})
    assert re.findall(r'<a href="/prets/(\d+)">', overdue.text) == [str(late)]
    assert "en retard" in read(overdue.text)


async def test_the_list_filters_by_class(desk, world):
    await active_loan(world, "A-1", UAI_A, (await make_student(class_name="1G2")).id)
    await active_loan(world, "A-2", UAI_A, (await make_student(class_name="2NDE3")).id)
    response = await (await desk("it_a")).get("/prets", params={"classe": "1g 2"})
    assert "A-1" in response.text and "A-2" not in response.text


async def test_an_unknown_state_in_the_list_is_refused_in_french(desk, world):
    response = await (await desk("it_a")).get("/prets", params={"state": "borrowed"})
    assert response.status_code == 422
    assert "État inconnu : choisissez un état dans la liste." in read(response.text)


async def test_the_loan_page_writes_dates_the_french_way_with_its_history(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    response = await (await desk("it_a")).get(f"/prets/{loan_id}")
    text = read(response.text)
    assert "À rendre le 04/07/2027" in text
    assert "convention signée sur papier" in text and "remise de l'appareil" in text
    assert "01/09/2026 10:00" in text  # 08:00 UTC is 10:00 in Paris in September
    assert f'href="/prets/{loan_id}/retour"' in response.text


async def test_it_staff_of_another_school_get_a_404_page_for_the_loan(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    client = await desk("it_b")
    assert (await client.get(f"/prets/{loan_id}")).status_code == 404
    assert (await client.get(f"/prets/{loan_id}/retour")).status_code == 404


async def test_the_head_reads_the_loan_page_without_its_actions(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    client = await desk("head_a")
    response = await client.get(f"/prets/{loan_id}")
    assert response.status_code == 200
    assert "/retour" not in response.text
    assert (await client.get(f"/prets/{loan_id}/retour")).status_code == 403


async def test_the_asset_page_shows_its_current_loan(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student(last_name="Roux")).id)
    await make_asset("A-2", UAI_A, world.model_id)
    client = await desk("it_a")
    text = read((await client.get("/appareils/A-1")).text)
    assert f"Prêt n° {loan_id} à Roux Camille (2NDE3) : en cours" in text
    assert "à rendre le 04/07/2027" in text
    assert "Enregistrer le retour" in text
    page = await client.get("/appareils/A-2")
    assert "Aucun prêt en cours." in read(page.text)
    assert 'href="/prets/nouveau?appareil=A-2"' in page.text
    head = await desk("head_a")
    assert "Enregistrer le retour" not in read((await head.get("/appareils/A-1")).text)
