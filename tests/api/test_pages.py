"""The HTML pages, driven through httpx without a browser: status codes, French text,
scoping by persona, CSRF on forms."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from api.app import create_app
from inventory import assets
from tests import database
from tests.conftest import client_for, running, with_changes
from tests.factories import ACTOR, NOW, PASSWORD, UAI_A, UAI_B, UAI_C, make_asset
from tests.factories import PLATFORM as PLATFORM_SCOPE

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token in the form"
    return match.group(1)


async def log_in(client: httpx.AsyncClient, persona: str, password: str = PASSWORD, **extra):
    form = await client.get("/connexion")
    data = {
        "email": f"{persona}@ordipret.test",
        "password": password,
        "_csrf_token": csrf_token(form.text),
        **extra,
    }
    return await client.post("/connexion", data=data)


def is_french_html(response: httpx.Response) -> bool:
    return response.headers["content-type"].startswith("text/html") and '<html lang="fr">' in (
        response.text
    )


def text_of(html: str) -> str:
    """What a person reads: the page without its tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def tags_listed(html: str) -> set[str]:
    return set(re.findall(r'<a href="/appareils/([^"]+)">', html))


# Signing in and out


async def test_the_login_page_carries_a_csrf_token_matching_its_cookie(client):
    response = await client.get("/connexion")
    assert response.status_code == 200
    assert is_french_html(response)
    assert "Connexion" in response.text
    assert csrf_token(response.text) == response.cookies["ordipret_csrf"]
    assert '<label for="email">' in response.text and '<label for="password">' in response.text


async def test_a_login_form_without_the_csrf_token_is_refused(client, world):
    await client.get("/connexion")
    response = await client.post(
        "/connexion", data={"email": "it_a@ordipret.test", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert is_french_html(response)
    assert "Accès refusé" in response.text
    assert (await client.get("/appareils")).status_code == 303  # still signed out


async def test_a_wrong_password_shows_the_form_again_with_a_french_alert(client, world):
    response = await log_in(client, "it_a", password="pas-le-bon")
    assert response.status_code == 401
    assert 'role="alert"' in response.text
    assert "Adresse électronique ou mot de passe incorrect." in response.text
    assert 'value="it_a@ordipret.test"' in response.text  # the email is kept, never the password
    assert "pas-le-bon" not in response.text


async def test_empty_fields_are_named_next_to_their_input(client, world):
    form = await client.get("/connexion")
    response = await client.post(
        "/connexion", data={"email": "", "password": "", "_csrf_token": csrf_token(form.text)}
    )
    assert response.status_code == 422
    assert "Indiquez votre adresse électronique." in response.text
    assert "Indiquez votre mot de passe." in response.text
    assert 'aria-invalid="true"' in response.text


async def test_signing_in_leads_it_staff_to_the_scanner(client, world):
    response = await log_in(client, "it_a")
    assert response.status_code == 303
    assert response.headers["location"] == "/scan"
    page = await client.get("/appareils")
    assert page.status_code == 200
    assert "it_a" in page.text and "référent numérique d&#39;établissement" in page.text


async def test_signing_in_returns_to_the_page_first_asked_for(client, world):
    response = await log_in(client, "it_a", suivant="/appareils?q=R24")
    assert response.headers["location"] == "/appareils?q=R24"


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "appareils"]
)
async def test_signing_in_never_leads_to_another_site(client, world, target):
    response = await log_in(client, "admin", suivant=target)
    assert response.headers["location"] == "/appareils"


async def test_signing_out_ends_the_session(signed_in):
    client = await signed_in("it_a")
    page = await client.get("/appareils")
    response = await client.post("/deconnexion", data={"_csrf_token": csrf_token(page.text)})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/connexion")
    assert (await client.get("/appareils")).status_code == 303


async def test_signing_out_needs_the_csrf_token(signed_in):
    client = await signed_in("it_a")
    response = await client.post("/deconnexion")
    assert response.status_code == 403
    assert (await client.get("/appareils")).status_code == 200


async def test_too_many_login_attempts_get_a_french_page(settings):
    strict = create_app(with_changes(settings, login_rate_limit_per_minute=2))
    async with running(strict), client_for(strict) as client:
        from inventory.tables import Region

        await database.truncate_all(Region._meta.db)
        for _ in range(2):
            assert (await log_in(client, "it_a", password="pas-le-bon")).status_code == 401
        throttled = await log_in(client, "it_a")
    assert throttled.status_code == 429
    assert is_french_html(throttled)
    assert "Trop de tentatives" in throttled.text


# Redirections and errors


async def test_an_anonymous_visit_is_sent_to_the_login_page_and_remembers_where_to(client):
    response = await client.get("/appareils")
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?suivant=/appareils"


async def test_the_remembered_page_keeps_its_query(client):
    response = await client.get("/appareils?q=R24&state=lost")
    location = urlsplit(response.headers["location"])
    assert location.path == "/connexion"
    assert parse_qs(location.query)["suivant"] == ["/appareils?q=R24&state=lost"]


async def test_the_home_page_leads_to_where_each_role_starts(signed_in, client):
    assert (await client.get("/")).headers["location"] == "/connexion?suivant=/"
    assert (await (await signed_in("it_a")).get("/")).headers["location"] == "/scan"
    assert (await (await signed_in("head_a")).get("/")).headers["location"] == "/tableau-de-bord"
    manager = await signed_in("manager_24")
    assert (await manager.get("/")).headers["location"] == "/tableau-de-bord"
    assert (await (await signed_in("admin")).get("/")).headers["location"] == "/appareils"


async def test_an_unknown_address_gets_a_french_not_found_page(client):
    response = await client.get("/nulle-part")
    assert response.status_code == 404
    assert is_french_html(response)
    assert "Page introuvable" in response.text


async def test_pages_are_not_cached_and_forbid_inline_scripts(signed_in):
    client = await signed_in("it_a")
    response = await client.get("/appareils")
    assert response.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in response.headers["content-security-policy"]


# The asset list


async def test_it_staff_of_school_a_sees_only_school_a_assets(signed_in, world):
    await make_asset("A-0001", UAI_A, world.model_id)
    await make_asset("A-0002", UAI_A, world.model_id)
    await make_asset("B-0001", UAI_B, world.model_id)
    await make_asset("C-0001", UAI_C, world.model_id)
    response = await (await signed_in("it_a")).get("/appareils")
    assert response.status_code == 200
    assert tags_listed(response.text) == {"A-0001", "A-0002"}
    assert "2 appareils" in text_of(response.text)
    assert "Lycée B" not in response.text  # not even in the establishment filter


async def test_a_region_manager_sees_every_school_of_the_region(signed_in, world):
    await make_asset("A-0001", UAI_A, world.model_id)
    await make_asset("B-0001", UAI_B, world.model_id)
    await make_asset("C-0001", UAI_C, world.model_id)
    response = await (await signed_in("manager_24")).get("/appareils")
    assert tags_listed(response.text) == {"A-0001", "B-0001"}


async def test_filters_narrow_the_list_and_the_export_link_keeps_them(signed_in, world):
    await make_asset("A-0001", UAI_A, world.model_id)
    await make_asset("A-0002", UAI_A, world.model_id, state="in_repair")
    await make_asset("B-0001", UAI_B, world.model_id, state="in_repair")
    client = await signed_in("manager_24")
    response = await client.get("/appareils", params={"state": "in_repair", "q": "a-0"})
    assert tags_listed(response.text) == {"A-0002"}
    assert "1 appareil correspondant aux filtres" in text_of(response.text)
    assert 'href="/api/v1/assets/export.csv?q=a-0&amp;state=in_repair"' in response.text
    by_school = await client.get("/appareils", params={"establishment": UAI_B})
    assert tags_listed(by_school.text) == {"B-0001"}


async def test_an_unknown_state_gets_a_french_message_not_a_server_error(signed_in, world):
    client = await signed_in("it_a")
    response = await client.get("/appareils", params={"state": "envolé"})
    assert response.status_code == 422
    assert is_french_html(response)
    assert "État inconnu" in response.text


@pytest.mark.parametrize("path", ["/appareils", "/prets", "/eleves"])
async def test_a_bad_position_in_the_list_gets_the_french_bad_request_page(signed_in, world, path):
    client = await signed_in("it_a")
    # Not base64 JSON; a cursor of the sort by serial; far too long.
    for cursor in ("deux", "WyJzZXJpYWwiLFsiQSIsMV1d", "x" * 3000):
        response = await client.get(path, params={"curseur": cursor})
        assert response.status_code == 400
        assert is_french_html(response)
        assert "position dans la liste" in response.text


async def test_the_list_is_cut_in_pages_of_fifty_linked_by_their_positions(signed_in, world):
    for number in range(1, 53):
        await make_asset(f"A-{number:04d}", UAI_A, world.model_id)
    client = await signed_in("it_a")
    first = await client.get("/appareils?q=A-")
    assert len(tags_listed(first.text)) == 50
    assert "52 appareils" in text_of(first.text)
    assert "1 à 50 sur 52" in text_of(first.text)
    assert 'rel="prev"' not in first.text
    following = re.search(r'href="([^"]+)" rel="next"', first.text).group(1)
    assert following.startswith("/appareils?q=A-&amp;curseur=") and "rang=51" in following
    second = await client.get(html.unescape(following))
    assert tags_listed(second.text) == {"A-0051", "A-0052"}
    assert "51 à 52 sur 52" in text_of(second.text)
    assert 'rel="next"' not in second.text
    assert 'href="/appareils?q=A-">Première page' in second.text
    back = re.search(r'href="([^"]+)" rel="prev"', second.text).group(1)
    again = await client.get(html.unescape(back))
    assert len(tags_listed(again.text)) == 50 and "A-0001" in tags_listed(again.text)


async def test_the_list_can_be_sorted(signed_in, world):
    await make_asset("A-0001", UAI_A, world.model_id, acquired_on=dt.date(2024, 9, 1))
    await make_asset("A-0002", UAI_A, world.model_id, acquired_on=dt.date(2025, 9, 1))
    response = await (await signed_in("it_a")).get("/appareils?sort=-acquired_on")
    assert response.text.index("A-0002") < response.text.index("A-0001")


# One asset


async def test_the_asset_page_shows_its_facts_and_french_history(signed_in, world):
    await make_asset(
        "A-0001",
        UAI_A,
        world.model_id,
        acquired_on=dt.date(2026, 8, 20),
        warranty_end=dt.date(2029, 8, 20),
    )
    later = dt.datetime(2026, 12, 3, 7, 5, tzinfo=dt.UTC)
    await assets.update_asset(
        PLATFORM_SCOPE, ACTOR, later, "A-0001", {"state": "in_repair", "condition": "C"}
    )
    response = await (await signed_in("it_a")).get("/appareils/A-0001")
    assert response.status_code == 200
    text = response.text
    assert "Lenovo ThinkPad E14" in text and "ordinateur portable" in text
    assert "20/08/2026" in text and "20/08/2029" in text
    assert f'href="/etablissements/{UAI_A}"' in text
    assert "Centre-Val de Loire" in text
    assert "03/12/2026 08:05" in text  # winter: UTC+1
    assert "01/09/2026 10:00" in text  # summer: UTC+2
    assert "modification" in text and "création" in text
    assert re.search(r"état</span> : en stock <span aria-hidden=\"true\">→", text)
    assert "usé" in text


async def test_an_asset_of_another_school_is_a_french_not_found_page(signed_in, world):
    await make_asset("B-0001", UAI_B, world.model_id)
    response = await (await signed_in("it_a")).get("/appareils/B-0001")
    assert response.status_code == 404
    assert is_french_html(response)
    assert "Appareil B-0001 introuvable." in response.text


# Establishments


async def test_the_establishment_page_counts_its_assets_by_state(signed_in, world):
    await make_asset("A-0001", UAI_A, world.model_id)
    await make_asset("A-0002", UAI_A, world.model_id)
    await make_asset("A-0003", UAI_A, world.model_id, state="stolen")
    await make_asset("B-0001", UAI_B, world.model_id)
    response = await (await signed_in("it_a")).get(f"/etablissements/{UAI_A}")
    assert response.status_code == 200
    text = response.text
    assert "Lycée A" in text and "Orléans" in text and "numerique@lycee-a.fr" in text
    counts = dict(re.findall(r"(en stock|volé|perdu)</a>?</th>\s*<td class=\"num\">(\d+)", text))
    assert counts == {"en stock": "2", "volé": "1"}
    assert f'href="/appareils?establishment={UAI_A}"' in text


async def test_an_establishment_of_another_region_is_not_found(signed_in, world):
    response = await (await signed_in("it_a")).get(f"/etablissements/{UAI_C}")
    assert response.status_code == 404
    assert is_french_html(response)
    assert "introuvable" in response.text


async def test_the_establishment_list_shows_only_the_scope(signed_in, world):
    response = await (await signed_in("manager_24")).get("/etablissements")
    assert "Lycée A" in response.text and "Lycée B" in response.text
    assert "Lycée C" not in response.text


async def test_history_dates_follow_paris_time_in_summer():
    from api.pages.formatting import date_fr, datetime_fr

    assert datetime_fr(NOW) == "01/09/2026 10:00"
    assert date_fr(dt.date(2026, 1, 5)) == "05/01/2026"
    assert date_fr("2026-01-05") == "05/01/2026"
