"""The scan card written by scan.js says "prêté" for a device out with a student, with the
student's class, the due date and where the device is kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, log_in
from tests.browser.test_dashboard import serious_violations
from tests.factories import UAI_A, World, active_loan, make_asset, make_location, make_student

pytestmark = pytest.mark.browser


@pytest.fixture
def lent(live_server: LiveServer, world: World) -> World:
    """L-1 handed over to a 2NDE3 student until 04/07/2027; K-1 on Chariot 1."""

    async def seed() -> None:
        await active_loan(world, "L-1", UAI_A, (await make_student("A")).id)
        await make_asset("K-1", UAI_A, world.model_id)
        await make_location(UAI_A, "Chariot 1", "cart", "K-1")

    live_server.run(seed())
    return world


def test_a_scanned_lent_device_reads_lent_with_its_class_and_due_date(page: Page, lent):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "it_a")
    page.goto("/scan")
    page.keyboard.type("L-1", delay=2)
    page.keyboard.press("Enter")
    card = page.locator("#scan-result .scan-card")
    expect(card.locator(".badge")).to_have_text("prêté")
    expect(card.locator(".badge")).to_have_class("badge badge-lent")
    expect(card).to_contain_text("2NDE3")
    expect(card).to_contain_text("04/07/2027")

    page.keyboard.type("K-1", delay=2)
    page.keyboard.press("Enter")
    expect(card.locator(".badge")).to_have_text("en stock")
    expect(card).to_contain_text("Chariot 1")
    assert serious_violations(page) == []
    assert errors == []
