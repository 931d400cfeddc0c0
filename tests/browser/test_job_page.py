"""A document too long for one request, in a real browser: the form leads to the preparation
page, the app's own worker draws the PDF while the page follows it, and the download link
appears by itself."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, log_in
from tests.factories import World

pytestmark = pytest.mark.browser


def test_a_large_blank_sheet_is_prepared_then_offered_for_download(
    page: Page, live_server: LiveServer, world: World
):
    log_in(page, "it_a")
    page.goto("/arrivages/etiquettes")
    page.get_by_label("Nombre d'étiquettes").fill("600")
    with page.expect_navigation():
        page.get_by_role("button", name="Télécharger le PDF").click()
    expect(page).to_have_url(re.compile(r"/preparation/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Planche d'étiquettes")
    # Queued, drawn by the live server's worker, then the page reloads itself (job.js).
    expect(page.get_by_role("status")).to_have_text("Le document est prêt.", timeout=30_000)
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger").click()
    assert download.value.suggested_filename.startswith("etiquettes-vierges-L7160-")
