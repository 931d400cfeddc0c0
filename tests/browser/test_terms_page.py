"""The region's loan terms page in a real browser, on a phone: the region manager edits the
text in the textarea, publishes it, and finds the new version in the history."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.factories import World

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def page_overflows(page: Page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth")


def test_on_a_phone_the_manager_publishes_a_new_version_of_the_terms(page: Page, world: World):
    page.set_viewport_size(PHONE)
    log_in(page, "manager_24")
    page.goto("/etablissements")
    page.get_by_role("link", name="Conditions de prêt – Centre-Val de Loire").click()
    expect(page.get_by_role("heading", level=2, name="Conditions en vigueur : version 1"))
    assert not page_overflows(page)
    page.get_by_role("link", name="Publier une nouvelle version").click()
    field = page.get_by_label("Texte des conditions")
    field.fill("# Article 1\n\n-\n")
    page.get_by_role("button", name="Publier la nouvelle version").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("élément de liste vide (ligne 3)")
    summary.get_by_role("link").click()
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    field.fill("# Article 1\n\nLa Région prête le matériel.\n")
    page.get_by_role("button", name="Publier la nouvelle version").click()
    expect(page.get_by_role("status")).to_contain_text("Version 2 publiée")
    assert not page_overflows(page)
    page.screenshot(path="/tmp/ordipret-conditions-telephone.png", full_page=True)
    page.get_by_role("link", name="Version 1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("version 1")
    assert not page_overflows(page)
