"""Conventions on paper at scale, with real parts: a class's conventions printed as one PDF
through the API, signed, scanned by the simulated copier of `bench.scanner`, uploaded as one
stack: every page lands on its loan, the loans become signed, then sealed."""

from __future__ import annotations

import io

from pypdf import PdfReader

from bench.scanner import Handling, scan
from loans.documents import list_documents
from loans.records import get_loan
from loans.tables import Loan
from tests.api.problems import assert_problem
from tests.factories import NOW, PLATFORM, UAI_A, UAI_B
from tests.loans.agreement_factories import ADULT, add_guardian, awaiting_loan

LOANS = "/api/v1/loans"
SCANS = "/api/v1/agreements/scans"


async def class_of(world, count: int, prefix: str = "K") -> list[int]:
    """Loans of class 2NDE3 at lycée A awaiting signatures: minors with a guardian with
    legal authority, and adults."""
    loan_ids = []
    for n in range(count):
        minor = n % 2 == 0
        loan_id, student = await awaiting_loan(
            world, f"{prefix}-{n}", **({} if minor else {"birth_date": ADULT})
        )
        if minor:
            await add_guardian(student, "Claire")
        loan_ids.append(loan_id)
    return loan_ids


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


async def test_a_class_printed_signed_and_scanned_lands_page_by_page_on_its_loans(as_, world):
    loan_ids = await class_of(world, 4)
    desk = as_("it_a")
    printed = await desk.get(f"{LOANS}/agreements.pdf?establishment={UAI_A}&class=2NDE3")
    assert printed.status_code == 200, printed.text
    assert printed.headers["x-agreement-count"] == "4"
    pages = page_count(printed.content)
    stack = scan(printed.content, {1: Handling(angle=2.0, upside_down=True)}, blank_before={2})
    response = await desk.post(SCANS, content=stack, headers={"Content-Type": "application/pdf"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["page_count"] == pages + 1
    assert report["blank"] == [3] and report["unmatched"] == [] and report["unknown"] == []
    assert sorted(loan["loan_id"] for loan in report["loans"]) == sorted(loan_ids)
    assert sum(len(loan["pages"]) for loan in report["loans"]) == pages
    assert all(loan["complete"] and loan["missing"] == [] for loan in report["loans"])
    for loan_id in loan_ids:
        assert (await get_loan(PLATFORM, loan_id, NOW.date())).signed
        kinds = [d.kind for d in await list_documents(PLATFORM, loan_id)]
        assert "paper_scan" in kinds and "sealed_agreement" in kinds


async def test_printing_again_reuses_the_issued_conventions_and_skips_signed_loans(as_, world):
    loan_ids = await class_of(world, 2, "R")
    desk = as_("it_a")
    url = f"{LOANS}/agreements.pdf?establishment={UAI_A}&class=2NDE3"
    first = await desk.get(url)
    again = await desk.get(url)
    assert first.content == again.content  # the same versions, the same PDF
    statuses = [(await desk.get(f"{LOANS}/{i}/agreement")).json() for i in loan_ids]
    assert [s["version"] for s in statuses] == [1, 1]
    await desk.post(SCANS, content=scan(first.content), headers={"Content-Type": "application/pdf"})
    assert_problem(await desk.get(url), 404)


async def test_a_campaigns_conventions_print_as_one_pdf_and_another_schools_campaign_is_not_found(
    as_, world
):
    campaign = await as_("it_a").post(
        "/api/v1/campaigns",
        json={
            "establishment_uai": UAI_A,
            "kind": "distribution",
            "name": "Rentrée",
            "starts_on": "2026-08-25",
            "ends_on": "2026-10-15",
        },
    )
    assert campaign.status_code == 201, campaign.text
    campaign_id = campaign.json()["id"]
    loan_ids = await class_of(world, 2, "C")
    await Loan.update({Loan.campaign: campaign_id}).where(Loan.id.is_in(loan_ids))
    printed = await as_("it_a").get(f"/api/v1/campaigns/{campaign_id}/agreements.pdf")
    assert printed.status_code == 200, printed.text
    assert printed.headers["x-agreement-count"] == "2"
    assert_problem(await as_("it_b").get(f"/api/v1/campaigns/{campaign_id}/agreements.pdf"), 404)


async def test_a_stack_from_another_school_is_reported_as_unknown_codes_and_signs_nothing(
    as_, world
):
    loan_ids = await class_of(world, 1, "U")
    printed = await as_("it_a").get(f"{LOANS}/agreements.pdf?establishment={UAI_A}&class=2NDE3")
    response = await as_("it_b").post(
        SCANS, content=scan(printed.content), headers={"Content-Type": "application/pdf"}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["loans"] == [] and len(report["unknown"]) == 1
    assert not (await get_loan(PLATFORM, loan_ids[0], NOW.date())).signed
    assert UAI_B  # the other school's staff see no loan of lycée A


async def test_a_print_without_a_class_and_an_upload_that_is_not_a_pdf_are_problems(as_, world):
    desk = as_("it_a")
    assert_problem(await desk.get(f"{LOANS}/agreements.pdf?establishment={UAI_A}"), 422, "class")
    refused = await desk.post(SCANS, content=b"hello", headers={"Content-Type": "application/pdf"})
    assert_problem(refused, 422, "file")


async def test_a_head_of_school_may_not_print_or_file_conventions(as_, world):
    assert_problem(
        await as_("head_a").get(f"{LOANS}/agreements.pdf?establishment={UAI_A}&class=2NDE3"), 403
    )
