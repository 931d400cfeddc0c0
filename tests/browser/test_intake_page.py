"""Receiving a delivery in a real browser, scanned the way a keyboard-wedge scanner types:
the label's URL then Enter, the serial then Enter; twice, then the last pair undone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from inventory.tables import Asset
from labels.assignment import create_blank_codes
from tests.browser.conftest import LiveServer, log_in
from tests.browser.test_dashboard import serious_violations
from tests.browser.test_stocktake_page import PHONE, wedge
from tests.factories import NOW, PLATFORM, UAI_A, World

pytestmark = pytest.mark.browser


def tags(live_server: LiveServer) -> set[str]:
    async def read() -> set[str]:
        return {row["tag"] for row in await Asset.select(Asset.tag)}

    return live_server.run(read())


def test_a_delivery_received_by_scanning_with_the_last_pair_undone(
    page: Page, world: World, live_server: LiveServer
):
    first, second = live_server.run(create_blank_codes(PLATFORM, world.region_ids["24"], 2, NOW))
    page.set_viewport_size(PHONE)
    log_in(page, "it_a")
    page.goto("/scan")
    page.get_by_text("Menu", exact=True).click()  # folded on a phone
    page.get_by_role("link", name="Arrivages").click()
    page.get_by_label("Modèle").select_option(str(world.model_id))
    page.get_by_label("Établissement").select_option(UAI_A)
    with page.expect_navigation():
        page.get_by_role("button", name="Commencer la réception").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"Arrivage n° \d+ – Lycée A")
    )

    for code, serial in ((first, "PF3ABC01"), (second, "PF3ABC02")):
        expect(page.get_by_label("1. Étiquette vierge")).to_be_focused()
        wedge(page, f"{live_server.url}/A/{code}".upper())
        expect(page.get_by_label("2. Numéro de série")).to_be_focused()
        expect(page.get_by_role("alert")).to_have_count(0)  # moved there, not sent half-filled
        with page.expect_navigation():
            wedge(page, serial)
        expect(page.get_by_role("status").first).to_contain_text("Appareil enregistré")

    rows = page.locator(".intake-received tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#recus-compte")).to_have_text("2")

    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Annuler la dernière réception")).click()

    expect(page.locator("#recus-compte")).to_have_text("1")
    expect(page.locator(".intake-received tbody tr:not(.intake-undone)")).to_have_count(1)
    expect(page.locator(".intake-undone")).to_contain_text(f"24-{second}")
    assert tags(live_server) == {f"24-{first}"}
    assert serious_violations(page) == []


def test_the_intake_forms_pass_axe_core(page: Page, world: World):
    log_in(page, "manager_24")
    for path, title in (
        ("/arrivages", "Arrivages"),
        ("/arrivages/appareil", "Ajouter un appareil"),
        ("/arrivages/import", "Importer des appareils"),
        ("/arrivages/etiquettes", "Imprimer des étiquettes vierges"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        assert serious_violations(page) == [], path
    page.goto("/arrivages/appareil")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer l'appareil").click()
    expect(page.get_by_role("alert")).to_contain_text("L'appareil n'a pas été enregistré")
    assert serious_violations(page) == []
