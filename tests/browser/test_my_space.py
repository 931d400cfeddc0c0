"""The student space in a real browser on a phone: a student signed in through the ENT sees
their loan, opens it, reads and signs the convention with a finger on the canvas."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from api.infra.storage import STATE_KEY
from loans import agreements, lifecycle
from loans.tables import CorrectionRequest, Signature
from tests.api.ent_sessions import COOKIE, plant_session
from tests.browser.conftest import LiveServer, serious_violations
from tests.browser.test_asset_pages import PHONE, SCREENSHOTS, page_overflows
from tests.browser.test_signing import draw_signature
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    World,
    active_loan,
    make_asset,
    make_student,
)
from tests.factories import ent_identity as identity
from tests.loans.agreement_factories import PUBLIC_URL

pytestmark = pytest.mark.browser


def signed_in_through_the_ent(page: Page, live_server: LiveServer, key: str) -> None:
    """The session the ENT sign-in leaves, planted in the live app's store."""
    app = live_server.server.config.app
    session_id = live_server.run(plant_session(app, identity(key)))
    page.context.add_cookies([{"name": COOKIE, "value": session_id, "url": live_server.url}])


def test_a_student_on_a_phone_sees_their_loan_and_signs_the_next_one(
    page: Page, live_server: LiveServer, world: World
):
    async def seed() -> int:
        student = await make_student("A", ent_id="K-1")
        await active_loan(world, "P-0001", UAI_A, student.id)
        await make_asset("P-0002", UAI_A, world.model_id)
        loan_id = await lifecycle.prepare_loan(
            PLATFORM, ACTOR, NOW, asset_tag="P-0002", student_id=student.id, max_open_per_category=2
        )
        storage = live_server.server.config.app.state[STATE_KEY]
        await agreements.issue_agreement(storage, PLATFORM, ACTOR, NOW, loan_id, PUBLIC_URL)
        return loan_id

    loan_id = live_server.run(seed())
    page.set_viewport_size(PHONE)
    signed_in_through_the_ent(page, live_server, "K-1")
    page.goto("/mon-espace")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes prêts")
    expect(page.get_by_text("P-0001")).to_be_visible()
    expect(page.get_by_text("04/07/2027")).to_be_visible()
    assert not page_overflows(page)
    page.screenshot(path=f"{SCREENSHOTS}/ordipret-mon-espace-telephone.png", full_page=True)

    page.get_by_role("link", name="La convention de prêt attend votre signature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signer la convention de prêt")
    page.get_by_label("J'ai lu la convention").check()
    # A phone shows the canvas below the fold: the finger scrolls to it first.
    page.get_by_role("img", name=re.compile("Cadre de signature")).scroll_into_view_if_needed()
    draw_signature(page)
    assert not page_overflows(page)
    page.get_by_role("button", name="Valider ma signature").click()
    expect(page.get_by_role("status")).to_have_text("Merci, votre signature est enregistrée.")
    rows = live_server.run(Signature.select().where(Signature.agreement.loan == loan_id).run())
    assert [(r["role"], r["ent_key"], r["auth_method"]) for r in rows] == [
        ("student", "K-1", "cas")
    ]


def test_a_student_on_a_phone_finds_their_personal_data_and_asks_a_correction(
    page: Page, live_server: LiveServer, world: World
):
    student = live_server.run(make_student("A", ent_id="K-1", first_name="Lea"))
    page.set_viewport_size(PHONE)
    signed_in_through_the_ent(page, live_server, "K-1")
    page.goto("/mon-espace")
    page.get_by_role("link", name=re.compile("Mes données personnelles")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes données personnelles")
    expect(page.get_by_role("link", name="Télécharger les données (ZIP)")).to_be_visible()
    assert serious_violations(page) == [] and not page_overflows(page)

    page.get_by_role("button", name="Envoyer la demande").click()  # nothing chosen
    expect(page.get_by_text("Choisissez l'information à corriger.").first).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Information à corriger").select_option(label="Mon prénom")
    page.get_by_label("Valeur exacte").fill("Léa")
    page.get_by_label("Explication (facultatif)").fill("Il manque l'accent.")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("status")).to_contain_text("Votre demande est envoyée au lycée")
    expect(page.get_by_text("en attente")).to_be_visible()
    rows = live_server.run(CorrectionRequest.select().run())
    assert [(r["student"], r["field"], r["requested_value"]) for r in rows] == [
        (student.id, "first_name", "Léa")
    ]
