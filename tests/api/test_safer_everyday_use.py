"""Safer everyday use, through httpx as a browser without JavaScript: a loss or theft declared
from the scan card goes through a form, a form sent after the session ended comes back filled,
error pages keep the menu and the way back, and a transfer stays visible from the sending school.
"""

from __future__ import annotations

import datetime as dt

from api.clock import utcnow
from inventory import assets
from inventory.tables import Asset, AssetEvent
from loans import desk as loan_desk
from loans.minors import paris_day
from loans.tables import Loan
from tests.api.test_loan_pages import read, submit
from tests.api.test_pages import csrf_token, log_in
from tests.conftest import client_for
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    active_loan,
    make_asset,
    make_student,
)


def today() -> dt.date:
    return paris_day(utcnow())


# Lost or stolen from the scan card: a form, never one tap --------------------------------------


async def test_the_scan_card_leads_to_a_loss_form_with_date_and_circumstances(signed_in, world):
    await make_asset("A-1", UAI_A, world.model_id)
    client = await signed_in("it_a")
    card = await client.get("/scan", params={"code": "A-1"})
    assert 'href="/appareils/A-1/perte"' in card.text and "Déclarer une perte" in read(card.text)
    form = await client.get("/appareils/A-1/perte")
    assert form.status_code == 200
    text = read(form.text)
    assert "Déclarer une perte" in text and "qui n'est pas prêté" in text
    assert 'name="incident_on"' in form.text and 'name="circumstances"' in form.text
    assert (await assets.get_asset(PLATFORM, "A-1")).state == "in_stock"  # nothing done yet


async def test_a_loss_declared_by_its_form_changes_the_state_and_keeps_the_circumstances(
    signed_in, world
):
    await make_asset("A-1", UAI_A, world.model_id)
    response = await submit(
        await signed_in("it_a"),
        "/appareils/A-1/perte",
        "/appareils/A-1/perte",
        {"incident_on": today().isoformat(), "circumstances": "oublié dans le bus"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/appareils/A-1?fait=perte"
    assert (await assets.get_asset(PLATFORM, "A-1")).state == "lost"
    done = await (await signed_in("it_a")).get(response.headers["location"])
    assert "Perte déclarée : l'appareil est maintenant perdu." in read(done.text)
    event = (
        await AssetEvent.select()
        .order_by(AssetEvent.id, ascending=False)
        .output(load_json=True)
        .first()
    )
    assert event["action"] == "declare_loss"
    assert event["changes"]["circumstances"] == "oublié dans le bus"
    assert event["changes"]["state"] == ["in_stock", "lost"]


async def test_a_theft_without_police_report_is_refused_next_to_the_field(signed_in, world):
    await make_asset("A-1", UAI_A, world.model_id)
    response = await submit(
        await signed_in("it_a"),
        "/appareils/A-1/vol",
        "/appareils/A-1/vol",
        {"incident_on": today().isoformat(), "circumstances": "sac volé", "police_report_ref": ""},
    )
    assert response.status_code == 422
    assert "dépôt de plainte est obligatoire" in read(response.text)
    assert "sac volé" in response.text  # what was typed is kept
    assert (await assets.get_asset(PLATFORM, "A-1")).state == "in_stock"


async def test_a_date_in_the_future_or_no_circumstances_declare_nothing(signed_in, world):
    await make_asset("A-1", UAI_A, world.model_id)
    tomorrow = today() + dt.timedelta(days=1)
    response = await submit(
        await signed_in("it_a"),
        "/appareils/A-1/perte",
        "/appareils/A-1/perte",
        {"incident_on": tomorrow.isoformat(), "circumstances": " "},
    )
    assert response.status_code == 422
    text = read(response.text)
    assert "La date ne peut pas être dans le futur." in text
    assert "Décrivez les circonstances." in text
    assert (await assets.get_asset(PLATFORM, "A-1")).state == "in_stock"


async def test_a_lent_device_is_declared_through_its_loan(signed_in, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    client = await signed_in("it_a")
    card = await client.get("/scan", params={"code": "A-1"})
    assert f'href="/prets/{loan_id}/vol"' in card.text
    response = await client.get("/appareils/A-1/vol")
    assert response.status_code == 303
    assert response.headers["location"] == f"/prets/{loan_id}/vol"


async def test_the_loss_form_is_out_of_scope_for_another_school_and_refused_to_the_head(
    signed_in, world
):
    await make_asset("A-1", UAI_A, world.model_id)
    assert (await (await signed_in("it_b")).get("/appareils/A-1/perte")).status_code == 404
    assert (await (await signed_in("head_a")).get("/appareils/A-1/perte")).status_code == 403
    assert (await (await signed_in("it_a")).get("/appareils/A-1/casse")).status_code == 404


# A form sent after the session ended ------------------------------------------------------------


async def _drop_session(client) -> None:
    client.cookies.delete("ordipret_session")


async def test_a_form_sent_after_the_session_ended_comes_back_filled_after_signing_in(
    signed_in, world
):
    await make_asset("A-1", UAI_A, world.model_id)
    client = await signed_in("it_a")
    form = await client.get("/appareils/A-1/perte")
    await _drop_session(client)
    sent = await client.post(
        "/appareils/A-1/perte",
        data={
            "_csrf_token": csrf_token(form.text),
            "incident_on": "2026-09-01",
            "circumstances": "laissé en salle B12",
        },
        headers={"referer": "http://testserver/appareils/A-1/perte"},
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/connexion?suivant=/appareils/A-1/perte"
    login = await client.get(sent.headers["location"])
    assert "Votre session a pris fin avant l'envoi du formulaire." in read(login.text)
    signed = await log_in(client, "it_a", suivant="/appareils/A-1/perte")
    assert signed.headers["location"] == "/appareils/A-1/perte"
    again = await client.get("/appareils/A-1/perte")
    text = read(again.text)
    assert "Votre session avait pris fin : ce que vous aviez saisi est repris ci-dessous." in text
    assert "laissé en salle B12" in again.text and 'value="2026-09-01"' in again.text
    # Shown once: the next visit is a fresh form, and nothing was declared.
    assert "laissé en salle B12" not in (await client.get("/appareils/A-1/perte")).text
    assert (await assets.get_asset(PLATFORM, "A-1")).state == "in_stock"


async def test_the_kept_form_never_holds_the_csrf_token_nor_a_password(app, world):
    from api.infra.drafts import DRAFT_KEY

    async with client_for(app) as client:
        form = await client.get("/connexion")
        token = csrf_token(form.text)
        await client.post(
            "/prets/1/perte",
            data={"_csrf_token": token, "circumstances": "x", "new_password": "secret-123"},
        )
        store = app.stores.get("sessions")
        session_id = client.cookies.get("ordipret_session")
        assert session_id
        kept = await store.get(session_id)
    assert kept is not None
    assert b"circumstances" in kept
    assert token.encode() not in kept and b"secret-123" not in kept
    assert DRAFT_KEY.encode() in kept


# Error pages ---------------------------------------------------------------------------------


async def test_a_not_found_page_keeps_the_menu_and_the_account_and_offers_the_way_back(
    signed_in, world
):
    client = await signed_in("it_a")
    response = await client.get(
        "/prets/999999", headers={"referer": "http://testserver/prets?page=2"}
    )
    assert response.status_code == 404
    text = read(response.text)
    assert 'aria-label="Menu principal"' in response.text and "Se déconnecter" in text
    assert "ne fait pas partie de votre périmètre" in text
    assert '<a href="/prets?page=2">Revenir à la page précédente</a>' in response.text
    assert '<a href="/prets">Revenir à la liste des prêts</a>' in response.text


async def test_a_forbidden_page_names_the_reason_and_the_list_it_belongs_to(signed_in, world):
    await make_asset("A-1", UAI_A, world.model_id)
    response = await (await signed_in("head_a")).get("/appareils/A-1/perte")
    assert response.status_code == 403
    text = read(response.text)
    assert "Accès refusé" in text and "Votre rôle ne permet pas cette action" in text
    assert '<a href="/appareils">Revenir à la liste des appareils</a>' in response.text
    assert "Se déconnecter" in text


async def test_a_conflict_page_says_the_state_changed_in_plain_french(signed_in, world):
    await make_asset("A-1", UAI_A, world.model_id)
    client = await signed_in("it_a")
    token = csrf_token((await client.get("/scan")).text)
    await assets.update_asset(PLATFORM, ACTOR, NOW, "A-1", {"state": "in_repair"})
    response = await client.post(
        "/scan/action",
        data={"_csrf_token": token, "action": "send_to_repair", "tag": "A-1"},
    )
    assert response.status_code == 409
    assert "n'est pas possible sur l'appareil A-1 dans son état actuel" in read(response.text)


# A transfer seen from the sending school --------------------------------------------------


async def _transferred(world) -> tuple[int, int]:
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    new_id, _ = await loan_desk.transfer(PLATFORM, ACTOR, NOW, loan_id, UAI_B)
    return loan_id, new_id


async def test_the_sending_school_s_loan_names_and_links_the_new_school(signed_in, world):
    loan_id, _ = await _transferred(world)
    response = await (await signed_in("it_a")).get(f"/prets/{loan_id}")
    assert response.status_code == 200
    text = read(response.text)
    assert "Transféré le 01/09/2026 vers Lycée B" in text
    assert f'href="/etablissements/{UAI_B}"' in response.text
    assert 'Contact : <a href="mailto:numerique@lycee-b.fr">' in response.text


async def test_scanning_a_transferred_device_at_the_sending_school_says_where_it_went(
    signed_in, world
):
    await _transferred(world)
    client = await signed_in("it_a")
    scanned = await client.get("/scan", params={"code": "A-1"})
    assert scanned.status_code == 404
    message = "L'appareil A-1 a été transféré le 01/09/2026 vers Lycée B (UAI 0450002"
    assert message in read(scanned.text)
    device = await client.get("/appareils/A-1")
    assert device.status_code == 404 and message in read(device.text)
    assert "Appareil transféré" in read(device.text)
    assert '<a href="mailto:numerique@lycee-b.fr">Écrire à Lycée B' in device.text
    api = await client.get("/api/v1/scan", params={"code": "A-1"})
    assert api.status_code == 404 and message in api.json()["detail"]


async def test_another_school_learns_nothing_of_a_transfer_it_had_no_part_in(signed_in, world):
    await _transferred(world)
    scanned = await (await signed_in("manager_44")).get("/scan", params={"code": "A-1"})
    assert scanned.status_code == 404 and "transféré" not in read(scanned.text)
    assert await Loan.count() == 2 and await Asset.count() == 1


async def test_an_unknown_address_keeps_the_menu_and_the_account_of_who_is_signed_in(signed_in):
    response = await (await signed_in("it_a")).get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in read(response.text) and "Se déconnecter" in read(response.text)
    assert '<a href="/appareils">Revenir à la liste des appareils</a>' in response.text


async def test_an_unknown_api_address_stays_a_problem_document(client, signed_in):
    for address in ("/api/v1/nulle-part", "/static/nulle-part.css"):
        response = await client.get(address)
        assert response.status_code == 404, address
    assert (
        (await client.get("/api/v1/nulle-part"))
        .headers["content-type"]
        .startswith("application/problem+json")
    )
    assert (await client.post("/api/v1/nulle-part", json={})).status_code == 404
    assert (await client.get("/static/ordipret.css")).status_code == 200


async def test_the_receipt_page_has_the_print_date_signature_lines_and_the_photos(
    app, signed_in, world
):
    from api.demo_life import photo_jpeg
    from api.infra.storage import STATE_KEY
    from loans import lifecycle, photos

    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    await lifecycle.take_back(PLATFORM, ACTOR, NOW, loan_id, accessories_returned=[], condition="B")
    await photos.add_photos(PLATFORM, ACTOR, NOW, loan_id, [photo_jpeg(1)], app.state[STATE_KEY])
    response = await (await signed_in("it_a")).get(f"/prets/{loan_id}/recu")
    text = read(response.text)
    assert f"Reçu imprimé le {today():%d/%m/%Y}" in text
    assert "Pour l'établissement : Fabrique de test Date et signature :" in text
    assert "L'élève : Élève" in text
    assert "Photos du retour" in text and f'src="/api/v1/loans/{loan_id}/photos/' in response.text


async def test_a_form_another_site_made_the_browser_send_is_not_kept(app, world):
    async with client_for(app) as client:
        await client.get("/connexion")  # the browser has a CSRF cookie, the form not its token
        sent = await client.post(
            "/prets/1/perte", data={"_csrf_token": "forged", "circumstances": "piège"}
        )
        assert sent.status_code == 303 and sent.headers["location"] == "/connexion"
        assert "ordipret_session" not in client.cookies
