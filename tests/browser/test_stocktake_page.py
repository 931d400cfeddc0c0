"""The stocktake page in a real browser, scanned the way a keyboard-wedge scanner types:
characters then Enter, fast. Counts update live; closing and declaring lost need a tick."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from inventory.tables import Asset
from tests.browser.conftest import LiveServer, log_in
from tests.factories import UAI_A, UAI_B, World, make_asset, make_location

pytestmark = pytest.mark.browser

SCREENSHOTS = "/tmp"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def shelf(live_server: LiveServer, world: World) -> World:
    """Lycée A holds A-1, A-2 and A-3 on its Chariot 1; B-1 belongs to lycée B."""

    async def seed() -> None:
        for tag in ("A-1", "A-2", "A-3"):
            await make_asset(tag, UAI_A, world.model_id)
        await make_location(UAI_A, "Chariot 1", "cart", "A-1", "A-2", "A-3")
        await make_asset("B-1", UAI_B, world.model_id)

    live_server.run(seed())
    return world


def wedge(page: Page, code: str) -> None:
    """What a USB scanner in keyboard mode does: type the code quickly, then press Enter."""
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def count(page: Page, key: str):
    return page.locator(f'#compteurs [data-count="{key}"]')


def listed(page: Page, key: str):
    return page.locator(f'[data-table="{key}"] tbody th')


def open_stocktake(page: Page, location: str = "Chariot 1") -> None:
    page.goto("/inventaires")
    page.get_by_label("Établissement").select_option(UAI_A)
    choice = page.locator("#location option", has_text=location)
    page.get_by_label("Emplacement").select_option(choice.get_attribute("value") or "")
    with page.expect_navigation():
        page.get_by_role("button", name="Ouvrir l'inventaire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"Inventaire n° \d+ – Lycée A")
    )


def states(live_server: LiveServer) -> dict[str, str]:
    async def read() -> dict[str, str]:
        return {r["tag"]: r["state"] for r in await Asset.select(Asset.tag, Asset.state)}

    return live_server.run(read())


def test_a_stocktake_from_opening_to_declaring_the_missing_devices_lost(
    page: Page, shelf: World, live_server: LiveServer
):
    log_in(page, "it_ab")  # staff of both schools: B-1 is theirs to recognise
    open_stocktake(page)
    field = page.get_by_label("Code scanné")
    expect(field).to_be_focused()  # the scanner can type at once
    expect(count(page, "expected")).to_have_text("3")
    expect(count(page, "missing")).to_have_text("3")

    live = page.locator("#compteurs")
    expect(live).to_have_attribute("aria-live", "polite")
    wedge(page, "A-1")
    expect(page.locator("#dernier-scan")).to_contain_text("A-1 trouvé.")
    expect(count(page, "found")).to_have_text("1")
    expect(count(page, "missing")).to_have_text("2")
    expect(field).to_be_focused()
    expect(field).to_have_value("")

    wedge(page, "a-1")  # the same device again
    expect(page.locator("#dernier-scan")).to_contain_text("A-1 déjà scanné")
    expect(count(page, "found")).to_have_text("1")

    wedge(page, "B-1")  # a device of lycée B
    expect(page.locator("#dernier-scan")).to_contain_text("appartient à Lycée B")
    expect(count(page, "unexpected")).to_have_text("1")
    expect(count(page, "missing")).to_have_text("2")
    expect(listed(page, "found")).to_have_text(["A-1"])
    expect(listed(page, "missing")).to_have_text(["A-2", "A-3"])
    expect(listed(page, "unexpected")).to_have_text(["B-1"])
    expect(page.locator('[data-table="unexpected"]')).to_contain_text("Lycée B")
    expect(page.locator('[data-list-count="missing"]')).to_have_text("2")
    expect(page.locator('.stocktake-confirm [data-count="missing"]')).to_have_text("2")
    page.screenshot(path=f"{SCREENSHOTS}/stocktake-scans.png", full_page=True)

    # Nothing changed on the server but the scans: a reload shows the same.
    page.reload()
    expect(count(page, "found")).to_have_text("1")
    expect(listed(page, "unexpected")).to_have_text(["B-1"])

    close = page.get_by_role("button", name="Clore l'inventaire")
    with page.expect_navigation():
        close.click()  # not confirmed
    expect(page.locator("#confirm-close-error")).to_have_text(
        "Cochez la case pour confirmer la clôture."
    )
    page.get_by_label(re.compile("Je confirme la clôture")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Clore l'inventaire").click()
    expect(page.get_by_role("status")).to_contain_text("Inventaire clos.")
    expect(page.get_by_label("Code scanné")).to_have_count(0)
    expect(page.get_by_role("link", name="Télécharger le rapport (PDF)")).to_be_visible()

    declare = page.get_by_role("button", name="Déclarer perdus les 2 appareils manquants")
    with page.expect_navigation():
        declare.click()  # not confirmed
    expect(page.locator("#confirm-lost-error")).to_be_visible()
    assert states(live_server)["A-2"] == "in_stock"
    page.get_by_label(re.compile("ces 2 appareils sont introuvables")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Déclarer perdus les 2 appareils manquants").click()
    expect(page.get_by_role("status")).to_contain_text("2 appareils déclarés perdus : A-2, A-3.")
    expect(page.locator('[data-table="missing"]')).to_contain_text("perdu")
    page.screenshot(path=f"{SCREENSHOTS}/stocktake-closed.png", full_page=True)
    assert states(live_server) == {
        "A-1": "in_stock",
        "A-2": "lost",
        "A-3": "lost",
        "B-1": "in_stock",
    }


def test_scans_typed_faster_than_the_server_answers_all_count_in_order(page: Page, shelf: World):
    log_in(page, "it_a")
    open_stocktake(page)
    page.keyboard.type("A-3\nA-2\nNOPE-9\nA-3\n", delay=2)
    expect(count(page, "found")).to_have_text("2")
    expect(page.locator("#dernier-scan")).to_contain_text("A-3 déjà scanné")
    expect(listed(page, "found")).to_have_text(["A-2", "A-3"])
    expect(listed(page, "unknown")).to_have_text(["NOPE-9"])


def test_a_keystroke_with_nothing_focused_goes_to_the_scan_field(page: Page, shelf: World):
    log_in(page, "it_a")
    open_stocktake(page)
    page.get_by_role("heading", level=1).click()  # the focus leaves the field
    page.evaluate("document.activeElement.blur()")
    wedge(page, "A-2")
    expect(count(page, "found")).to_have_text("1")


def test_an_empty_scan_is_told_next_to_the_field(page: Page, shelf: World):
    log_in(page, "it_a")
    open_stocktake(page)
    page.keyboard.press("Enter")
    expect(page.locator("#code-error")).to_have_text(
        "Code vide : scannez une étiquette ou saisissez un numéro."
    )
    expect(page.get_by_label("Code scanné")).to_have_attribute("aria-invalid", "true")


@pytest.fixture
def page_without_js(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_without_javascript_each_scan_is_a_form_that_comes_back_to_the_page(
    page_without_js: Page, shelf: World
):
    page = page_without_js
    log_in(page, "it_a")
    open_stocktake(page)
    for code, words in (("A-1", "A-1 trouvé."), ("A-1", "A-1 déjà scanné"), ("ZZZ", "inconnu")):
        page.get_by_label("Code scanné").fill(code)
        with page.expect_navigation():
            page.get_by_label("Code scanné").press("Enter")
        expect(page.locator("#dernier-scan")).to_contain_text(words)
    expect(count(page, "found")).to_have_text("1")
    expect(listed(page, "unknown")).to_have_text(["ZZZ"])
    page.reload()  # after the redirect, reloading does not scan again
    expect(count(page, "found")).to_have_text("1")
    expect(listed(page, "unknown")).to_have_text(["ZZZ"])


def test_a_head_of_school_follows_the_stocktake_without_a_scan_field(
    browser: Browser, page: Page, shelf: World, live_server: LiveServer
):
    log_in(page, "it_a")
    open_stocktake(page)
    address = page.url
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    head = context.new_page()
    log_in(head, "head_a")
    head.goto(address)
    expect(head.get_by_role("heading", level=1)).to_contain_text("Lycée A")
    expect(head.get_by_label("Code scanné")).to_have_count(0)
    expect(head.get_by_role("button", name="Clore l'inventaire")).to_have_count(0)
    head.goto("/inventaires")
    expect(head.get_by_role("button", name="Ouvrir l'inventaire")).to_have_count(0)
    context.close()


def test_on_a_phone_the_page_fits_the_screen(page: Page, shelf: World):
    page.set_viewport_size(PHONE)
    log_in(page, "it_ab")
    open_stocktake(page)
    wedge(page, "B-1")
    expect(count(page, "unexpected")).to_have_text("1")
    assert not page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth")
    page.screenshot(path=f"{SCREENSHOTS}/stocktake-phone.png", full_page=True)
