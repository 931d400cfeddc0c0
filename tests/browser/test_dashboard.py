"""The dashboard in Chromium: axe-core finds no serious or critical violation, the page fits
a phone's width, the charts are drawn, and the form and drill-down work by keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, log_in, serious_violations
from tests.browser.test_asset_pages import PHONE, SCREENSHOTS, page_overflows
from tests.factories import World
from tests.loans.reports_world import make_report_world

pytestmark = pytest.mark.browser
__all__ = ["serious_violations"]  # other modules import it from here (it lives in conftest)

PERIOD = "/tableau-de-bord?du=05/07/2026&au=04/07/2027"


@pytest.fixture
def region(live_server: LiveServer, world: World) -> World:
    live_server.run(make_report_world(world))
    return world


def test_the_region_dashboard_passes_axe_core(page: Page, region: World):
    log_in(page, "manager_24")
    page.goto(PERIOD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    assert serious_violations(page) == []


def test_the_platform_dashboard_and_a_form_error_pass_axe_core(page: Page, region: World):
    log_in(page, "admin")
    page.goto(PERIOD)
    expect(page.get_by_role("table", name=re.compile("Chiffres clés par région"))).to_be_visible()
    assert serious_violations(page) == []
    page.goto("/tableau-de-bord?du=31/02/2027")
    expect(page.get_by_role("alert")).to_contain_text("Date invalide")
    assert serious_violations(page) == []


def test_an_establishment_dashboard_passes_axe_core_and_fits_a_phone(page: Page, region: World):
    log_in(page, "manager_24")
    page.set_viewport_size(PHONE)
    page.goto(PERIOD)
    assert not page_overflows(page)
    page.screenshot(path=f"{SCREENSHOTS}/ordipret-tableau-de-bord-telephone.png", full_page=True)
    page.get_by_role("link", name="Lycée A").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord – Lycée A")
    assert not page_overflows(page)
    assert serious_violations(page) == []


def test_the_charts_are_drawn_as_images_named_by_their_title(page: Page, region: World):
    log_in(page, "manager_24")
    page.goto(PERIOD)
    chart = page.get_by_role("img", name="Appareils par état", exact=True)
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    bars = page.locator("#figure-parc-etats svg rect")
    assert bars.count() >= 6


def test_the_period_form_works_by_keyboard(page: Page, region: World):
    log_in(page, "it_a")
    page.goto("/tableau-de-bord")
    page.get_by_label("Du", exact=True).fill("01/09/2026")
    page.get_by_label("Au (inclus)", exact=True).fill("31/10/2026")
    page.get_by_label("Au (inclus)", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(r"du=01%2F09%2F2026&au=31%2F10%2F2026"))
    months = page.locator("table[data-figure=activite-mois] tbody th")
    expect(months).to_have_text(["sept. 26", "oct. 26"])


def test_the_dashboard_works_without_javascript(browser: Browser, live_server: LiveServer, region):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        tab = context.new_page()
        log_in(tab, "manager_24")
        tab.goto("/tableau-de-bord")
        tab.get_by_label("Établissement", exact=True).select_option(label="Lycée B (Tours)")
        tab.get_by_role("button", name="Afficher").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Tableau de bord – Lycée B")
        expect(tab.get_by_role("img", name="Appareils par état", exact=True)).to_be_visible()
    finally:
        context.close()
