"""The staff pages for conventions on paper: the class list and the campaign link to the PDF
to print, and `/conventions/depot` files a scanned stack and shows what became of each page,
in French, without JavaScript."""

from __future__ import annotations

from bench.scanner import scan
from loans.records import get_loan
from tests.api.test_agreement_batches import class_of
from tests.api.test_loan_pages import submit
from tests.api.test_pages import is_french_html
from tests.factories import NOW, PLATFORM, UAI_A


async def test_the_loan_list_of_a_class_links_to_its_conventions_to_print(desk, world):
    client = await desk("it_a")
    response = await client.get(f"/prets?classe=2NDE3&establishment={UAI_A}")
    assert response.status_code == 200
    assert f"/api/v1/loans/agreements.pdf?establishment={UAI_A}&amp;class=2NDE3" in response.text


async def test_the_upload_page_files_a_scanned_stack_and_reports_every_page(desk, world):
    loan_ids = await class_of(world, 2, "P")
    client = await desk("it_a")
    printed = await client.get(f"/api/v1/loans/agreements.pdf?establishment={UAI_A}&class=2NDE3")
    assert printed.status_code == 200, printed.text
    form = await client.get("/conventions/depot")
    assert form.status_code == 200 and is_french_html(form)
    assert 'enctype="multipart/form-data"' in form.text
    response = await submit(
        client,
        "/conventions/depot",
        "/conventions/depot",
        {},
        files={"file": ("pile.pdf", scan(printed.content, blank_before={1}), "application/pdf")},
    )
    assert response.status_code == 200, response.text
    assert "Bilan du dépôt" in response.text and "Pages blanches, ignorées : 2." in response.text
    for loan_id in loan_ids:
        assert f"Prêt n° {loan_id}" in response.text
        assert (await get_loan(PLATFORM, loan_id, NOW.date())).signed
    assert "Signée par toutes les parties" in response.text


async def test_a_file_that_is_not_a_pdf_is_named_on_the_upload_page(desk, world):
    client = await desk("it_a")
    response = await submit(
        client,
        "/conventions/depot",
        "/conventions/depot",
        {},
        files={"file": ("pile.pdf", b"not a pdf", "application/pdf")},
    )
    assert response.status_code == 422 and 'aria-invalid="true"' in response.text
