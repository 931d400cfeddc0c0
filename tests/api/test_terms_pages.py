"""The region's loan terms page through httpx, as a browser without JavaScript would use it:
the terms rendered, the form for the region manager with its CSRF token, French errors next to
the field, the history with each version's page; school staff read it without the form."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from loans.default_terms import default_terms
from loans.tables import TermsVersion
from tests.api.test_loan_pages import read, submit
from tests.api.test_pages import is_french_html
from tests.factories import UAI_A

PAGE = "/regions/24/conditions"
PARIS = ZoneInfo("Europe/Paris")
EDITED = "# Article 1 — Objet\n\nLa Région prête le matériel.\n\n- un ordinateur\n- un chargeur\n"


@pytest.fixture
def browser(signed_in):
    """`await browser("manager_24")`: a client signed in with a session cookie."""
    return signed_in


def textarea(page: str) -> str:
    match = re.search(r'<textarea id="terms" name="terms"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no terms textarea"
    return match.group(1)


async def test_the_manager_sees_the_default_terms_rendered_and_a_form_holding_their_markup(
    browser,
):
    response = await (await browser("manager_24")).get(PAGE)
    assert response.status_code == 200 and is_french_html(response)
    text = read(response.text)
    assert "Conditions en vigueur : version 1" in text
    assert f"<h3>{default_terms()[0].text}</h3>" in response.text
    assert "<ul><li>" in response.text  # the lists are lists
    assert '<label for="terms">Texte des conditions</label>' in response.text
    assert textarea(response.text).startswith("# Article 1 — Objet\n\nLa présente convention")
    assert 'aria-describedby="terms-help"' in response.text
    assert "Publier la nouvelle version" in text
    assert "conditions par défaut d'ordipret" in text  # the history's one line


async def test_publishing_from_the_page_lists_the_new_version_with_its_author_and_date(browser):
    client = await browser("manager_24")
    response = await submit(client, PAGE, PAGE, {"terms": EDITED})
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}?publiee=2"
    shown = await client.get(response.headers["location"])
    text = read(shown.text)
    assert "Version 2 publiée" in text
    assert "Conditions en vigueur : version 2" in text
    assert "<h3>Article 1 — Objet</h3>" in shown.text
    assert "<li>un ordinateur</li>" in shown.text
    assert textarea(shown.text) == EDITED
    rows = re.findall(r'<a href="/regions/24/conditions/(\d+)">Version \d+</a>', shown.text)
    assert rows == ["2", "1"]
    stored = await TermsVersion.select().where(TermsVersion.version == 2).first()
    date = stored["created_at"].astimezone(PARIS)
    assert f"Version 2 (en vigueur) manager_24 {date:%d/%m/%Y}" in text


async def test_each_version_has_its_own_page(browser):
    client = await browser("manager_24")
    await submit(client, PAGE, PAGE, {"terms": EDITED})
    old = await client.get(f"{PAGE}/1")
    assert old.status_code == 200 and is_french_html(old)
    assert "Conditions de prêt, version 1" in read(old.text)
    assert "remplacée" in read(old.text)
    assert f"<h2>{default_terms()[0].text}</h2>" in old.text
    new = await client.get(f"{PAGE}/2")
    assert "en vigueur" in read(new.text) and "<h2>Article 1 — Objet</h2>" in new.text
    assert (await client.get(f"{PAGE}/3")).status_code == 404


async def test_a_markup_error_is_shown_next_to_the_field_with_the_text_kept(browser):
    client = await browser("manager_24")
    typed = "# Article 1\n\nUn paragraphe.\n\n-\n"
    response = await submit(client, PAGE, PAGE, {"terms": typed})
    assert response.status_code == 422
    assert response.text.count("élément de liste vide (ligne 5)") == 2  # summary and field
    assert '<a href="#terms">' in response.text  # the summary leads to the field
    assert 'aria-invalid="true"' in response.text
    assert 'aria-describedby="terms-help terms-error"' in response.text
    assert "<title>Erreur : " in response.text
    assert textarea(response.text) == typed.replace("\r\n", "\n")
    assert await TermsVersion.count() == 0


async def test_publishing_the_same_text_says_nothing_changed(browser):
    client = await browser("manager_24")
    current = textarea((await client.get(PAGE)).text)
    response = await submit(client, PAGE, PAGE, {"terms": current})
    assert response.status_code == 409
    assert "Aucune modification" in read(response.text)
    assert await TermsVersion.count() == 0


async def test_the_text_is_escaped_on_the_page(browser):
    client = await browser("manager_24")
    await submit(client, PAGE, PAGE, {"terms": "# <script>alert(1)</script>\n\nTexte & suite\n"})
    page = (await client.get(PAGE)).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize("persona", ["it_a", "it_b", "head_a"])
async def test_school_staff_read_the_terms_without_the_form(browser, persona):
    client = await browser(persona)
    response = await client.get(PAGE)
    assert response.status_code == 200
    assert "Conditions en vigueur" in read(response.text)
    assert "<textarea" not in response.text and "Publier" not in response.text


async def test_school_staff_cannot_publish_even_by_posting(browser):
    client = await browser("it_a")
    response = await submit(client, PAGE, PAGE, {"terms": EDITED})
    assert response.status_code == 403 and is_french_html(response)
    assert await TermsVersion.count() == 0


async def test_the_manager_of_another_region_finds_nothing(browser):
    client = await browser("manager_44")
    assert (await client.get(PAGE)).status_code == 404
    assert (await client.get(f"{PAGE}/1")).status_code == 404
    own = await client.get("/regions/44/conditions")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', own.text).group(1)
    response = await client.post(PAGE, data={"terms": EDITED, "_csrf_token": token})
    assert response.status_code == 404
    assert await TermsVersion.count() == 0


async def test_a_form_without_its_csrf_token_is_refused(browser):
    client = await browser("manager_24")
    await client.get(PAGE)
    response = await client.post(PAGE, data={"terms": EDITED})
    assert response.status_code == 403
    assert await TermsVersion.count() == 0


async def test_the_establishment_pages_link_to_the_regions_terms(browser):
    manager = await browser("manager_24")
    listing = await manager.get("/etablissements")
    assert '<a href="/regions/24/conditions">Conditions de prêt – Centre-Val de Loire</a>' in (
        listing.text
    )
    staff = await browser("it_a")
    detail = await staff.get(f"/etablissements/{UAI_A}")
    assert '<a href="/regions/24/conditions">conditions de prêt</a>' in detail.text
