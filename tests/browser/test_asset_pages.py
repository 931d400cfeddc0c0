"""The pages in a real browser: signing in, the asset list, one asset, keyboard and phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from inventory import assets
from tests.browser.conftest import LiveServer, log_in, serious_violations
from tests.factories import ACTOR, PLATFORM, UAI_A, UAI_B, World, make_asset

pytestmark = pytest.mark.browser

SCREENSHOTS = "/tmp"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def fleet(live_server: LiveServer, world: World) -> World:
    """Lycée A holds five devices in various states, lycée B two; A-0002 has a history."""

    async def seed() -> None:
        model = world.model_id
        await make_asset(
            "A-0001",
            UAI_A,
            model,
            acquired_on=dt.date(2026, 8, 20),
            warranty_end=dt.date(2029, 8, 20),
        )
        await make_asset(
            "A-0002", UAI_A, model, acquired_on=dt.date(2025, 9, 1), notes="Écran rayé"
        )
        await make_asset("A-0003", UAI_A, model, state="in_repair", condition="C")
        await make_asset("A-0004", UAI_A, model, state="stolen")
        await make_asset("A-0005", UAI_A, model, warranty_end=dt.date(2027, 1, 31))
        await make_asset("B-0001", UAI_B, model)
        await make_asset("B-0002", UAI_B, model)
        winter = dt.datetime(2026, 12, 3, 7, 5, tzinfo=dt.UTC)
        await assets.update_asset(
            PLATFORM, ACTOR, winter, "A-0002", {"state": "in_repair", "condition": "D"}
        )

    live_server.run(seed())
    return world


def listed_tags(page: Page) -> list[str]:
    return page.locator("table tbody th[scope=row] a").all_inner_texts()


def has_visible_focus(page: Page) -> bool:
    return page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
        }"""
    )


def tab_until(page: Page, selector: str, limit: int = 30) -> int:
    """Press Tab until the element matching `selector` has the focus; the number of presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"Tab n'atteint pas {selector}")


def page_overflows(page: Page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth")


def test_a_wrong_then_the_right_password(page: Page, fleet: World):
    log_in(page, "it_a", password="pas-le-bon")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Adresse électronique ou mot de passe incorrect.")
    expect(page).to_have_title(re.compile("^Erreur : Connexion"))
    expect(page.get_by_label("Adresse électronique")).to_have_value("it_a@ordipret.test")
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/appareils$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Appareils")
    expect(page.get_by_role("banner")).to_contain_text("référent numérique d'établissement")


def test_the_list_shows_only_the_devices_of_the_school(page: Page, fleet: World):
    log_in(page, "it_a")
    expect(page.locator("#nombre")).to_have_text("5 appareils")
    assert listed_tags(page) == ["A-0001", "A-0002", "A-0003", "A-0004", "A-0005"]
    expect(page.locator("table caption")).to_contain_text("triés par numéro d'inventaire")


def test_the_search_field_narrows_the_list(page: Page, fleet: World):
    log_in(page, "it_a")
    page.get_by_label("Rechercher").fill("a-0003")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#nombre")).to_have_text("1 appareil correspondant aux filtres")
    assert listed_tags(page) == ["A-0003"]
    expect(page.get_by_label("Rechercher")).to_have_value("a-0003")
    page.get_by_label("État").select_option(label="volé")
    page.get_by_label("Rechercher").fill("")
    page.get_by_role("button", name="Filtrer").click()
    # the list is read once the new page is there (read during the navigation, it was empty)
    expect(page).to_have_url(re.compile(r"state=stolen"))
    expect(page.locator("table tbody th[scope=row] a")).to_have_text(["A-0004"])


def test_the_asset_page_shows_its_history_with_french_dates(page: Page, fleet: World):
    log_in(page, "it_a")
    page.get_by_role("link", name="A-0002").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Appareil A-0002")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("01/09/2025")
    expect(facts).to_contain_text("Lycée A")
    expect(facts).to_contain_text("Écran rayé")
    history = page.locator("table.history tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("03/12/2026 08:05")
    expect(history.nth(0)).to_contain_text("modification")
    # "→" is shown; screen readers read "devient" instead (visually hidden text).
    changes = history.nth(0).get_by_role("listitem")
    expect(changes.nth(0)).to_have_text(re.compile(r"^état : en stock →\s*devient en réparation$"))
    expect(changes.nth(1)).to_have_text(
        re.compile(r"^état physique : A – comme neuf →.* D – endommagé$")
    )
    expect(history.nth(1)).to_contain_text("01/09/2026 10:00")
    expect(history.nth(1)).to_contain_text("création")
    expect(history.nth(1)).to_contain_text("Fabrique de test")


def test_the_keyboard_alone_reaches_the_search_and_submits_it(page: Page, fleet: World):
    log_in(page, "it_a")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Aller au contenu")
    assert has_visible_focus(page)
    tab_until(page, "#q")
    assert has_visible_focus(page)
    page.keyboard.type("A-0005")
    tab_until(page, ".filters button[type=submit]")
    expect(page.locator(":focus")).to_have_text("Filtrer")
    assert has_visible_focus(page)
    page.keyboard.press("Enter")
    expect(page.locator("#nombre")).to_contain_text("1 appareil")
    assert listed_tags(page) == ["A-0005"]


def test_the_skip_link_moves_the_focus_to_the_content(page: Page, fleet: World):
    log_in(page, "it_a")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"


def test_on_a_phone_the_pages_fit_the_screen(page: Page, fleet: World):
    page.set_viewport_size(PHONE)
    log_in(page, "it_a")
    expect(page.locator("#nombre")).to_have_text("5 appareils")
    assert not page_overflows(page)
    # Rows become cards: each value is preceded by its column name.
    assert page.locator("tbody td").first.evaluate("td => getComputedStyle(td).display") == "block"
    page.screenshot(path=f"{SCREENSHOTS}/ordipret-appareils-telephone.png", full_page=True)
    page.get_by_role("link", name="A-0002").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Appareil A-0002")
    assert not page_overflows(page)
    page.screenshot(path=f"{SCREENSHOTS}/ordipret-appareil-telephone.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/appareils")
    assert not page_overflows(page)


def test_on_a_desktop_the_list_is_a_table(page: Page, fleet: World):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "manager_24")
    expect(page.locator("#nombre")).to_have_text("7 appareils")
    assert not page_overflows(page)
    page.screenshot(path=f"{SCREENSHOTS}/ordipret-appareils-bureau.png", full_page=True)
    page.goto("/appareils/A-0002")
    page.screenshot(path=f"{SCREENSHOTS}/ordipret-appareil-bureau.png", full_page=True)
    page.get_by_role("link", name="Lycée A").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lycée A")
    expect(page.locator("table.counts tfoot")).to_contain_text("5")
    page.screenshot(path=f"{SCREENSHOTS}/ordipret-etablissement-bureau.png", full_page=True)


def test_signing_out_returns_to_the_login_page(page: Page, fleet: World):
    log_in(page, "it_a")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/connexion\?deconnexion=1$"))
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté")
    page.goto("/appareils/A-0001")
    expect(page).to_have_url(re.compile(r"/connexion\?suivant=/appareils/A-0001$"))
    page.get_by_label("Adresse électronique").fill("it_a@ordipret.test")
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Appareil A-0001")


def test_the_pages_of_a_long_list_are_reached_by_keyboard_and_keep_the_filters(
    page: Page, live_server: LiveServer, world: World
):
    async def seed() -> None:
        for number in range(1, 56):
            await make_asset(f"L-{number:04d}", UAI_A, world.model_id)

    live_server.run(seed())
    log_in(page, "it_a", suivant="/appareils?q=L-")
    expect(page.locator("caption")).to_contain_text("1 à 50 sur 55")
    navigation = page.get_by_role("navigation", name="Pagination")
    expect(navigation.get_by_role("link", name="Page précédente")).to_have_count(0)
    tab_until(page, "a[rel=next]", limit=120)
    assert has_visible_focus(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert listed_tags(page) == [f"L-{n:04d}" for n in range(51, 56)]
    expect(page.locator("caption")).to_contain_text("51 à 55 sur 55")
    assert page.get_by_label("Rechercher").input_value() == "L-"
    assert not serious_violations(page)
    with page.expect_navigation():
        navigation.get_by_role("link", name="Page précédente").click()
    assert len(listed_tags(page)) == 50 and listed_tags(page)[0] == "L-0001"
