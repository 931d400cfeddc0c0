"""Admins configure each region's ENT connector and link staff ENT accounts (API and page)."""

from __future__ import annotations

import html

from tests.api.ent.conftest import REGION, configure
from tests.api.test_pages import csrf_token

CONNECTOR = f"/api/v1/regions/{REGION}/ent-connector"
LINKS = f"/api/v1/regions/{REGION}/ent-links"
PAGE = f"/regions/{REGION}/ent"


async def test_only_admins_read_or_change_a_connector_or_its_links(as_, world):
    await configure(as_, server_url="https://ent.example/cas")
    for persona in ("manager_24", "it_a", "head_a"):
        assert (await as_(persona).get(CONNECTOR)).status_code == 403
        assert (await as_(persona).put(CONNECTOR, json={})).status_code == 403
        assert (await as_(persona).get(LINKS)).status_code == 403


async def test_a_connector_is_read_back_as_configured(as_, world):
    await configure(as_, server_url="https://ent.example/cas/", attribute_flavour="entng")
    shown = (await as_("admin").get(CONNECTOR)).json()
    assert shown["server_url"] == "https://ent.example/cas"
    assert shown["protocol"] == "cas3"
    assert shown["attribute_flavour"] == "entng"
    assert shown["allowed_kinds"] == ["student", "guardian", "staff"]
    assert shown["updated_by"] == "admin"


async def test_a_wrong_connector_is_refused_naming_each_field(as_, world):
    body = {"protocol": "saml", "server_url": "ent", "allowed_kinds": ["everyone"]}
    response = await as_("admin").put(CONNECTOR, json={**body, "attribute_flavour": "x"})
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"protocol", "server_url", "allowed_kinds", "attribute_flavour"} <= fields


async def test_an_oidc_connector_needs_its_endpoints_and_a_secret(as_, world):
    body = {"protocol": "oidc", "server_url": "https://ent.example", "allowed_kinds": ["student"]}
    response = await as_("admin").put(CONNECTOR, json=body)
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {
        "oidc_token_endpoint",
        "oidc_jwks_uri",
        "oidc_client_id",
        "oidc_client_secret",
    } <= fields


async def test_a_region_without_connector_answers_404(as_, world):
    assert (await as_("admin").get(CONNECTOR)).status_code == 404


async def test_links_are_created_listed_and_removed(as_, world):
    created = await as_("admin").post(
        LINKS, json={"ent_key": "9000001", "account_id": world.account_ids["it_a"]}
    )
    assert created.status_code == 201
    listed = (await as_("admin").get(LINKS)).json()
    assert [(link["ent_key"], link["account_email"]) for link in listed] == [
        ("9000001", "it_a@ordipret.test")
    ]
    link_id = created.json()["id"]
    assert (await as_("admin").delete(f"{LINKS}/{link_id}")).status_code == 204
    assert (await as_("admin").delete(f"{LINKS}/{link_id}")).status_code == 404
    assert (await as_("admin").get(LINKS)).json() == []


async def test_one_ent_account_opens_one_staff_account(as_, world):
    body = {"ent_key": "9000001", "account_id": world.account_ids["it_a"]}
    assert (await as_("admin").post(LINKS, json=body)).status_code == 201
    again = await as_("admin").post(LINKS, json={**body, "account_id": world.account_ids["it_b"]})
    assert again.status_code == 409


async def test_admins_and_staff_of_another_region_cannot_be_linked(as_, world):
    for persona, key in (("admin", "1"), ("manager_44", "2")):
        body = {"ent_key": key, "account_id": world.account_ids[persona]}
        response = await as_("admin").post(LINKS, json=body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "account_id"
    prefixed = {"ent_key": "AC-ORLEANS-TOURS$1", "account_id": world.account_ids["it_a"]}
    assert (await as_("admin").post(LINKS, json=prefixed)).status_code == 422


async def test_the_admin_page_saves_a_connector_and_links_staff(signed_in):  # noqa: F811
    admin = await signed_in("admin")
    assert f'href="{PAGE}"' in (await admin.get("/etablissements")).text
    form = await admin.get(PAGE)
    assert form.status_code == 200
    token = csrf_token(form.text)
    wrong = await admin.post(PAGE, data={"_csrf_token": token, "protocol": "cas3"})
    assert wrong.status_code == 422
    assert "Adresse du serveur attendue" in html.unescape(wrong.text)
    saved = await admin.post(
        PAGE,
        data={
            "_csrf_token": token,
            "protocol": "cas2",
            "server_url": "https://ent.example/cas",
            "attribute_flavour": "sdet",
            "enabled": "1",
            "student": "1",
            "staff": "1",
        },
    )
    assert saved.status_code == 303
    shown = await admin.get(saved.headers["location"])
    assert "Connecteur enregistré" in shown.text
    assert 'value="https://ent.example/cas"' in shown.text
    linked = await admin.post(
        f"{PAGE}/rattachements",
        data={"_csrf_token": token, "ent_key": "9000001", "email": "it_a@ordipret.test"},
    )
    assert linked.status_code == 303
    page = await admin.get(PAGE)
    assert "it_a@ordipret.test" in page.text
    unknown = await admin.post(
        f"{PAGE}/rattachements",
        data={"_csrf_token": token, "ent_key": "9000002", "email": "personne@ordipret.test"},
    )
    assert unknown.status_code == 422
    assert "Aucun compte avec cette adresse" in html.unescape(unknown.text)


async def test_the_admin_page_is_for_admins_only(signed_in):  # noqa: F811
    manager = await signed_in("manager_24")
    assert (await manager.get(PAGE)).status_code == 403
    assert f'href="{PAGE}"' not in (await manager.get("/etablissements")).text


async def test_the_login_page_offers_the_ent_and_the_choice_leads_to_the_only_region(
    client, as_, world
):
    assert 'href="/ent"' in (await client.get("/connexion")).text
    none = await client.get("/ent")
    assert "Aucune région ne propose" in html.unescape(none.text)
    await configure(as_, server_url="https://ent.example/cas")
    only = await client.get("/ent")
    assert only.status_code == 303
    assert only.headers["location"] == f"/ent/{REGION}/connexion"
    to_cas = await client.get(only.headers["location"])
    assert to_cas.headers["location"] == (
        "https://ent.example/cas/login?service=http%3A%2F%2Ftestserver%2Fent%2F24%2Fcas"
    )
