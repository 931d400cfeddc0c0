"""Open ENT NG's nested attributes over CAS, and OpenID Connect against a loopback provider."""

from __future__ import annotations

import asyncio
import html

import httpx
import pytest_asyncio
from litestar import Litestar, get

from api.app import create_app
from tests.api.ent.conftest import REGION, configure, serving, session_of
from tests.api.ent.loopback_ents import Provider, entng_cas
from tests.conftest import client_for, running, with_changes

LOOP = "session"


async def test_open_ent_ng_json_user_attributes_are_mapped(app, client, as_, world):
    async with serving(entng_cas()) as url:
        await configure(as_, server_url=url, attribute_flavour="entng")
        response = await client.get(f"/ent/{REGION}/cas", params={"ticket": "ST-NG-JSON"})
    assert response.headers["location"] == "/mon-espace"
    identity = (await session_of(app, client))["ent"]
    assert identity["key"] == "2345678"
    assert identity["kind"] == "student"
    assert (identity["last_name"], identity["first_name"]) == ("Bernard", "Hugo")
    assert identity["birth_date"] == "2008-11-02"
    assert identity["uais"] == ["0450001G"]
    assert identity["classes"] == ["0450001G$1G2"]


async def test_open_ent_ng_attributes_as_nested_elements_are_mapped_too(app, client, as_, world):
    async with serving(entng_cas()) as url:
        await configure(as_, server_url=url, attribute_flavour="entng", protocol="cas2")
        response = await client.get(f"/ent/{REGION}/cas", params={"ticket": "ST-NG-XML"})
    assert response.status_code == 303
    identity = (await session_of(app, client))["ent"]
    assert identity["key"] == "2345678"
    assert identity["classes"] == ["0450001G$1G2", "0450001G$1G2-SPE"]


async def test_a_cas3_connector_falls_back_to_service_validate_where_there_is_no_p3(
    app, client, as_, world
):
    async with serving(entng_cas()) as url:
        await configure(as_, server_url=url, attribute_flavour="entng", protocol="cas3")
        response = await client.get(f"/ent/{REGION}/cas", params={"ticket": "ST-NG-JSON"})
    assert response.status_code == 303


@pytest_asyncio.fixture(loop_scope=LOOP)
async def provider(as_, world):
    provider = Provider()
    async with serving(provider.app()) as url:
        provider.base_url = url
        await configure(as_, **provider.connector())
        yield provider


async def oidc_round_trip(client: httpx.AsyncClient, tamper_state: bool = False):
    start = await client.get(f"/ent/{REGION}/connexion")
    assert start.status_code == 303
    async with httpx.AsyncClient() as browser:
        back = (await browser.get(start.headers["location"])).headers["location"]
    if tamper_state:
        back = back.replace("state=", "state=x")
    return await client.get(back)


async def test_an_oidc_sign_in_maps_the_claims_to_the_identity(app, client, provider):
    response = await oidc_round_trip(client)
    assert response.status_code == 303, html.unescape(response.text)
    assert response.headers["location"] == "/mon-espace"
    session = await session_of(app, client)
    assert session["auth_method"] == "oidc"
    assert session["ent"] | {"profiles": None} == {
        "region_code": REGION,
        "key": "oidc-eleve-42",
        "kind": "student",
        "method": "oidc",
        "last_name": "Moreau",
        "first_name": "Inès",
        "birth_date": "2009-06-30",
        "uais": ["0450001G"],
        "classes": [],
        "profiles": None,
    }
    assert "ent_oidc" not in session  # the pending state is spent


async def test_an_oidc_answer_with_another_state_is_refused(app, client, provider):
    response = await oidc_round_trip(client, tamper_state=True)
    assert response.status_code == 403
    assert "ent" not in (await session_of(app, client) or {})


async def test_an_id_token_with_another_nonce_is_refused(app, client, provider):
    provider.wrong_nonce = True
    response = await oidc_round_trip(client)
    assert response.status_code == 403
    assert "Connexion refusée par l'ENT" in html.unescape(response.text)
    assert "ent" not in (await session_of(app, client) or {})


async def test_the_client_secret_is_never_shown_back_and_an_empty_one_keeps_it(
    app,
    client,
    as_,
    provider,
    signed_in,  # noqa: F811
):
    shown = await as_("admin").get(f"/api/v1/regions/{REGION}/ent-connector")
    assert shown.json()["oidc_client_secret_set"] is True
    assert provider.client_secret not in shown.text
    body = provider.connector() | {"oidc_client_secret": "", "allowed_kinds": ["student"]}
    assert (
        await as_("admin").put(f"/api/v1/regions/{REGION}/ent-connector", json=body)
    ).status_code == 200
    page = await (await signed_in("admin")).get(f"/regions/{REGION}/ent")
    assert page.status_code == 200, html.unescape(page.text)[-3000:]
    assert provider.client_secret not in page.text
    assert "Un secret est enregistré" in html.unescape(page.text)
    assert (await oidc_round_trip(client)).status_code == 303  # the stored secret still works


def slow_cas() -> Litestar:
    @get("/p3/serviceValidate")
    async def too_slow() -> str:
        await asyncio.sleep(2)
        return ""

    return Litestar([too_slow])


async def test_an_ent_slower_than_the_timeout_gives_a_french_page_not_a_500(
    app, settings, as_, world
):
    # An app of its own, with a short timeout (the next test's `app` fixture rebinds the tables).
    quick = create_app(with_changes(settings, ent_timeout=0.2))
    async with serving(slow_cas()) as url, running(quick), client_for(quick) as browser:
        await configure(as_, server_url=url)
        response = await browser.get(f"/ent/{REGION}/cas", params={"ticket": "ST-1"})
    assert response.status_code == 503
    assert "ENT indisponible" in html.unescape(response.text)
