"""Who looked (issue 14): every staff read of a student's record, loans, documents or photos
writes one access log entry naming the reader, the student and the page; the region's data
protection officer reads the entries of their region only."""

from __future__ import annotations

import logging
import re

import pytest

from api.accounts import staff as accounts
from loans import documents
from loans.access_log import Read, Reader, record_reads
from loans.tables import Loan, StudentAccess
from tests.api.test_pages import log_in
from tests.conftest import client_for
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    active_loan,
    ent_identity,
    make_account,
    make_student,
)

STAFF = ["admin", "manager_24", "it_a", "head_a"]  # every staff role, each seeing lycée A
ROLE_OF = {"admin": "admin", "manager_24": "region_manager", "it_a": "it_staff", "head_a": "head"}
PDF = b"%PDF-1.7\n% convention de pret\n%%EOF\n"


async def entries() -> list[dict]:
    return await StudentAccess.select().order_by(StudentAccess.id)


async def dpo(world, region: str = "24") -> tuple[int, str]:
    """A data protection officer of the region: their account id and an API token."""
    account_id = await make_account(f"dpo_{region}@ordipret.test", "dpo", world.region_ids[region])
    _, token = await accounts.create_token(account_id, "tests", NOW)
    return account_id, token


def assert_one_entry(found: list[dict], world, persona: str, student_id: int, why: str, kind: str):
    assert len(found) == 1, found
    entry = found[0]
    assert entry["account_id"] == world.account_ids[persona]
    assert entry["account_name"] == persona and entry["account_role"] == ROLE_OF[persona]
    assert (entry["student"], entry["why"], entry["kind"]) == (student_id, why, kind)
    assert entry["region"] == world.region_ids["24"]


@pytest.mark.parametrize("persona", STAFF)
async def test_a_staff_read_of_a_student_through_the_api_writes_one_entry(world, as_, persona):
    student = await make_student("A")
    response = await as_(persona).get(f"/api/v1/students/{student.id}")
    assert response.status_code == 200
    why = "/api/v1/students/{student_id}"
    assert_one_entry(await entries(), world, persona, student.id, why, "record")


@pytest.mark.parametrize("persona", STAFF)
async def test_a_staff_read_of_a_student_through_a_page_writes_one_entry(world, signed_in, persona):
    student = await make_student("A")
    browser = await signed_in(persona)
    assert (await browser.get(f"/eleves/{student.id}")).status_code == 200
    assert_one_entry(await entries(), world, persona, student.id, "/eleves/{student_id}", "record")


@pytest.mark.parametrize("persona", STAFF)
async def test_reading_a_loan_through_the_api_and_its_page_names_its_student(
    world, as_, signed_in, persona
):
    student = await make_student("A")
    loan_id = await active_loan(world, "AL-1", UAI_A, student.id)
    assert (await as_(persona).get(f"/api/v1/loans/{loan_id}")).status_code == 200
    assert_one_entry(await entries(), world, persona, student.id, "/api/v1/loans/{loan_id}", "loan")
    await StudentAccess.delete(force=True)
    browser = await signed_in(persona)
    assert (await browser.get(f"/prets/{loan_id}")).status_code == 200
    assert_one_entry(await entries(), world, persona, student.id, "/prets/{loan_id}", "loan")


async def test_a_document_and_the_agreement_of_a_loan_are_reads_of_its_student(app, world, as_):
    student = await make_student("A")
    loan_id = await active_loan(world, "AL-2", UAI_A, student.id)
    stored = await documents.store_document(
        app.state["storage"],
        PLATFORM,
        ACTOR,
        NOW,
        kind="agreement",
        data=PDF,
        media_type="application/pdf",
        loan_id=loan_id,
    )
    assert (await as_("head_a").get(f"/api/v1/documents/{stored.id}")).status_code == 200
    assert (await as_("it_a").get(f"/api/v1/loans/{loan_id}/agreement")).status_code == 200
    found = await entries()
    assert [(e["account_name"], e["kind"], e["student"]) for e in found] == [
        ("head_a", "document", student.id),
        ("it_a", "agreement", student.id),
    ]
    assert found[0]["why"] == "/api/v1/documents/{document_id}"


async def test_a_read_refused_outside_the_scope_writes_nothing(world, as_):
    student = await make_student("C")
    assert (await as_("it_a").get(f"/api/v1/students/{student.id}")).status_code == 404
    assert await entries() == []


async def test_a_list_writes_one_entry_per_student_shown_and_names_personal_filters_only(
    world, as_
):
    shown = [await make_student("A", last_name=f"Dupont{n}") for n in range(3)]
    await make_student("A", last_name="Martin")
    response = await as_("it_a").get("/api/v1/students", params={"q": "dupont", "class": "2NDE3"})
    assert response.status_code == 200 and len(response.json()["items"]) == 3
    found = await entries()
    assert sorted(e["student"] for e in found) == sorted(s.id for s in shown)
    assert {e["kind"] for e in found} == {"list"}
    assert {e["detail"] for e in found} == {"class_name=2NDE3 q"}
    assert not any("dupont" in e["detail"].lower() for e in found)


async def test_a_student_reading_their_own_loan_writes_no_entry(world, ent):
    student = await make_student("A", ent_id="K-1")
    loan_id = await active_loan(world, "AL-3", UAI_A, student.id)
    client = await ent(ent_identity("K-1"))
    assert (await client.get(f"/mon-espace/prets/{loan_id}")).status_code == 200
    assert await entries() == []


async def test_several_reads_of_one_request_are_written_by_one_statement(world):
    a, c = await make_student("A"), await make_student("C")
    reader = Reader(account_id=7, name="Quelqu'un", role="admin")
    await record_reads(
        reader, NOW, "/x", [Read("record", (a.id,)), Read("list", (a.id, c.id), detail="q")]
    )
    found = await entries()
    assert sorted((e["student"], e["kind"]) for e in found) == sorted(
        [(a.id, "record"), (a.id, "list"), (c.id, "list")]
    )
    assert {e["region"] for e in found if e["student"] == c.id} == {world.region_ids["44"]}


# The data protection officer --------------------------------------------------------------


async def test_a_dpo_sees_the_entries_of_their_region_only(app, world, as_):
    ours, theirs = await make_student("A", ine="123456789AB"), await make_student("C")
    await as_("it_a").get(f"/api/v1/students/{ours.id}")
    await as_("admin").get(f"/api/v1/students/{theirs.id}")
    _, token_24 = await dpo(world, "24")
    _, token_44 = await dpo(world, "44")
    async with client_for(app, Authorization=f"Bearer {token_24}") as dpo_24:
        mine = (await dpo_24.get("/api/v1/access-log")).json()
        assert [(i["student_id"], i["account_name"]) for i in mine["items"]] == [(ours.id, "it_a")]
        assert mine["items"][0]["why"] == "/api/v1/students/{student_id}"
        by_ine = (await dpo_24.get("/api/v1/access-log", params={"ine": "123456789ab"})).json()
        assert by_ine["total"] == 1
        other = {"student": theirs.id}
        assert (await dpo_24.get("/api/v1/access-log", params=other)).json()["items"] == []
    async with client_for(app, Authorization=f"Bearer {token_44}") as dpo_44:
        seen = (await dpo_44.get("/api/v1/access-log")).json()["items"]
        assert [i["student_id"] for i in seen] == [theirs.id]
    everything = (await as_("admin").get("/api/v1/access-log")).json()
    assert everything["total"] == 2


async def test_the_access_log_filters_by_account_and_days(app, world, as_):
    student = await make_student("A")
    await as_("it_a").get(f"/api/v1/students/{student.id}")
    await as_("head_a").get(f"/api/v1/students/{student.id}")
    log = as_("admin")
    by_account = {"account": world.account_ids["head_a"]}
    found = (await log.get("/api/v1/access-log", params=by_account)).json()["items"]
    assert [i["account_name"] for i in found] == ["head_a"]
    past = {"from": "2020-01-01", "to": "2020-12-31"}
    assert (await log.get("/api/v1/access-log", params=past)).json()["total"] == 0
    backwards = await log.get(
        "/api/v1/access-log", params={"from": "2026-02-01", "to": "2026-01-01"}
    )
    assert backwards.status_code == 422 and "to" in backwards.text


@pytest.mark.parametrize("persona", ["manager_24", "it_a", "head_a"])
async def test_other_staff_may_not_read_the_access_log(as_, persona):
    assert (await as_(persona).get("/api/v1/access-log")).status_code == 403


async def test_the_access_log_page_is_keyset_paged_newest_first(app, world):
    student = await make_student("A")
    reader = Reader(account_id=1, name="Lecteur", role="it_staff")
    for n in range(53):
        await record_reads(
            reader, NOW.replace(minute=n % 60), f"/page/{n}", [Read("record", (student.id,))]
        )
    account_id, _ = await dpo(world, "24")
    browser = client_for(app)
    async with browser:
        assert (await log_in(browser, "dpo_24")).headers[
            "location"
        ] == "/protection-des-donnees/acces"
        first = await browser.get("/protection-des-donnees/acces")
        assert first.status_code == 200
        assert "1 à 50 sur 53" in first.text and "/page/52" in first.text
        assert "/page/2<" not in first.text
        next_url = (
            re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
        )
        assert "curseur=" in next_url and "offset" not in next_url
        second = await browser.get(next_url)
        assert second.status_code == 200 and "51 à 53 sur 53" in second.text
        assert "/page/0<" in second.text and "/page/52" not in second.text
        # The DPO's menu leads to the log and their account, nothing else.
        menu = re.search(r'<nav class="main-nav".*?</nav>', first.text, re.S).group(0)
        assert re.findall(r'href="([^"]+)"', menu) == [
            "/protection-des-donnees/acces",
            "/mon-compte",
        ]


async def test_recording_a_read_puts_no_personal_data_in_the_application_logs(as_, caplog):
    caplog.set_level(logging.DEBUG)
    student = await make_student("A", last_name="Confidentiel", ine="987654321ZZ")
    caplog.clear()
    assert (await as_("it_a").get(f"/api/v1/students/{student.id}")).status_code == 200
    assert (await as_("admin").get("/api/v1/access-log")).status_code == 200
    assert len(await entries()) == 1
    assert "Confidentiel" not in caplog.text and "987654321ZZ" not in caplog.text


async def test_a_list_of_loans_is_a_read_of_each_borrower_shown(world, as_, signed_in):
    borrower = await make_student("A")
    await active_loan(world, "AL-4", UAI_A, borrower.id)
    assert (await as_("manager_24").get("/api/v1/loans", params={"state": "active"})).is_success
    browser = await signed_in("it_a")
    assert (await browser.get("/prets")).status_code == 200
    found = await entries()
    assert [(e["account_name"], e["student"], e["kind"], e["why"]) for e in found] == [
        ("manager_24", borrower.id, "list", "/api/v1/loans"),
        ("it_a", borrower.id, "list", "/prets"),
    ]
    assert found[0]["detail"] == "state=active"


async def test_a_class_s_agreements_printed_are_an_export_of_each_student(world, as_):
    from tests.api.test_agreement_batches import class_of

    loan_ids = await class_of(world, 2)
    url = f"/api/v1/loans/agreements.pdf?establishment={UAI_A}&class=2NDE3"
    assert (await as_("it_a").get(url)).status_code == 200
    found = await entries()
    students = await Loan.select(Loan.student).where(Loan.id.is_in(loan_ids))
    assert sorted(e["student"] for e in found) == sorted(s["student"] for s in students)
    assert {(e["kind"], e["why"]) for e in found} == {("export", "/api/v1/loans/agreements.pdf")}


async def test_a_loan_photo_read_by_staff_is_a_read_of_its_student(app, world, as_):
    from loans import photos

    student = await make_student("A")
    loan_id = await active_loan(world, "AL-5", UAI_A, student.id)
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
    [photo] = await photos.add_photos(PLATFORM, ACTOR, NOW, loan_id, [jpeg], app.state["storage"])
    response = await as_("manager_24").get(f"/api/v1/loans/{loan_id}/photos/{photo.id}")
    assert response.status_code == 200
    why = "/api/v1/loans/{loan_id}/photos/{photo_id}"
    assert_one_entry(await entries(), world, "manager_24", student.id, why, "photo")
