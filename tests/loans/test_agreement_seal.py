"""The sealed record of a convention: made when its last signature is in, once per version,
under the convention's own public id."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from loans import sealing
from loans.agreement_seal import KIND, seal_agreement
from loans.documents import list_documents
from loans.public_verification import agreement_parties, awaiting_signatures, check_public
from loans.storage import DirectoryStorage
from tests.factories import ACTOR, NOW, PLATFORM
from tests.loans.agreement_factories import ADULT, add_guardian, awaiting_loan, issue, sign


@pytest.fixture
def storage(tmp_path) -> DirectoryStorage:
    return DirectoryStorage(tmp_path / "documents")


@pytest.fixture(scope="module")
def key() -> sealing.SealKey:
    p12 = sealing.make_demo_seal("Région de test", NOW, password=b"secret")
    return sealing.load_seal_key(p12, b"secret")


async def test_an_incomplete_agreement_is_not_sealed_and_its_public_id_awaits_signatures(
    world, storage, key
):
    loan_id, _ = await awaiting_loan(world, "SE-1", birth_date=ADULT)
    status = await issue(storage, loan_id)
    await sign(storage, loan_id, status, "student")
    assert await seal_agreement(storage, key, PLATFORM, ACTOR, NOW, loan_id) is None
    awaiting = await awaiting_signatures(status.public_id)
    assert awaiting is not None
    assert (awaiting.signed, awaiting.required, awaiting.complete) == (1, 2, False)


async def test_a_complete_agreement_is_sealed_once_under_its_own_public_id(world, storage, key):
    loan_id, student = await awaiting_loan(world, "SE-2")
    mother = await add_guardian(student, "Claire")
    status = await issue(storage, loan_id)
    await sign(storage, loan_id, status, "student")
    await sign(storage, loan_id, status, "guardian", mother)
    await sign(storage, loan_id, status, "head_of_school")
    sealed = await seal_agreement(storage, key, PLATFORM, ACTOR, NOW, loan_id)
    assert sealed is not None
    assert (sealed.kind, sealed.public_id, sealed.version) == (KIND, status.public_id, 1)
    again = await seal_agreement(storage, key, PLATFORM, ACTOR, NOW, loan_id)
    assert again is not None and again.id == sealed.id
    kinds = [d.kind for d in await list_documents(PLATFORM, loan_id)]
    assert kinds.count(KIND) == 1
    content = await storage.get(sealed.sha256)
    result = await sealing.verify_async(content, [key.certificate])
    assert result.status == "intact" and result.trusted
    pages = PdfReader(io.BytesIO(content)).pages
    agreement_pages = len(PdfReader(io.BytesIO(await storage.get(status.sha256))).pages)
    assert len(pages) == agreement_pages + 2  # the signatures, then the evidence page
    evidence = pages[-1].extract_text()
    assert "192.0.2.10" in evidence and status.sha256 in evidence.replace("\n", "")


async def test_the_public_check_of_a_sealed_agreement_lists_roles_and_initials_only(
    world, storage, key
):
    loan_id, _ = await awaiting_loan(world, "SE-3", birth_date=ADULT)
    status = await issue(storage, loan_id)
    await sign(storage, loan_id, status, "student")
    await sign(storage, loan_id, status, "head_of_school")
    await seal_agreement(storage, key, PLATFORM, ACTOR, NOW, loan_id)
    found = await check_public(storage, status.public_id, [key.certificate], now=NOW)
    assert found is not None and found.kind == "sealed_agreement"
    assert found.verification.status == "intact"
    assert [p.role for p in found.parties] == ["Élève", "Chef d’établissement"]
    assert found.parties[0].initials == "C. É."  # Camille Élève…
    assert found.parties == await agreement_parties(status.public_id)
