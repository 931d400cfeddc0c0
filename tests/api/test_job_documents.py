"""Each kind of queued document, end to end: label sheets (API and the blank-labels page) and a
class's conventions; and the progress each drawing tells."""

from __future__ import annotations

import pypdfium2

from api.clock import PARIS
from api.infra.storage import STATE_KEY
from api.jobs import worker
from inventory import stocktake_report, stocktakes
from inventory.scope import Scope
from labels import sheets
from labels.layout import LabelContent
from labels.stocks import STOCKS
from labels.tables import LabelCode
from tests.api.test_agreement_batches import class_of
from tests.api.test_loan_pages import submit
from tests.api.test_stocktakes_api import _counted, shelf  # noqa: F401
from tests.factories import UAI_A

ASYNC = {"Prefer": "respond-async"}
URL = "http://testserver"


async def ran(app, client, response) -> dict:
    """Run the queue, then the job the 202 `response` named, as its owner sees it."""
    assert response.status_code == 202, response.text
    await worker.run_all(app.state[STATE_KEY], URL)
    return (await client.get(response.headers["location"])).json()


def pages(pdf: bytes) -> int:
    return len(pypdfium2.PdfDocument(pdf))


async def test_a_queued_label_sheet_counts_its_labels_and_downloads(app, as_, world):
    desk = as_("it_a")
    response = await desk.get("/api/v1/labels/sheet.pdf", params={"blank": 5}, headers=ASYNC)
    job = await ran(app, desk, response)
    assert job["state"] == "done" and job["progress"] == {"done": 5, "total": 5}
    assert job["file_name"].startswith("etiquettes-L7160-")
    pdf = (await desk.get(job["file_url"])).content
    assert pdf.startswith(b"%PDF") and pages(pdf) == 1
    # The codes were created once, by the request: running the job made none.
    assert await LabelCode.count().where(LabelCode.asset.is_null()) == 5


async def test_a_large_blank_sheet_asked_on_the_page_leads_to_its_preparation_page(
    app, signed_in, world
):
    client = await signed_in("it_a")
    response = await submit(
        client,
        "/arrivages/etiquettes",
        "/arrivages/etiquettes",
        {"template": "L7160", "count": "301"},
    )
    assert response.status_code == 303
    preparation = response.headers["location"]
    assert preparation.startswith("/preparation/")
    assert "Planche d&#39;étiquettes" in (await client.get(preparation)).text
    await worker.run_all(app.state[STATE_KEY], URL)
    ready = (await client.get(preparation)).text
    assert "Le document est prêt." in ready and "etiquettes-vierges-L7160-" in ready


async def test_a_class_of_conventions_is_issued_and_drawn_by_a_job(app, as_, world):
    loan_ids = await class_of(world, 3)
    desk = as_("it_a")
    response = await desk.get(
        f"/api/v1/loans/agreements.pdf?establishment={UAI_A}&class=2NDE3", headers=ASYNC
    )
    job = await ran(app, desk, response)
    assert job["state"] == "done", job["error"]
    # One step per convention issued, one per convention drawn.
    assert job["progress"] == {"done": 2 * len(loan_ids), "total": 2 * len(loan_ids)}
    pdf = (await desk.get(job["file_url"])).content
    assert pages(pdf) >= len(loan_ids)


async def test_the_stocktake_report_tells_its_pages_as_it_draws_them(as_, shelf):  # noqa: F811
    stocktake_id = await _counted(as_)
    status = await stocktakes.stocktake_status(Scope.platform(), stocktake_id)
    told: list[tuple[int, int]] = []
    stocktake_report.pdf_report(status, PARIS, lambda done, total: told.append((done, total)))
    assert told[-1][0] == told[-1][1]
    assert [done for done, _ in told] == sorted(done for done, _ in told)


def test_a_label_sheet_tells_how_many_labels_are_drawn_page_by_page():
    stock = STOCKS["L7160"]
    labels = [
        LabelContent(f"HTTP://X/L/{n}", f"C-{n}", "", "Centre") for n in range(stock.per_page + 3)
    ]
    told: list[tuple[int, int]] = []
    sheets.render(labels, stock, progress=lambda done, total: told.append((done, total)))
    assert told == [(stock.per_page, len(labels)), (len(labels), len(labels))]


async def test_the_asset_lists_sheet_form_leads_a_browser_to_the_preparation_page(
    app, signed_in, world
):
    client = await signed_in("it_a")
    response = await client.get(
        "/etiquettes/planche.pdf",
        params={"blank": 3},
        headers={**ASYNC, "Accept": "text/html,*/*;q=0.8"},
    )
    assert response.status_code == 303
    await worker.run_all(app.state[STATE_KEY], URL)
    assert "Le document est prêt." in (await client.get(response.headers["location"])).text
