"""A form filled when the session ends is not lost: after signing in again, the person is back
on the form with what they typed, told to check it before sending."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from inventory import assets
from tests.browser.conftest import LiveServer, log_in, serious_violations
from tests.factories import PLATFORM, UAI_A, World, make_asset

pytestmark = pytest.mark.browser


def test_a_form_sent_after_the_session_ended_comes_back_filled_after_signing_in(
    page: Page, live_server: LiveServer, world: World
):
    live_server.run(make_asset("A-0001", UAI_A, world.model_id))
    log_in(page, "it_a")
    page.goto("/scan?code=A-0001")
    page.get_by_role("link", name="Déclarer une perte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclarer une perte")
    page.get_by_label("Circonstances").fill("Oublié en salle B12 après le cours de SVT")
    # The session ends while the form is open (expired, or the cookie is gone).
    cookies = page.context.cookies()
    page.context.clear_cookies()
    page.context.add_cookies([c for c in cookies if c["name"] != "ordipret_session"])
    page.get_by_role("button", name="Déclarer une perte").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    expect(page.get_by_role("status")).to_contain_text(
        "Votre session a pris fin avant l'envoi du formulaire."
    )
    assert serious_violations(page) == []
    page.get_by_label("Adresse électronique").fill("it_a@ordipret.test")
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()

    assert page.url.endswith("/appareils/A-0001/perte")
    expect(page.get_by_label("Circonstances")).to_have_value(
        "Oublié en salle B12 après le cours de SVT"
    )
    expect(page.locator(".notice")).to_contain_text("ce que vous aviez saisi est repris")
    assert live_server.run(assets.get_asset(PLATFORM, "A-0001")).state == "in_stock"
    page.get_by_role("button", name="Déclarer une perte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Appareil A-0001")
    assert live_server.run(assets.get_asset(PLATFORM, "A-0001")).state == "lost"
    assert serious_violations(page) == []


def test_it_staff_land_on_the_scanner_and_heads_on_their_figures(
    page: Page, live_server: LiveServer, world: World
):
    log_in(page, "it_a", suivant=None)
    expect(page.get_by_role("heading", level=1)).to_have_text("Scanner un appareil")
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, "head_a", suivant=None)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tableau de bord")
