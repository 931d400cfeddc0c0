"""A stocktake of one location in a real browser: "Chariot 1" expects only the devices kept on
that cart, not the whole school. The close button's error shows where the user is. Devices
are moved between locations by scanning them, as a keyboard-wedge scanner types."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, log_in
from tests.browser.test_dashboard import serious_violations
from tests.factories import UAI_A, World, make_asset, make_location

pytestmark = pytest.mark.browser

SCHOOL_DEVICES = 12  # kept elsewhere in the school: never expected on the cart


@pytest.fixture
def school(live_server: LiveServer, world: World) -> World:
    """Lycée A: C-1, C-2, C-3 on Chariot 1, S-1 in Salle 204, and 12 devices not put away."""

    async def seed() -> None:
        for tag in ("C-1", "C-2", "C-3", "S-1"):
            await make_asset(tag, UAI_A, world.model_id)
        for n in range(SCHOOL_DEVICES):
            await make_asset(f"E-{n:02d}", UAI_A, world.model_id)
        await make_location(UAI_A, "Chariot 1", "cart", "C-1", "C-2", "C-3")
        await make_location(UAI_A, "Salle 204", "room", "S-1")

    live_server.run(seed())
    return world


def wedge(page: Page, code: str) -> None:
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def test_a_stocktake_of_chariot_1_misses_only_the_devices_of_that_cart(page: Page, school):
    log_in(page, "it_a")
    page.goto("/inventaires")
    page.get_by_label("Établissement").select_option(UAI_A)
    page.get_by_label("Emplacement").select_option(label="Chariot 1 (3 appareils)")
    with page.expect_navigation():
        page.get_by_role("button", name="Ouvrir l'inventaire").click()
    expect(page.locator(".lead")).to_contain_text("Chariot 1")
    expect(page.locator('#compteurs [data-count="expected"]')).to_have_text("3")

    expect(page.get_by_label("Code scanné")).to_be_focused()
    wedge(page, "C-2")
    expect(page.locator("#dernier-scan")).to_contain_text("C-2 trouvé.")

    # Closing without the tick: the answer opens at the close form, the error beside the
    # button and at the top, the focus on the box to tick (not on the scan field far above).
    with page.expect_navigation():
        page.get_by_role("button", name="Clore l'inventaire").click()
    error = page.locator("#confirm-close-error")
    expect(error).to_have_text("Cochez la case pour confirmer la clôture.")
    expect(error).to_be_in_viewport()
    box = page.get_by_label(re.compile("Je confirme la clôture"))
    expect(box).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("L'inventaire n'a pas été clos")
    assert serious_violations(page) == []

    page.keyboard.press("Space")  # the focus is on the box: a key ticks it
    expect(box).to_be_checked()
    with page.expect_navigation():
        page.get_by_role("button", name="Clore l'inventaire").click()
    expect(page.get_by_role("status")).to_contain_text("Inventaire clos.")
    missing = page.locator('[data-table="missing"] tbody th')
    expect(missing).to_have_text(["C-1", "C-3"])  # not the school's other 13 devices
    expect(page.locator('[data-table="found"] tbody th')).to_have_text(["C-2"])
    page.screenshot(path="/tmp/location-stocktake-closed.png", full_page=True)
    assert serious_violations(page) == []


def test_devices_are_moved_to_a_location_by_scanning_them_one_after_another(page: Page, school):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "it_a")
    page.goto(f"/etablissements/{UAI_A}/emplacements")
    with page.expect_navigation():
        page.get_by_role("link", name="Ranger des appareils ici (Salle 204)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ranger des appareils dans « Salle 204 »"
    )
    field = page.get_by_label("Appareil à ranger dans « Salle 204 »")
    expect(field).to_be_focused()
    page.keyboard.type("E-01\nc-1\n", delay=2)  # two scans, faster than the server answers
    status = page.locator("#move-status")
    expect(status).to_have_text("C-1 rangé dans « Salle 204 » (venait de « Chariot 1 »).")
    expect(page.locator("#moves tbody th")).to_have_text(["C-1", "E-01", "S-1"])
    expect(page.locator("#moves-count")).to_have_text("3")
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    wedge(page, "NOPE-9")
    expect(status).to_contain_text("« NOPE-9 » : Aucun appareil ne correspond")
    page.reload()  # what the server recorded: the same running list
    expect(page.locator("#moves tbody th")).to_have_text(["C-1", "E-01", "S-1"])
    page.set_viewport_size({"width": 390, "height": 844})
    assert serious_violations(page) == []
    assert errors == []


def test_without_javascript_a_refused_close_still_lands_on_its_error(
    browser, live_server: LiveServer, school
):
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, "it_a")
        page.goto("/inventaires")
        page.get_by_label("Établissement").select_option(UAI_A)
        with page.expect_navigation():
            page.get_by_role("button", name="Ouvrir l'inventaire").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Clore l'inventaire").click()
        expect(page.get_by_label(re.compile("Je confirme la clôture"))).to_be_focused()
        expect(page.locator("#confirm-close-error")).to_be_in_viewport()
    finally:
        context.close()
