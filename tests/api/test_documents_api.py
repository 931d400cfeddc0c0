"""Documents of loans through the API, by persona: staff whose scope sees the loan read them,
anyone else gets 404, as for any other row."""

from __future__ import annotations

import pytest

from inventory.errors import Invalid, NotFound
from inventory.scope import Scope
from loans import documents
from loans.storage import sha256_of
from loans.tables import Document
from tests.api.problems import assert_problem
from tests.conftest import client_for
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A
from tests.loans.lifecycle_factories import active_loan, make_student

PDF = b"%PDF-1.7\n% convention de pret\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


@pytest.fixture
async def loan_id(world) -> int:
    return await active_loan(world, "A-1", UAI_A, await make_student(world))


async def agreement(app, loan_id: int, data: bytes = PDF, version: int = 1):
    return await documents.store_document(
        app.state["storage"],
        PLATFORM,
        ACTOR,
        NOW,
        kind="agreement",
        data=data,
        media_type="application/pdf",
        loan_id=loan_id,
        version=version,
    )


@pytest.mark.parametrize("persona", ["admin", "manager_24", "it_a", "it_ab", "head_a"])
async def test_staff_who_see_the_loan_read_its_document(app, as_, loan_id, persona):
    stored = await agreement(app, loan_id)
    response = await as_(persona).get(f"/api/v1/documents/{stored.id}")
    assert (response.status_code, response.content) == (200, PDF)
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'inline; filename="document-{stored.id}-agreement-v1.pdf"'
    )


@pytest.mark.parametrize("persona", ["it_b", "manager_44"])
async def test_a_document_outside_the_scope_is_not_found(app, as_, loan_id, persona):
    stored = await agreement(app, loan_id)
    assert_problem(await as_(persona).get(f"/api/v1/documents/{stored.id}"), 404)
    assert_problem(await as_(persona).get(f"/api/v1/loans/{loan_id}/documents"), 404)


async def test_an_unknown_document_is_not_found(as_, loan_id):
    assert_problem(await as_("admin").get("/api/v1/documents/999999"), 404)


async def test_a_document_is_not_served_without_signing_in(app, loan_id):
    stored = await agreement(app, loan_id)
    async with client_for(app) as anonymous:
        response = await anonymous.get(f"/api/v1/documents/{stored.id}")
    assert response.status_code == 401
    assert PDF not in response.content


async def test_a_loan_lists_its_documents_with_their_versions_and_photos(app, as_, loan_id):
    first = await agreement(app, loan_id)
    second = await agreement(app, loan_id, PDF + b"% v2\n", version=2)
    upload = await as_("it_a").post(
        f"/api/v1/loans/{loan_id}/photos", files=[("photos", ("p.jpg", JPEG, "image/jpeg"))]
    )
    assert upload.status_code == 201, upload.text
    listed = (await as_("head_a").get(f"/api/v1/loans/{loan_id}/documents")).json()
    assert [(d["kind"], d["version"], d["media_type"]) for d in listed] == [
        ("agreement", 1, "application/pdf"),
        ("agreement", 2, "application/pdf"),
        ("photo", 1, "image/jpeg"),
    ]
    assert [d["id"] for d in listed[:2]] == [first.id, second.id]
    assert listed[2]["sha256"] == sha256_of(JPEG) and listed[2]["size"] == len(JPEG)
    assert listed[0]["created_by"] == ACTOR.name
    photo = await as_("manager_24").get(listed[2]["href"])
    assert (photo.status_code, photo.content) == (200, JPEG)


async def test_a_document_keeps_who_may_read_it_and_a_random_public_id(app, world, loan_id):
    stored = await agreement(app, loan_id)
    row = await Document.select().where(Document.id == stored.id).first()
    assert row is not None
    assert (row["region"], row["establishment"]) == (
        world.region_ids["24"],
        world.establishment_ids["A"],
    )
    assert len(stored.public_id) == 32 and stored.public_id != str(stored.id)
    assert (row["size"], row["sha256"]) == (len(PDF), sha256_of(PDF))


async def test_a_document_for_a_loan_outside_the_scope_is_refused_and_nothing_stored(
    app, world, loan_id
):
    school_b = Scope.establishments({world.establishment_ids["B"]: world.region_ids["24"]})
    with pytest.raises(NotFound):
        await documents.store_document(
            app.state["storage"],
            school_b,
            ACTOR,
            NOW,
            kind="agreement",
            data=PDF,
            media_type="application/pdf",
            loan_id=loan_id,
        )
    assert await Document.count() == 0
    assert not await app.state["storage"].exists(sha256_of(PDF))


async def test_an_unknown_kind_of_document_is_refused_naming_it(app, loan_id):
    with pytest.raises(Invalid) as refused:
        await documents.store_document(
            app.state["storage"],
            PLATFORM,
            ACTOR,
            NOW,
            kind="contract",
            data=PDF,
            media_type="application/pdf",
            loan_id=loan_id,
        )
    assert set(refused.value.errors) == {"kind"}
