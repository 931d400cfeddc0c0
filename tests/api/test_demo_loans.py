"""The demo shows the whole path of a convention, and the rest of a school's life, on first
start: every page has something to show."""

from __future__ import annotations

from api.clock import utcnow
from api.demo import load_demo
from api.infra.seal import seal_key_for
from api.infra.storage import storage_for
from inventory.tables import Stocktake
from loans.documents import list_documents
from loans.tables import Campaign, Guardian, Loan, LoanPhoto, Student
from tests.factories import PLATFORM


async def _demo(settings) -> list[dict]:
    loans = (storage_for(settings), seal_key_for(settings), settings.public_url)
    await load_demo(utcnow(), asset_count=80, loans=loans)
    return await Loan.select(Loan.id, Loan.state, Loan.previous, Loan.police_report_ref).order_by(
        Loan.id
    )


async def test_the_demo_has_sealed_conventions_one_awaiting_a_signature_and_a_sealed_receipt(
    app, settings
):
    rows = (await _demo(settings))[:4]
    assert [r["state"] for r in rows] == ["active", "active", "awaiting_signature", "returned"]
    kinds = [{d.kind for d in await list_documents(PLATFORM, r["id"])} for r in rows]
    assert "sealed_agreement" in kinds[0] and "sealed_agreement" in kinds[1]
    assert "sealed_agreement" not in kinds[2]
    assert {"sealed_agreement", "receipt"} <= kinds[3]


async def test_the_demo_has_loans_in_every_state_a_campaign_a_stocktake_and_photos(app, settings):
    rows = await _demo(settings)
    states = {r["state"] for r in rows}
    assert {"draft", "awaiting_signature", "active", "returned", "transferred"} <= states
    assert {"lost", "stolen"} <= states
    stolen = next(r for r in rows if r["state"] == "stolen")
    assert stolen["police_report_ref"] == "PV 2026/004512"
    continued = next(r for r in rows if r["previous"] is not None)
    assert continued["state"] == "active"
    overdue = await Loan.count().where((Loan.state == "active") & (Loan.due_on < utcnow().date()))
    assert overdue == 1
    assert await Campaign.count() == 1
    assert await Stocktake.count().where(Stocktake.closed_at.is_null()) == 1
    assert await LoanPhoto.count() == 2
    minors_with_guardians = await Guardian.count().where(Guardian.legal_authority == True)  # noqa: E712
    assert minors_with_guardians >= 4 and await Student.count() == 10
