"""The administration pages: accounts (list, create, change, deactivate, reset) and « Mon
compte » (tokens, password). French errors next to the field, CSRF on every form, and the
scope test's shape: out of scope is 404, a wrong role 403."""

from __future__ import annotations

import html
import re

import pytest

from api.accounts.tables import Account, ApiToken
from tests.api.test_pages import csrf_token, is_french_html
from tests.factories import UAI_A, UAI_C, World

ADMIN_PAGES = ("/administration", "/administration/comptes", "/administration/comptes/nouveau")
TEMPORARY = re.compile(r'<code class="secret">([^<]+)</code>')


async def _post(client, url: str, data: dict, form_url: str | None = None):
    form = await client.get(form_url or url)
    return await client.post(url, data={**data, "_csrf_token": csrf_token(form.text)})


@pytest.mark.parametrize("persona", ["it_a", "it_ab", "head_a"])
async def test_school_staff_are_turned_away_from_administration(signed_in, world, persona):
    client = await signed_in(persona)
    for url in (*ADMIN_PAGES, f"/administration/comptes/{world.account_ids['it_b']}"):
        response = await client.get(url)
        assert response.status_code == 403, url
        assert is_french_html(response)


async def test_a_manager_of_another_region_gets_404_on_an_account_page(signed_in, world: World):
    client = await signed_in("manager_44")
    response = await client.get(f"/administration/comptes/{world.account_ids['it_a']}")
    assert response.status_code == 404 and is_french_html(response)
    listed = await client.get("/administration/comptes")
    assert "it_a@ordipret.test" not in listed.text


async def test_the_menu_offers_administration_to_managers_and_my_account_to_everyone(signed_in):
    manager = await (await signed_in("manager_24")).get("/mon-compte")
    assert 'href="/administration"' in manager.text and 'href="/mon-compte"' in manager.text
    staff = await (await signed_in("it_a")).get("/mon-compte")
    assert 'href="/administration"' not in staff.text and 'href="/mon-compte"' in staff.text


async def test_a_manager_creates_an_it_staff_account_and_reads_its_password_once(signed_in, world):
    client = await signed_in("manager_24")
    data = {"email": "ref@lycee-a.fr", "display_name": "Camille Ref", "role": "it_staff",
            "establishments": UAI_A}  # fmt: skip
    response = await _post(
        client, "/administration/comptes", data, "/administration/comptes/nouveau"
    )
    assert response.status_code == 201, response.text
    password = TEMPORARY.search(response.text).group(1)
    account_id = (
        await Account.select(Account.id).where(Account.email == "ref@lycee-a.fr").first()
    )["id"]
    again = await client.get(f"/administration/comptes/{account_id}")
    assert password not in again.text
    assert "Compte créé" in again.text  # its history


async def test_a_create_form_with_errors_is_shown_again_in_french(signed_in):
    client = await signed_in("manager_24")
    data = {"email": "", "display_name": "Camille", "role": "it_staff", "establishments": UAI_C}
    response = await _post(
        client, "/administration/comptes", data, "/administration/comptes/nouveau"
    )
    assert response.status_code == 422 and is_french_html(response)
    assert "Indiquez l&#39;adresse électronique" in response.text
    response = await _post(
        client,
        "/administration/comptes",
        {**data, "email": "c@lycee.fr"},
        "/administration/comptes/nouveau",
    )
    assert response.status_code == 422
    assert (
        'id="establishments-error"' in response.text and "hors de votre périmètre" in response.text
    )
    assert not await Account.exists().where(Account.email == "c@lycee.fr")


async def test_a_form_without_its_csrf_token_is_refused(signed_in, world):
    client = await signed_in("manager_24")
    account = world.account_ids["it_a"]
    response = await client.post(f"/administration/comptes/{account}/desactivation")
    assert response.status_code == 403
    assert (await Account.select(Account.active).where(Account.id == account).first())["active"]


async def test_a_manager_deactivates_then_reactivates_an_account(signed_in, world):
    client = await signed_in("manager_24")
    url = f"/administration/comptes/{world.account_ids['it_a']}"
    response = await _post(client, url + "/desactivation", {}, url)
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Compte désactivé" in page.text and "Réactiver le compte" in page.text
    response = await _post(client, url + "/reactivation", {}, url)
    assert response.status_code == 303


async def test_a_manager_changes_a_role_and_the_history_shows_before_and_after(signed_in, world):
    client = await signed_in("manager_24")
    url = f"/administration/comptes/{world.account_ids['it_a']}"
    data = {"display_name": "it_a", "role": "head", "establishments": UAI_A}
    response = await _post(client, url, data)
    assert response.status_code == 303, response.text
    page = await client.get(url)
    assert "rôle : référent numérique d&#39;établissement → chef d&#39;établissement" in page.text


async def test_a_reset_password_is_shown_on_the_page(signed_in, world):
    client = await signed_in("admin")
    url = f"/administration/comptes/{world.account_ids['manager_44']}"
    response = await _post(client, url + "/mot-de-passe", {}, url)
    assert response.status_code == 200
    assert TEMPORARY.search(response.text)


async def test_anyone_creates_and_revokes_a_token_of_their_own(signed_in, world):
    client = await signed_in("head_a")
    response = await _post(client, "/mon-compte/jetons", {"name": "tableur"}, "/mon-compte")
    assert response.status_code == 201
    token = TEMPORARY.search(response.text).group(1)
    assert token.startswith("odp_")
    assert token not in (await client.get("/mon-compte")).text
    row = await ApiToken.select(ApiToken.id).where(ApiToken.name == "tableur").first()
    response = await _post(client, f"/mon-compte/jetons/{row['id']}/revocation", {}, "/mon-compte")
    assert response.status_code == 303
    assert "révoqué le" in (await client.get("/mon-compte")).text


async def test_a_token_without_a_name_is_refused_in_french(signed_in):
    client = await signed_in("it_a")
    response = await _post(client, "/mon-compte/jetons", {"name": "  "}, "/mon-compte")
    assert response.status_code == 422
    assert 'id="name-error"' in response.text and "Donnez un nom au jeton" in response.text


async def test_nobody_revokes_the_token_of_someone_else(signed_in, world):
    client = await signed_in("it_b")
    mine = (
        await ApiToken.select(ApiToken.id)
        .where(ApiToken.account == world.account_ids["it_a"])
        .first()
    )
    response = await _post(client, f"/mon-compte/jetons/{mine['id']}/revocation", {}, "/mon-compte")
    assert response.status_code == 404


async def test_a_weak_new_password_is_refused_next_to_its_field(signed_in):
    client = await signed_in("it_a")
    data = {"current": "mot-de-passe-de-test", "new": "azertyuiop", "confirmation": "azertyuiop"}
    response = await _post(client, "/mon-compte/mot-de-passe", data, "/mon-compte")
    assert response.status_code == 422
    assert 'id="new-error"' in response.text


async def test_the_account_list_is_paginated_with_the_search_kept(signed_in, world, monkeypatch):
    from api.pages import staff_accounts

    monkeypatch.setattr(staff_accounts, "PER_PAGE", 2)
    client = await signed_in("admin")
    first = await client.get("/administration/comptes?q=it_")
    following = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert following and "q=it_" in following.group(1) and "curseur=" in following.group(1)
    second = await client.get(html.unescape(following.group(1)))
    assert "3 à 3 sur 3" in second.text and 'rel="prev"' in second.text
    bad = await client.get("/administration/comptes?curseur=zero")
    assert bad.status_code == 400 and "curseur" in bad.text


async def test_a_manager_never_sees_the_platform_admin_in_the_list(signed_in, world):
    listed = await (await signed_in("manager_24")).get("/administration/comptes")
    assert "admin@ordipret.test" not in listed.text
    assert "manager_44@ordipret.test" not in listed.text
    assert "it_b@ordipret.test" in listed.text
