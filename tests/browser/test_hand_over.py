"""The loan desk in a real browser on a phone: scan a device, find the student, confirm — the
loan is prepared, signed and handed over; then the return and its receipt."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, log_in
from tests.browser.test_asset_pages import PHONE, SCREENSHOTS, page_overflows
from tests.factories import UAI_A, World, make_asset, make_student

pytestmark = pytest.mark.browser

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


@pytest.fixture
def desk(page: Page, live_server: LiveServer, world: World) -> Iterator[Page]:
    """IT staff of lycée A on a 390 px phone; A-0001 in stock; two students named Durand, one
    with an ENT card. No script error, nothing refused by the content security policy."""

    async def seed() -> None:
        await make_asset("A-0001", UAI_A, world.model_id)
        await make_student(last_name="Durand", first_name="Léa", ent_id="ENT-LEA")
        await make_student(last_name="Durand", first_name="Hugo", class_name="1G2", ent_id=None)

    live_server.run(seed())
    problems: list[str] = []
    # A form answered 422 is logged by the browser as a failed load: expected, not a problem.
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


def test_scan_the_device_scan_the_students_card_confirm(desk: Page):
    desk.goto("/prets/nouveau")
    # A keyboard-wedge scanner types into the focused field and presses Enter.
    expect(desk.get_by_label("Appareil à remettre")).to_be_focused()
    desk.keyboard.type("A-0001")
    desk.keyboard.press("Enter")
    expect(desk.get_by_role("heading", name="A-0001")).to_be_visible()
    # Then the student's ENT card, into the search field, focused in turn.
    expect(desk.get_by_label("Nom, classe ou identifiant ENT de l'élève")).to_be_focused()
    desk.keyboard.type("ENT-LEA")
    desk.keyboard.press("Enter")
    expect(desk.get_by_role("radio", name=re.compile("Durand Léa"))).to_be_checked()
    expect(desk.get_by_role("checkbox", name="chargeur")).to_be_checked()
    assert not page_overflows(desk)
    desk.screenshot(path=f"{SCREENSHOTS}/ordipret-remise-telephone.png", full_page=True)
    desk.get_by_role("button", name="Enregistrer la remise").click()  # the one tap
    expect(desk.get_by_role("heading", level=1)).to_have_text(re.compile(r"Prêt n° \d+"))
    expect(desk.get_by_role("status")).to_have_text("Appareil remis : le prêt est en cours.")
    expect(desk.locator(".lead")).to_contain_text("en cours")
    assert not page_overflows(desk)
    desk.screenshot(path=f"{SCREENSHOTS}/ordipret-pret-telephone.png", full_page=True)
    desk.goto("/prets")
    expect(desk.locator("#nombre")).to_have_text("1 prêt")
    assert not page_overflows(desk)
    desk.screenshot(path=f"{SCREENSHOTS}/ordipret-prets-telephone.png", full_page=True)


def test_find_the_student_by_name_and_untick_an_accessory(desk: Page):
    desk.goto("/prets/nouveau?appareil=A-0001")
    desk.get_by_label("Nom, classe ou identifiant ENT de l'élève").fill("dur")
    desk.get_by_role("button", name="Chercher").click()
    expect(desk.get_by_role("radio")).to_have_count(2)
    desk.get_by_text("Durand Hugo").click()  # the whole row is the target
    desk.get_by_text("housse", exact=True).click()
    expect(desk.get_by_role("checkbox", name="housse")).not_to_be_checked()
    desk.get_by_role("button", name="Enregistrer la remise").click()
    facts = desk.locator("#fiche + dl")
    expect(facts).to_contain_text("Durand Hugo (1G2)")
    expect(facts.locator("div", has_text="Accessoires remis")).to_contain_text("chargeur")
    expect(facts.locator("div", has_text="Accessoires remis")).not_to_contain_text("housse")


def test_confirming_without_choosing_a_student_says_so_next_to_the_list(desk: Page):
    desk.goto("/prets/nouveau?appareil=A-0001&eleve=dur")
    desk.get_by_role("button", name="Enregistrer la remise").click()
    expect(desk.get_by_role("alert")).to_contain_text(
        "Choisissez l'élève à qui l'appareil est remis."
    )
    desk.get_by_role("alert").get_by_role("link").click()
    expect(desk).to_have_url(re.compile("#student_id$"))


def test_take_the_device_back_damaged_and_print_the_receipt(desk: Page, tmp_path):
    desk.goto("/prets/nouveau?appareil=A-0001&eleve=ENT-LEA")
    desk.get_by_role("button", name="Enregistrer la remise").click()
    desk.get_by_role("link", name="Enregistrer le retour").click()
    desk.get_by_text("housse", exact=True).click()
    desk.get_by_text("D – endommagé (à réparer)").click()
    desk.get_by_label("Dégâts constatés").fill("écran fissuré")
    photo = tmp_path / "ecran.jpg"
    photo.write_bytes(JPEG)
    desk.get_by_label("Photos des dégâts").set_input_files(str(photo))
    assert not page_overflows(desk)
    desk.screenshot(path=f"{SCREENSHOTS}/ordipret-retour-telephone.png", full_page=True)
    desk.get_by_role("button", name="Enregistrer le retour").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Reçu de retour")
    expect(desk.get_by_role("status")).to_have_text("Appareil à réparer : il part en réparation.")
    expect(desk.locator(".loan-missing")).to_contain_text("chargeur")
    expect(desk.get_by_role("button", name="Imprimer le reçu")).to_be_visible()  # loans.js
    assert not page_overflows(desk)
    desk.screenshot(path=f"{SCREENSHOTS}/ordipret-recu-telephone.png", full_page=True)
