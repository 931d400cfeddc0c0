"""Signing in through a real CAS server (django-cas-server on loopback) with SDET attributes."""

from __future__ import annotations

import html

import httpx

from api.accounts import history
from bench.cas_loopback.process import free_port, ticket_url
from tests.api.ent.conftest import (
    PASSWORD,
    REGION,
    cas_sign_in,
    configure,
    serving,
    session_of,
)
from tests.conftest import client_for
from tests.factories import PASSWORD as FACTORY_PASSWORD


async def test_a_student_signs_in_and_lands_on_their_space_with_their_identity(
    app, client, cas_connector
):
    response = await cas_sign_in(client, "eleve")
    assert response.status_code == 303
    assert response.headers["location"] == "/mon-espace"
    session = await session_of(app, client)
    assert session["auth_method"] == "cas"
    assert "account_id" not in session
    assert session["ent"] == {
        "region_code": REGION,
        "key": "1234567",
        "kind": "student",
        "method": "cas",
        "last_name": "Martin",
        "first_name": "Léa",
        "birth_date": "2009-03-14",
        "uais": ["0450001G"],
        "classes": ["0450001G$2NDE3"],
        "profiles": ["National_ELV"],
    }


async def test_a_guardian_gets_their_identity_as_a_guardian(app, client, cas_connector):
    response = await cas_sign_in(client, "parent")
    assert response.headers["location"] == "/mon-espace"
    assert (await session_of(app, client))["ent"]["kind"] == "guardian"


async def test_staff_linked_by_an_admin_gets_the_staff_session_and_the_staff_api(
    app, client, as_, world, cas_connector
):
    link = await as_("admin").post(
        f"/api/v1/regions/{REGION}/ent-links",
        json={"ent_key": "9000001", "account_id": world.account_ids["it_a"]},
    )
    assert link.status_code == 201, link.text
    response = await cas_sign_in(client, "prof")
    assert response.status_code == 303
    me = await client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == "it_a@ordipret.test"
    assert (await session_of(app, client))["auth_method"] == "cas"
    signed = await history.last_sign_ins(world.account_ids["it_a"])
    assert [(s.method, s.succeeded) for s in signed] == [("ent", True)]


async def test_unlinked_staff_get_a_french_refusal_and_no_session(app, client, cas_connector):
    response = await cas_sign_in(client, "prof2")
    assert response.status_code == 403
    assert "Compte ENT non rattaché" in html.unescape(response.text)
    assert await session_of(app, client) is None
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_a_profile_that_is_neither_student_guardian_nor_staff_gets_nothing(
    app, client, cas_connector
):
    response = await cas_sign_in(client, "visiteur")
    assert response.status_code == 403
    assert "Accès non prévu pour votre profil" in html.unescape(response.text)
    assert await session_of(app, client) is None


async def test_a_kind_the_region_did_not_open_is_refused(app, client, as_, cas_url):
    await configure(as_, server_url=cas_url, allowed_kinds=["student"])
    response = await cas_sign_in(client, "parent")
    assert response.status_code == 403
    assert "pas ouverte aux représentants légaux" in html.unescape(response.text)


async def test_a_replayed_ticket_is_refused(app, client, cas_connector):
    start = await client.get(f"/ent/{REGION}/connexion")
    async with httpx.AsyncClient() as ent:
        back = await ticket_url(ent, start.headers["location"], "eleve", PASSWORD)
    assert (await client.get(back)).status_code == 303
    async with client_for(app) as thief:
        replayed = await thief.get(back)
    assert replayed.status_code == 403
    assert "Connexion refusée par l'ENT" in html.unescape(replayed.text)
    assert "ordipret_session" not in replayed.cookies


async def test_a_ticket_issued_for_another_service_is_refused(app, client, cas_connector):
    other = f"{cas_connector}/login?service=http%3A%2F%2Fother.example%2Fapp"
    async with httpx.AsyncClient() as ent:
        back = await ticket_url(ent, other, "eleve", PASSWORD)
    ticket = back.split("ticket=", 1)[1]
    response = await client.get(f"/ent/{REGION}/cas", params={"ticket": ticket})
    assert response.status_code == 403
    assert "destiné à un autre service" in html.unescape(response.text)
    assert await session_of(app, client) is None


async def test_signing_out_of_the_ent_ends_the_session_here(
    app, client, as_, world, cas_connector, app_port
):
    await as_("admin").post(
        f"/api/v1/regions/{REGION}/ent-links",
        json={"ent_key": "9000001", "account_id": world.account_ids["it_a"]},
    )
    start = await client.get(f"/ent/{REGION}/connexion")
    async with serving(app, port=app_port), httpx.AsyncClient() as ent:
        back = await ticket_url(ent, start.headers["location"], "prof", PASSWORD)
        assert (await client.get(back)).status_code == 303
        assert (await client.get("/api/v1/me")).status_code == 200
        # The CAS server POSTs the logoutRequest to our service before answering.
        assert (await ent.get(f"{cas_connector}/logout")).status_code == 200
    assert await session_of(app, client) is None
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_a_malformed_logout_request_is_answered_and_ends_nothing(app, client, cas_connector):
    await cas_sign_in(client, "eleve")
    async with client_for(app) as cas_server:
        for body in ("", "<not-xml", "<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", "<a/>"):
            answer = await cas_server.post(f"/ent/{REGION}/cas", data={"logoutRequest": body})
            assert answer.status_code == 200
    assert (await session_of(app, client))["ent"]["key"] == "1234567"


async def test_the_cas2_protocol_validates_at_service_validate(app, client, as_, cas_url):
    await configure(as_, server_url=cas_url, protocol="cas2")
    response = await cas_sign_in(client, "eleve")
    assert response.headers["location"] == "/mon-espace"
    assert (await session_of(app, client))["ent"]["key"] == "1234567"


async def test_an_ent_that_is_down_gives_a_french_page_not_a_500(app, client, as_):
    await configure(as_, server_url=f"http://127.0.0.1:{free_port()}/cas")
    response = await client.get(f"/ent/{REGION}/cas", params={"ticket": "ST-1-abc"})
    assert response.status_code == 503
    assert "ENT indisponible" in html.unescape(response.text)
    assert await session_of(app, client) is None


async def test_a_region_without_connector_says_so(app, client, world):
    response = await client.get(f"/ent/{REGION}/connexion")
    assert response.status_code == 404
    assert "Aucune connexion par l'ENT" in html.unescape(response.text)


async def test_the_password_login_records_its_method(app, client, world):
    response = await client.post(
        "/api/v1/auth/login", json={"email": "it_a@ordipret.test", "password": FACTORY_PASSWORD}
    )
    assert response.status_code == 200, response.text
    assert (await session_of(app, client))["auth_method"] == "password"
