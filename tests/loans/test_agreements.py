"""Agreements: who must sign, versions, signatures, and the hand-over that waits for them."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from inventory.errors import Conflict, Invalid
from loans import agreements, desk, lifecycle
from loans.agreement_currency import AgreementOutdated
from loans.records import get_loan
from loans.storage import DirectoryStorage
from loans.tables import Agreement, LoanEvent, RegionPolicy, Signature
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, make_asset, make_student
from tests.loans.agreement_factories import (
    ADULT,
    PUBLIC_URL,
    add_guardian,
    awaiting_loan,
    in_person,
    issue,
    sign,
)

TODAY = NOW.date()


@pytest.fixture
def storage(tmp_path) -> DirectoryStorage:
    return DirectoryStorage(tmp_path / "documents")


async def test_a_minors_agreement_is_not_complete_without_the_guardian_with_legal_authority(
    world, storage
):
    loan_id, student = await awaiting_loan(world, "S-1")
    mother = await add_guardian(student, "Claire")
    status = await issue(storage, loan_id)
    assert [s.role for s in status.signers] == ["student", "guardian", "head_of_school"]
    await sign(storage, loan_id, status, "student")
    status = await sign(storage, loan_id, status, "head_of_school")
    assert not status.complete
    assert status.missing == ["Claire MARTIN (représentant légal)"]
    status = await sign(storage, loan_id, status, "guardian", mother)
    assert status.complete and status.missing == []
    assert (await get_loan(PLATFORM, loan_id, TODAY)).signed


async def test_an_adults_agreement_is_complete_without_a_guardian(world, storage):
    loan_id, student = await awaiting_loan(world, "S-2", birth_date=ADULT)
    await add_guardian(student, "Claire")
    status = await issue(storage, loan_id)
    assert [s.role for s in status.signers] == ["student", "head_of_school"]
    await sign(storage, loan_id, status, "student")
    status = await sign(storage, loan_id, status, "head_of_school")
    assert status.complete


async def test_a_guardian_without_legal_authority_is_never_asked(world, storage):
    loan_id, student = await awaiting_loan(world, "S-3")
    await add_guardian(student, "Claire")
    uncle = await add_guardian(student, "Paul", legal_authority=False)
    status = await issue(storage, loan_id)
    assert uncle not in [s.guardian_id for s in status.signers]
    with pytest.raises(Conflict, match="pas appelée à signer"):
        await sign(storage, loan_id, status, "guardian", uncle)


async def test_a_region_that_does_not_ask_guardians_asks_only_the_student_and_the_head(
    world, storage
):
    loan_id, student = await awaiting_loan(world, "S-4")
    await add_guardian(student, "Claire")
    await RegionPolicy.insert(
        RegionPolicy(
            region=world.region_ids["24"], guardian_cosign_for_minors=False, updated_at=NOW
        )
    )
    status = await issue(storage, loan_id)
    assert [s.role for s in status.signers] == ["student", "head_of_school"]


async def test_the_pdf_in_storage_hashes_to_the_recorded_sha256(world, storage):
    loan_id, _ = await awaiting_loan(world, "S-5")
    status = await issue(storage, loan_id)
    version, pdf = await agreements.pdf_of(storage, PLATFORM, loan_id)
    assert pdf.startswith(b"%PDF-") and version == 1
    assert hashlib.sha256(pdf).hexdigest() == status.sha256
    row = await Agreement.select().where(Agreement.loan == loan_id).first()
    assert (row["sha256"], row["version"]) == (status.sha256, 1)


async def test_issuing_the_same_content_again_keeps_the_version(world, storage):
    loan_id, _ = await awaiting_loan(world, "S-6")
    first = await issue(storage, loan_id)
    again = await issue(storage, loan_id, NOW + dt.timedelta(days=2))
    assert (again.version, again.sha256, len(again.versions)) == (1, first.sha256, 1)


async def test_a_changed_due_date_issues_a_new_version_and_asks_again(world, storage):
    loan_id, _ = await awaiting_loan(world, "S-7", birth_date=ADULT)
    first = await issue(storage, loan_id)
    await sign(storage, loan_id, first, "student")
    await RegionPolicy.update({RegionPolicy.school_year_end: dt.date(2027, 6, 30)}).where(
        RegionPolicy.region == world.region_ids["24"]
    )
    second = await issue(storage, loan_id)
    assert (second.version, second.complete) == (2, False)
    assert second.sha256 != first.sha256
    assert [s.signed for s in second.signers] == [False, False]
    assert [v.superseded_at is not None for v in second.versions] == [True, False]


async def test_a_signature_on_an_outdated_version_is_refused(world, storage):
    loan_id, _ = await awaiting_loan(world, "S-8", birth_date=ADULT)
    first = await issue(storage, loan_id)
    await RegionPolicy.update({RegionPolicy.school_year_end: dt.date(2027, 6, 30)}).where(
        RegionPolicy.region == world.region_ids["24"]
    )
    await issue(storage, loan_id)
    with pytest.raises(Conflict) as refused:
        await sign(storage, loan_id, first, "student")
    assert refused.value.field == "version"
    assert await Signature.count() == 0


async def test_a_signature_of_another_pdf_is_refused(world, storage):
    loan_id, _ = await awaiting_loan(world, "S-9", birth_date=ADULT)
    status = await issue(storage, loan_id)
    with pytest.raises(Conflict) as refused:
        await sign(storage, loan_id, status, "student", sha256="0" * 64)
    assert refused.value.field == "sha256"


async def test_a_signature_records_who_how_when_from_where_and_the_pdf_signed(world, storage):
    loan_id, _ = await awaiting_loan(world, "S-10", birth_date=ADULT)
    status = await issue(storage, loan_id)
    await sign(storage, loan_id, status, "student")
    row = await Signature.select().first()
    assert (row["role"], row["method"], row["client_address"], row["user_agent"]) == (
        "student",
        "in_person",
        "192.0.2.10",
        "Mozilla/5.0 (test)",
    )
    assert (row["document_sha256"], row["signed_at"]) == (status.sha256, NOW)
    assert await storage.exists(row["image_sha256"])
    assert await LoanEvent.exists().where(LoanEvent.action == "sign")


async def test_a_drawn_signature_must_be_a_png_and_a_scan_a_pdf_or_an_image(world, storage):
    loan_id, _ = await awaiting_loan(world, "S-11", birth_date=ADULT)
    status = await issue(storage, loan_id)
    with pytest.raises(Invalid) as refused:
        await sign(storage, loan_id, status, "student", image_png=b"GIF89a....")
    assert "image_png" in refused.value.errors
    with pytest.raises(Invalid) as refused:
        await sign(storage, loan_id, status, "student", method="paper", scan=b"<html>")
    assert "scan" in refused.value.errors
    status = await sign(storage, loan_id, status, "student", method="paper", scan=b"%PDF-1.7 x")
    assert status.signers[0].method == "paper"


async def test_the_same_signer_cannot_sign_twice(world, storage):
    loan_id, _ = await awaiting_loan(world, "S-12", birth_date=ADULT)
    status = await issue(storage, loan_id)
    await sign(storage, loan_id, status, "student")
    with pytest.raises(Conflict, match="déjà signé"):
        await sign(storage, loan_id, status, "student")


async def test_only_the_head_or_a_delegate_signs_for_the_school(world, storage):
    loan_id, _ = await awaiting_loan(world, "S-13", birth_date=ADULT)
    status = await issue(storage, loan_id)
    with pytest.raises(Invalid) as refused:
        await agreements.sign(
            storage, PLATFORM, ACTOR, NOW, loan_id, in_person(status, "head_of_school")
        )
    assert "role" in refused.value.errors


async def test_hand_over_is_refused_naming_who_is_missing(world, storage):
    loan_id, student = await awaiting_loan(world, "S-14")
    await add_guardian(student, "Claire")
    status = await issue(storage, loan_id)
    await sign(storage, loan_id, status, "student")
    with pytest.raises(Conflict) as refused:
        await lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan_id, [], dt.date(2027, 7, 4))
    assert "Claire MARTIN (représentant légal)" in refused.value.message
    assert "chef d’établissement" in refused.value.message
    assert "élève" not in refused.value.message.split("manque")[1]


async def test_once_everyone_signed_the_device_may_be_handed_over(world, storage):
    loan_id, _ = await awaiting_loan(world, "S-15", birth_date=ADULT)
    status = await issue(storage, loan_id)
    await sign(storage, loan_id, status, "student")
    await sign(storage, loan_id, status, "head_of_school")
    await lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan_id, [], dt.date(2027, 7, 4))
    assert (await get_loan(PLATFORM, loan_id, TODAY)).state == "active"


async def test_a_paper_signature_at_the_desk_signs_for_every_party_without_scan(world, storage):
    loan_id, student = await awaiting_loan(world, "S-16")
    await add_guardian(student, "Claire")
    status = await issue(storage, loan_id)
    await sign(storage, loan_id, status, "student")
    await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan_id, TODAY)
    rows = await Signature.select(Signature.role, Signature.method, Signature.without_scan)
    assert sorted((r["role"], r["method"], r["without_scan"]) for r in rows) == [
        ("guardian", "paper", True),
        ("head_of_school", "paper", True),
        ("student", "in_person", False),
    ]
    loan = await get_loan(PLATFORM, loan_id, TODAY)
    assert (loan.signed, loan.paper_signed_on) == (True, TODAY)


async def test_a_draft_loan_awaits_signatures_once_its_agreement_is_issued(world, storage):
    await make_asset("S-17", UAI_A, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM,
        ACTOR,
        NOW,
        asset_tag="S-17",
        student_id=(await make_student()).id,
        max_open_per_category=1,
        draft=True,
    )
    await issue(storage, loan_id)
    assert (await get_loan(PLATFORM, loan_id, TODAY)).state == "awaiting_signature"


async def test_a_minor_with_no_guardian_recorded_cannot_complete_the_agreement_online(
    world, storage
):
    loan_id, student = await awaiting_loan(world, "S-30")
    status = await issue(storage, loan_id)
    assert [(s.role, s.guardian_id) for s in status.signers] == [
        ("student", None),
        ("guardian", None),
        ("head_of_school", None),
    ]
    await sign(storage, loan_id, status, "student")
    status = await sign(storage, loan_id, status, "head_of_school")
    assert not status.complete
    assert status.missing == ["Représentant légal non enregistré (représentant légal)"]
    with pytest.raises(Invalid):
        await sign(storage, loan_id, status, "guardian")
    mother = await add_guardian(student, "Claire")
    status = await issue(storage, loan_id)
    assert status.version == 2
    assert [(s.role, s.guardian_id) for s in status.signers][1] == ("guardian", mother)


async def test_a_paper_convention_carries_the_signature_of_a_guardian_not_recorded(world, storage):
    loan_id, _ = await awaiting_loan(world, "S-31")
    await issue(storage, loan_id)
    await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan_id, TODAY)
    assert (await get_loan(PLATFORM, loan_id, TODAY)).signed


async def signed_by_all(storage, loan_id: int):
    status = await issue(storage, loan_id)
    await sign(storage, loan_id, status, "student")
    return await sign(storage, loan_id, status, "head_of_school")


async def test_handing_over_other_accessories_than_signed_issues_a_new_version_to_sign(
    world, storage
):
    loan_id, _ = await awaiting_loan(world, "S-32", birth_date=ADULT)
    first = await signed_by_all(storage, loan_id)
    assert first.complete
    with pytest.raises(AgreementOutdated) as refused:
        await desk.hand_over(PLATFORM, ACTOR, NOW, loan_id, ["chargeur"])
    assert "accessoires remis : chargeur (convention : chargeur, housse)" in refused.value.message
    assert (await get_loan(PLATFORM, loan_id, TODAY)).state == "awaiting_signature"
    conflict = await agreements.reissue_for_hand_over(
        storage, PLATFORM, ACTOR, NOW, loan_id, ["chargeur"], PUBLIC_URL, refused.value.message
    )
    assert "version 2" in conflict.message and "élève" in conflict.message
    second = await agreements.agreement_status(PLATFORM, loan_id)
    assert (second.version, second.complete) == (2, False)
    plan = await desk.hand_over_plan(PLATFORM, loan_id, NOW)
    assert (plan.planned, plan.accessories) == (["chargeur"], ["chargeur", "housse"])
    with pytest.raises(Conflict, match="manque la signature"):
        await desk.hand_over(PLATFORM, ACTOR, NOW, loan_id, ["chargeur"])
    await sign(storage, loan_id, second, "student")
    await sign(storage, loan_id, second, "head_of_school")
    await desk.hand_over(PLATFORM, ACTOR, NOW, loan_id, None)  # the planned ones
    loan = await get_loan(PLATFORM, loan_id, TODAY)
    assert (loan.state, loan.accessories_given) == ("active", ["chargeur"])


async def test_the_accessories_signed_are_handed_over_without_a_new_version(world, storage):
    loan_id, _ = await awaiting_loan(world, "S-33", birth_date=ADULT)
    await signed_by_all(storage, loan_id)
    await desk.hand_over(PLATFORM, ACTOR, NOW, loan_id, ["housse", "chargeur"])
    status = await agreements.agreement_status(PLATFORM, loan_id)
    assert (status.version, status.complete) == (1, True)


async def test_a_due_date_moved_since_signing_refuses_the_hand_over_naming_both_dates(
    world, storage
):
    loan_id, _ = await awaiting_loan(world, "S-34", birth_date=ADULT)
    await signed_by_all(storage, loan_id)
    await RegionPolicy.update({RegionPolicy.school_year_end: dt.date(2027, 6, 30)}).where(
        RegionPolicy.region == world.region_ids["24"]
    )
    with pytest.raises(AgreementOutdated, match="date de retour : 30/06/2027"):
        await desk.hand_over(PLATFORM, ACTOR, NOW, loan_id, None)
    assert await Signature.count() == 2  # nothing written by the refusal
