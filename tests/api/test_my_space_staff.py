"""The school's side of the space: ENT sessions never reach staff pages or the staff API;
staff confirm or reject link proposals and loss declarations of their schools only (page and
API); students found by ENT key; the linked ENT account on loan views."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory.tables import Asset
from loans.tables import Loan, LossDeclaration
from tests.api.test_loan_pages import read, submit
from tests.factories import NOW, UAI_A, active_loan, make_student
from tests.factories import ent_identity as identity

STAFF_API = [
    "/api/v1/loans",
    "/api/v1/students",
    "/api/v1/assets",
    "/api/v1/ent-link-proposals",
    "/api/v1/loss-declarations",
    "/api/v1/documents/1",
]
STAFF_PAGES = ["/prets", "/appareils", "/scan", "/demandes-eleves", "/etablissements"]


@pytest.mark.parametrize("path", STAFF_API)
async def test_an_ent_session_never_reaches_the_staff_api(world, ent, path):
    await make_student("A", ent_id="K-1")
    response = await (await ent(identity("K-1"))).get(path)
    assert response.status_code == 401


@pytest.mark.parametrize("path", STAFF_PAGES)
async def test_an_ent_session_never_reaches_staff_pages(world, ent, path):
    await make_student("A", ent_id="K-1")
    response = await (await ent(identity("K-1"))).get(path)
    assert response.status_code == 303 and response.headers["location"].startswith("/connexion")


async def test_a_proposed_account_shows_nothing_until_staff_of_its_school_confirm(
    world, ent, staff, as_
):
    student = await make_student("A", ent_id=None, last_name="Dupont", first_name="Léa")
    await active_loan(world, "P-001", UAI_A, student.id)
    client = await ent(identity("K-9", last_name="DUPONT", first_name="lea"))
    waiting = await client.get("/mon-espace")
    assert waiting.status_code == 200
    assert "attend la confirmation de votre lycée" in read(waiting.text)
    assert "P-001" not in waiting.text

    assert (await as_("it_b").get("/api/v1/ent-link-proposals")).json() == []
    listed = (await as_("it_a").get("/api/v1/ent-link-proposals")).json()
    assert [(p["student_id"], p["ent_id"]) for p in listed] == [(student.id, "K-9")]
    refused = await as_("it_b").post(f"/api/v1/ent-link-proposals/{listed[0]['id']}/confirm")
    assert refused.status_code == 404

    staff = await staff("it_a")
    page = read((await staff.get("/demandes-eleves")).text)
    assert "Comptes ENT à lier (1)" in page and "K-9" in page
    done = await submit(
        staff, "/demandes-eleves", f"/demandes-eleves/liaisons/{listed[0]['id']}/confirmer", {}
    )
    assert done.status_code == 303
    assert "P-001" in read((await client.get("/mon-espace")).text)
    found = (await as_("it_a").get("/api/v1/students", params={"ent_id": "K-9"})).json()
    assert [s["id"] for s in found["items"]] == [student.id]


async def test_a_rejected_proposal_leaves_the_account_unlinked(world, ent, as_):
    await make_student("A", ent_id=None, last_name="Dupont", first_name="Léa")
    client = await ent(identity("K-9"))
    await client.get("/mon-espace")
    proposal = (await as_("it_a").get("/api/v1/ent-link-proposals")).json()[0]
    rejected = await as_("head_a").post(f"/api/v1/ent-link-proposals/{proposal['id']}/reject")
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    page = await client.get("/mon-espace")
    assert page.status_code == 403 and "n'a pas confirmé" in read(page.text)


async def test_a_loss_declared_in_the_space_is_confirmed_by_the_school_and_the_device_is_lost(
    world, ent, as_
):
    student = await make_student("A", ent_id="K-1")
    loan_id = await active_loan(world, "P-001", UAI_A, student.id)
    client = await ent(identity("K-1"))
    form = f"/mon-espace/prets/{loan_id}/declaration"
    incomplete = await submit(client, form, form, {"kind": "vol", "circumstances": "Dans le bus"})
    assert incomplete.status_code == 422
    assert "récépissé de dépôt de plainte est obligatoire" in read(incomplete.text)
    sent = await submit(
        client,
        form,
        form,
        {"kind": "perte", "incident_on": NOW.date().isoformat(), "circumstances": "Dans le bus"},
    )
    assert sent.status_code == 303
    assert "envoyée au lycée" in read((await client.get(sent.headers["location"])).text)
    assert (await Loan.select(Loan.state).where(Loan.id == loan_id).first())["state"] == "active"

    assert (await as_("it_b").get("/api/v1/loss-declarations")).json() == []
    pending = (await as_("it_a").get("/api/v1/loss-declarations")).json()
    assert [(d["loan_id"], d["kind"], d["declared_by_role"]) for d in pending] == [
        (loan_id, "loss", "student")
    ]
    assert (await as_("head_a").get("/api/v1/loss-declarations")).status_code == 403
    confirmed = await as_("it_a").post(f"/api/v1/loss-declarations/{pending[0]['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    assert (await Loan.select(Loan.state).where(Loan.id == loan_id).first())["state"] == "lost"
    asset = await Asset.select(Asset.state).where(Asset.tag == "P-001").first()
    assert asset["state"] == "lost"
    again = await as_("it_a").post(f"/api/v1/loss-declarations/{pending[0]['id']}/confirm")
    assert again.status_code == 409


async def test_staff_reject_a_theft_declaration_on_their_page(world, ent, staff):
    student = await make_student("A", ent_id="K-1")
    loan_id = await active_loan(world, "P-001", UAI_A, student.id)
    client = await ent(identity("K-1"))
    form = f"/mon-espace/prets/{loan_id}/declaration"
    day = (NOW.date() - dt.timedelta(days=1)).isoformat()
    fields = {
        "kind": "vol",
        "incident_on": day,
        "circumstances": "Sac arraché",
        "police_report_ref": "PV-42",
        "police_report_on": NOW.date().isoformat(),
    }
    assert (await submit(client, form, form, fields)).status_code == 303
    staff = await staff("it_a")
    page = (await staff.get("/demandes-eleves")).text
    assert "Pertes et vols déclarés (1)" in read(page) and "PV-42" in page
    row = await LossDeclaration.select(LossDeclaration.id).first()
    done = await submit(
        staff,
        "/demandes-eleves",
        f"/demandes-eleves/declarations/{row['id']}/rejeter",
        {"note": "Retrouvé"},
    )
    assert done.status_code == 303
    assert (await Loan.select(Loan.state).where(Loan.id == loan_id).first())["state"] == "active"
    assert "Aucune déclaration n'attend" in read((await staff.get("/demandes-eleves")).text)


async def test_loan_views_show_the_linked_ent_account(world, as_, staff):
    student = await make_student("A", ent_id="K-1")
    loan_id = await active_loan(world, "P-001", UAI_A, student.id)
    loan = (await as_("it_a").get(f"/api/v1/loans/{loan_id}")).json()
    assert loan["student"]["ent_id"] == "K-1"
    listed = (await as_("it_a").get("/api/v1/loans")).json()["items"]
    assert [item["student"]["ent_id"] for item in listed] == ["K-1"]
    page = read((await (await staff("it_a")).get(f"/prets/{loan_id}")).text)
    assert "Compte ENT K-1" in page
