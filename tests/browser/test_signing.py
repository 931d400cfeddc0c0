"""Signing the convention in person, in a real browser on a tablet: the desk taps « Signer sur
place », each signer ticks « J'ai lu la convention », draws on the canvas with the pointer and
validates, one after another; then the hand-over, and the loan is active."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from loans.records import get_loan
from tests.browser.conftest import LiveServer, log_in
from tests.browser.test_asset_pages import SCREENSHOTS, page_overflows
from tests.factories import PLATFORM, World
from tests.loans.agreement_factories import add_guardian, awaiting_loan

pytestmark = pytest.mark.browser

TABLET = {"width": 820, "height": 1180}


@pytest.fixture
def loan_id(live_server: LiveServer, world: World) -> int:
    """A minor's loan awaiting its convention: the student, a guardian, the head."""

    async def seed() -> int:
        loan, student = await awaiting_loan(world, "A-0100")
        await add_guardian(student, "Claire")
        return loan

    return live_server.run(seed())


@pytest.fixture
def desk(page: Page, world: World) -> Iterator[Page]:
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
    page.set_viewport_size(TABLET)
    log_in(page, "admin")  # the desk, holding the head's delegation: every line
    yield page
    assert problems == []


def draw_signature(page: Page) -> None:
    """A looping stroke across the canvas, as a finger would: down, many small moves, up."""
    canvas = page.get_by_role("img", name=re.compile("Cadre de signature"))
    canvas.scroll_into_view_if_needed()  # the mouse reaches only what the screen shows
    box = canvas.bounding_box()
    assert box is not None
    left, top = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(left, top)
    page.mouse.down()
    for step in range(1, 41):
        x = left + step * (box["width"] - 40) / 40
        y = top + math.sin(step / 4) * box["height"] / 4
        page.mouse.move(x, y, steps=2)
    page.mouse.up()


def canvas_is_blank(page: Page) -> bool:
    return page.evaluate(
        """() => {
          const c = document.getElementById("signature");
          const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
          for (let i = 0; i < data.length; i += 4) if (data[i] < 128) return false;
          return true;
        }"""
    )


def test_every_signer_signs_in_person_then_the_device_is_handed_over(
    desk: Page, loan_id: int, live_server: LiveServer
):
    desk.goto(f"/prets/{loan_id}")
    expect(desk.locator("#convention")).to_contain_text("pas encore été émise")
    desk.get_by_role("button", name="Signer sur place").click()
    for signer in ("(élève)", "(représentant légal)", "chef d’établissement"):
        expect(desk.get_by_role("heading", level=1)).to_contain_text(signer)
        expect(desk.get_by_role("link", name="Ouvrir la convention (PDF)")).to_be_visible()
        # Nothing drawn, not ticked: both said next to their fields.
        if signer == "(élève)":
            desk.get_by_role("button", name="Valider ma signature").click()
            expect(desk.get_by_role("alert")).to_contain_text("Cochez « J'ai lu la convention »")
            expect(desk.get_by_role("alert")).to_contain_text("le dessin est vide")
            assert not page_overflows(desk)
        desk.get_by_label("J'ai lu la convention").check()
        draw_signature(desk)
        assert not canvas_is_blank(desk)
        if signer == "(élève)":
            desk.get_by_role("button", name="Effacer").click()
            assert canvas_is_blank(desk)
            draw_signature(desk)
            desk.screenshot(path=f"{SCREENSHOTS}/ordipret-signature-tablette.png", full_page=True)
        desk.get_by_role("button", name="Valider ma signature").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Remettre un appareil")
    expect(desk.get_by_role("status")).to_contain_text("Convention signée par toutes les parties")
    expect(desk.locator("#convention .signer-signed")).to_have_count(3)
    desk.get_by_role("button", name="Enregistrer la remise").click()
    expect(desk.get_by_role("status")).to_have_text("Appareil remis : le prêt est en cours.")
    loan = live_server.run(get_loan(PLATFORM, loan_id, dt.date.today()))
    assert loan.state == "active" and loan.signed


def test_without_javascript_the_page_says_to_sign_on_paper(
    browser, live_server: LiveServer, world: World, loan_id: int
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, "admin")
        page.goto(f"/prets/{loan_id}")
        page.get_by_role("button", name="Signer sur place").click()
        expect(page.get_by_text("Sans JavaScript, la signature à l'écran")).to_be_visible()
        expect(page.get_by_role("button", name="Valider ma signature")).to_be_hidden()
    finally:
        context.close()
