"""The student pages in Chromium on a phone: IT staff enrol a minor with a guardian from the
form, then find them again by the search; each page passes axe-core."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, log_in, serious_violations
from tests.browser.test_asset_pages import PHONE, SCREENSHOTS, page_overflows
from tests.factories import UAI_A, World, active_loan, make_asset, make_student

pytestmark = pytest.mark.browser


@pytest.fixture
def staff(page: Page, live_server: LiveServer, world: World) -> Iterator[Page]:
    """IT staff of lycée A on a 390 px phone, with one student already enrolled. No script
    error, nothing refused by the content security policy."""
    live_server.run(make_student(last_name="Aubert", first_name="Jade"))
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_viewport_size(PHONE)
    log_in(page, "it_a")
    yield page
    assert problems == []


def test_enrol_a_minor_with_a_guardian_then_find_them_by_the_search(staff: Page):
    staff.goto("/eleves")
    staff.get_by_role("link", name="Inscrire un élève").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Inscrire un élève")
    staff.get_by_label("Nom", exact=True).first.fill("Durand")
    staff.get_by_label("Prénom", exact=True).first.fill("Léa")
    staff.get_by_label("Date de naissance").fill("2010-03-14")
    staff.get_by_label(re.compile("^Classe")).fill("2nde 3")
    guardian = staff.get_by_role("group", name=re.compile("Représentant"))
    guardian.get_by_label("Nom", exact=True).fill("Durand")
    guardian.get_by_label("Prénom", exact=True).fill("Claire")
    guardian.get_by_label(re.compile("^Courriel")).fill("pas-un-courriel")
    expect(guardian.get_by_role("checkbox", name=re.compile("Représentant légal"))).to_be_checked()
    assert serious_violations(staff) == []
    staff.get_by_role("button", name="Inscrire l'élève").click()

    # A mistyped address comes back next to its field, with everything typed kept.
    expect(staff.get_by_role("alert")).to_contain_text("Adresse électronique invalide.")
    expect(staff).to_have_title(re.compile("^Erreur : "))
    expect(staff.get_by_label("Date de naissance")).to_have_value("2010-03-14")
    assert serious_violations(staff) == []
    staff.get_by_role("alert").get_by_role("link").click()
    expect(staff.locator("#guardian_email")).to_be_focused()
    staff.keyboard.press("Control+A")
    staff.keyboard.type("claire.durand@example.fr")
    staff.get_by_role("button", name="Inscrire l'élève").click()

    expect(staff.get_by_role("heading", level=1)).to_have_text("Durand Léa")
    expect(staff.get_by_role("status")).to_have_text("Élève inscrit.")
    expect(staff.locator(".guardians")).to_contain_text(
        "Durand Claire — représentant légal (autorité parentale)"
    )
    assert not page_overflows(staff)
    assert serious_violations(staff) == []
    staff.screenshot(path=f"{SCREENSHOTS}/ordipret-eleve-telephone.png", full_page=True)

    staff.get_by_role("link", name="Élèves", exact=True).first.click()
    staff.get_by_label("Nom ou prénom").fill("dur")
    staff.get_by_role("button", name="Chercher").click()
    expect(staff.locator("#nombre")).to_have_text("1 élève")
    found = staff.get_by_role("link", name="Durand Léa")
    expect(found).to_be_visible()
    assert not page_overflows(staff)
    staff.screenshot(path=f"{SCREENSHOTS}/ordipret-eleves-telephone.png", full_page=True)
    assert serious_violations(staff) == []
    found.click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Durand Léa")


def test_the_import_page_and_a_students_departure_pass_axe_core(staff: Page):
    staff.goto("/eleves/import")
    expect(staff.get_by_label("Fichier CSV des élèves")).to_be_visible()
    assert serious_violations(staff) == []
    staff.goto("/eleves?q=aub")
    staff.get_by_role("link", name="Aubert Jade").click()
    staff.get_by_role("link", name="Noter son départ").click()
    expect(staff.get_by_text("Jade n'a aucun prêt en cours.")).to_be_visible()
    assert serious_violations(staff) == []


def test_the_desk_search_says_who_already_holds_a_device(
    staff: Page, live_server: LiveServer, world: World
):
    async def seed() -> None:
        holder = await make_student(last_name="Durand", first_name="Léa")
        await make_student(last_name="Durand", first_name="Hugo")
        await active_loan(world, "PC-0012", UAI_A, holder.id)
        await make_asset("A-0001", UAI_A, world.model_id)

    live_server.run(seed())
    staff.goto("/prets/nouveau?appareil=A-0001")
    staff.get_by_label("Nom, classe ou identifiant ENT de l'élève").fill("dur")
    staff.get_by_role("button", name="Chercher").click()
    expect(staff.get_by_role("radio")).to_have_count(2)
    for radio in staff.get_by_role("radio").all():
        expect(radio).not_to_be_checked()  # nobody chosen for the desk
    lea = staff.get_by_role("radio", name=re.compile("Durand Léa"))
    expect(lea).to_have_accessible_description(re.compile("A déjà un prêt en cours : PC-0012"))
    assert not page_overflows(staff)
    assert serious_violations(staff) == []
    staff.screenshot(path=f"{SCREENSHOTS}/ordipret-remise-deja-equipe.png", full_page=True)
