"""Administration in Chromium: a region manager creates an IT staff account for a school of
the region, then revokes and creates API tokens on « Mon compte »; axe-core finds no serious
or critical violation on the pages met, at phone width too."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.browser.test_asset_pages import PHONE, page_overflows
from tests.browser.test_dashboard import serious_violations
from tests.factories import World

pytestmark = pytest.mark.browser


def test_a_manager_creates_an_it_staff_account_then_manages_their_tokens(page: Page, world: World):
    log_in(page, "manager_24")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Administration"
    ).click()
    page.get_by_role("link", name="Comptes des personnels").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comptes des personnels")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Adresse électronique professionnelle").fill("camille.ref@lycee-a.fr")
    page.get_by_label("Prénom et nom").fill("Camille Ref")
    page.get_by_label("Rôle").select_option(label="référent numérique d'établissement")
    page.get_by_label(re.compile("Lycée A")).check()
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("status")).to_contain_text("Compte créé")
    temporary = page.locator("code.secret").inner_text()
    assert len(temporary) >= 10
    expect(page.get_by_role("heading", level=1)).to_have_text("Camille Ref")
    assert serious_violations(page) == []

    page.get_by_role("link", name="Mon compte").click()
    page.get_by_role("button", name="Révoquer le jeton tests").click()
    expect(page.get_by_role("status")).to_contain_text("Jeton révoqué")
    page.get_by_label("Nom du jeton").fill("script inventaire")
    page.get_by_role("button", name="Créer le jeton").click()
    expect(page.get_by_role("status")).to_contain_text("Jeton « script inventaire » créé")
    assert page.locator("code.secret").inner_text().startswith("odp_")
    assert serious_violations(page) == []
    page.set_viewport_size(PHONE)
    page.goto("/mon-compte")
    assert not page_overflows(page)
    assert serious_violations(page) == []


def test_the_new_account_signs_in_with_its_temporary_password(page: Page, world: World):
    log_in(page, "admin")
    page.goto("/administration/comptes/nouveau")
    page.get_by_label("Adresse électronique professionnelle").fill("dominique@lycee-a.fr")
    page.get_by_label("Prénom et nom").fill("Dominique Chef")
    page.get_by_label("Rôle").select_option(label="chef d'établissement")
    page.get_by_label(re.compile("Lycée A")).check()
    page.get_by_role("button", name="Créer le compte").click()
    temporary = page.locator("code.secret").inner_text()
    page.context.clear_cookies()
    page.goto("/connexion")
    page.get_by_label("Adresse électronique").fill("dominique@lycee-a.fr")
    page.get_by_label("Mot de passe").fill(temporary)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator(".account-name")).to_have_text("Dominique Chef")


ADMIN_PAGES = (
    ("/administration", "Administration"),
    ("/administration/comptes", "Comptes des personnels"),
    ("/administration/comptes/nouveau", "Créer un compte"),
    ("/administration/regions", "Régions"),
    ("/administration/etablissements", "Établissements"),
    ("/administration/etablissements/0450001G", "Lycée A"),
    ("/administration/modeles", "Modèles d'appareils"),
    ("/administration/regions/24/retards", "Prêts en retard – Centre-Val de Loire"),
    ("/administration/regions/24/regles", "Règles de prêt – Centre-Val de Loire"),
)


def test_every_administration_page_passes_axe_core(page: Page, world: World):
    log_in(page, "admin")
    for url, title in (
        *ADMIN_PAGES,
        (f"/administration/modeles/{world.model_id}", "Lenovo ThinkPad E14"),
    ):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        assert serious_violations(page) == [], url
    page.goto(f"/administration/comptes/{world.account_ids['it_a']}")
    assert serious_violations(page) == []


def test_a_policy_error_is_shown_next_to_its_field_and_passes_axe_core(page: Page, world: World):
    log_in(page, "manager_24")
    page.goto("/administration/regions/24/regles")
    page.get_by_label("Prêts en cours par élève et par catégorie d'appareil").fill("9")
    page.get_by_role("button", name="Enregistrer les règles").click()
    expect(page.locator("#max_open_per_category-error")).to_contain_text("entre 1 et")
    assert serious_violations(page) == []
