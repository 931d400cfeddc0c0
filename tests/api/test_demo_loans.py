"""The demo shows the whole path of a convention on first start."""

from __future__ import annotations

from api.clock import utcnow
from api.demo import load_demo
from api.infra.seal import seal_key_for
from api.infra.storage import storage_for
from loans.documents import list_documents
from loans.tables import Loan
from tests.factories import PLATFORM


async def test_the_demo_has_sealed_conventions_one_awaiting_a_signature_and_a_sealed_receipt(
    app, settings
):
    loans = (storage_for(settings), seal_key_for(settings), settings.public_url)
    await load_demo(utcnow(), asset_count=40, loans=loans)
    rows = await Loan.select(Loan.id, Loan.state).order_by(Loan.id)
    assert [r["state"] for r in rows] == ["active", "active", "awaiting_signature", "returned"]
    kinds = [{d.kind for d in await list_documents(PLATFORM, r["id"])} for r in rows]
    assert "sealed_agreement" in kinds[0] and "sealed_agreement" in kinds[1]
    assert "sealed_agreement" not in kinds[2]
    assert {"sealed_agreement", "receipt"} <= kinds[3]
