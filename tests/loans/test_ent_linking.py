"""Linking ENT accounts to students: by ENT key, else a proposal by school + names + birth
date that staff confirm or reject (never linked silently); guardians with legal authority;
loss declarations from the space that the school confirms."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from inventory.errors import Conflict, Invalid, NotFound
from inventory.tables import Asset
from loans import ent_linking, loss_declarations, my_space, students
from loans.ent_identity import CAS, GUARDIAN, OIDC, STUDENT
from loans.ent_linking import LINKED, PENDING, REJECTED, UNKNOWN
from loans.students import StudentFilters
from loans.tables import EntLinkProposal, Loan, Student
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, UAI_B, active_loan, make_student, scope_of
from tests.factories import ent_identity as student_identity
from tests.loans.agreement_factories import add_guardian


async def test_a_student_whose_ent_key_is_on_their_record_is_linked_at_once(world):
    student = await make_student("A", ent_id="K-1")
    access = await ent_linking.access_for(student_identity("K-1"), NOW)
    assert (access.status, access.student_ids) == (LINKED, (student.id,))
    assert await EntLinkProposal.count() == 0


async def test_the_same_key_in_another_region_links_nothing(world):
    await make_student("A", ent_id="K-1")
    access = await ent_linking.access_for(student_identity("K-1", region_code="44"), NOW)
    assert access.status == UNKNOWN and access.student_ids == ()


async def test_names_and_birth_date_only_propose_a_link_that_staff_confirm(world, caplog):
    student = await make_student("A", ent_id=None, last_name="DUPONT", first_name="Lea")
    identity = student_identity("K-9", last_name="dupont", first_name="Léa Marie")
    with caplog.at_level(logging.INFO, logger="ordipret.audit"):
        first = await ent_linking.access_for(identity, NOW)
        again = await ent_linking.access_for(identity, NOW)
    assert first.status == PENDING and first.student_ids == ()
    assert again.status == PENDING
    assert await EntLinkProposal.count() == 1  # one proposal, however many visits
    assert (await students.get_student(PLATFORM, student.id)).ent_id is None

    proposals = await ent_linking.list_proposals(scope_of(world, "it_a"))
    assert [(p.student_id, p.ent_id, p.auth_method) for p in proposals] == [
        (student.id, "K-9", CAS)
    ]
    assert await ent_linking.list_proposals(scope_of(world, "it_b")) == []
    with pytest.raises(NotFound):
        await ent_linking.confirm_proposal(scope_of(world, "it_b"), ACTOR, NOW, proposals[0].id)

    with caplog.at_level(logging.INFO, logger="ordipret.audit"):
        confirmed = await ent_linking.confirm_proposal(
            scope_of(world, "it_a"), ACTOR, NOW, proposals[0].id
        )
    assert confirmed.state == "confirmed"
    assert (await students.get_student(PLATFORM, student.id)).ent_id == "K-9"
    assert (await ent_linking.access_for(identity, NOW)).student_ids == (student.id,)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert f"student {student.id}" in logged and "ENT" in logged
    assert "DUPONT" not in logged and "K-9" not in logged and "2010" not in logged


async def test_a_rejected_proposal_links_nothing_and_is_not_proposed_again(world):
    student = await make_student("A", ent_id=None, last_name="Dupont", first_name="Léa")
    identity = student_identity("K-9")
    await ent_linking.access_for(identity, NOW)
    proposal = (await ent_linking.list_proposals(scope_of(world, "it_a")))[0]
    await ent_linking.reject_proposal(scope_of(world, "it_a"), ACTOR, NOW, proposal.id)
    with pytest.raises(Conflict):
        await ent_linking.confirm_proposal(scope_of(world, "it_a"), ACTOR, NOW, proposal.id)
    access = await ent_linking.access_for(identity, NOW)
    assert access.status == REJECTED and access.student_ids == ()
    assert await EntLinkProposal.count() == 1
    assert (await students.get_student(PLATFORM, student.id)).ent_id is None


@pytest.mark.parametrize(
    "changes",
    [
        {"birth_date": dt.date(2010, 3, 15)},
        {"last_name": "Durand"},
        {"uais": (UAI_B,)},
        {"uais": ()},
        {"birth_date": None},
    ],
)
async def test_an_account_matching_no_record_is_unknown_and_proposes_nothing(world, changes):
    await make_student("A", ent_id=None, last_name="Dupont", first_name="Léa")
    access = await ent_linking.access_for(student_identity("K-9", **changes), NOW)
    assert access.status == UNKNOWN and access.student_ids == ()
    assert await EntLinkProposal.count() == 0


async def test_two_records_matching_alike_propose_neither(world):
    for _ in range(2):
        await make_student("A", ent_id=None, last_name="Dupont", first_name="Léa")
    access = await ent_linking.access_for(student_identity("K-9"), NOW)
    assert access.status == UNKNOWN and await EntLinkProposal.count() == 0


async def test_a_record_linked_to_another_account_is_not_proposed(world):
    await make_student("A", ent_id="K-OTHER", last_name="Dupont", first_name="Léa")
    access = await ent_linking.access_for(student_identity("K-9"), NOW)
    assert access.status == UNKNOWN


async def test_a_guardian_sees_only_the_children_over_whom_they_have_legal_authority(world):
    lea, tom, other = [await make_student("A") for _ in range(3)]
    await _guardian_key(lea.id, "G-1", True)
    await _guardian_key(tom.id, "G-1", False)
    await _guardian_key(other.id, "G-2", True)
    guardian = student_identity("G-1", kind=GUARDIAN, method=OIDC)
    access = await ent_linking.access_for(guardian, NOW)
    assert access.status == LINKED and access.student_ids == (lea.id,)
    assert access.sees(lea.id) and not access.sees(tom.id) and not access.sees(other.id)


async def test_a_guardian_without_legal_authority_sees_nothing(world):
    student = await make_student("A")
    await _guardian_key(student.id, "G-1", False)
    access = await ent_linking.access_for(student_identity("G-1", kind=GUARDIAN), NOW)
    assert access.status == UNKNOWN and access.student_ids == ()


async def _guardian_key(student_id: int, key: str, authority: bool) -> int:
    from loans.tables import Guardian

    guardian_id = await add_guardian(student_id, "Claire", legal_authority=authority)
    await Guardian.update({Guardian.ent_id: key}).where(Guardian.id == guardian_id)
    return guardian_id


async def test_staff_find_a_student_by_ent_key(world):
    student = await make_student("A", ent_id="K-1")
    await make_student("A", ent_id="K-2")
    found = await students.list_students(scope_of(world, "it_a"), StudentFilters(ent_id="K-1"))
    assert [s.id for s in found.items] == [student.id]
    elsewhere = await students.list_students(scope_of(world, "it_b"), StudentFilters(ent_id="K-1"))
    assert elsewhere.items == []


# Loss and theft declarations ---------------------------------------------------------------


async def test_a_declared_loss_changes_nothing_until_the_school_confirms_it(world):
    student = await make_student("A", ent_id="K-1")
    loan_id = await active_loan(world, "P-1", UAI_A, student.id)
    identity = student_identity("K-1")
    access = await ent_linking.access_for(identity, NOW)
    declared = await loss_declarations.declare(
        access,
        identity,
        NOW,
        loan_id,
        kind="loss",
        incident_on=NOW.date(),
        circumstances="Oublié dans le bus",
    )
    assert declared.state == "pending" and declared.declared_by_role == STUDENT
    assert (await Loan.select(Loan.state).where(Loan.id == loan_id).first())["state"] == "active"
    with pytest.raises(Conflict):  # one pending declaration per loan
        await loss_declarations.declare(
            access, identity, NOW, loan_id, kind="loss", incident_on=NOW.date(), circumstances="x"
        )
    assert await loss_declarations.list_declarations(scope_of(world, "it_b")) == []
    with pytest.raises(NotFound):
        await loss_declarations.confirm_declaration(
            scope_of(world, "it_b"), ACTOR, NOW, declared.id
        )

    confirmed = await loss_declarations.confirm_declaration(
        scope_of(world, "it_a"), ACTOR, NOW, declared.id
    )
    assert confirmed.state == "confirmed"
    loan = await Loan.select(Loan.state, Loan.circumstances).where(Loan.id == loan_id).first()
    assert loan["state"] == "lost" and "Oublié dans le bus" in loan["circumstances"]
    asset = await Asset.select(Asset.state).where(Asset.tag == "P-1").first()
    assert asset["state"] == "lost"


async def test_a_theft_needs_the_police_report_and_a_student_declares_only_their_own(world):
    student = await make_student("A", ent_id="K-1")
    other = await make_student("A", ent_id="K-2")
    loan_id = await active_loan(world, "P-1", UAI_A, student.id)
    other_loan = await active_loan(world, "P-2", UAI_A, other.id)
    identity = student_identity("K-1")
    access = await ent_linking.access_for(identity, NOW)
    with pytest.raises(Invalid) as refused:
        await loss_declarations.declare(
            access, identity, NOW, loan_id, kind="theft", incident_on=NOW.date(), circumstances="x"
        )
    assert set(refused.value.errors) == {"police_report_ref", "police_report_on"}
    with pytest.raises(NotFound):
        await loss_declarations.declare(
            access,
            identity,
            NOW,
            other_loan,
            kind="loss",
            incident_on=NOW.date(),
            circumstances="x",
        )
    with pytest.raises(NotFound):
        await my_space.space_loan(access, other_loan, NOW.date())
    declared = await loss_declarations.declare(
        access,
        identity,
        NOW,
        loan_id,
        kind="theft",
        incident_on=NOW.date(),
        circumstances="Sac volé",
        police_report_ref="PV-2026-0042",
        police_report_on=NOW.date(),
    )
    rejected = await loss_declarations.reject_declaration(
        scope_of(world, "it_a"), ACTOR, NOW, declared.id, "Retrouvé au CDI"
    )
    assert rejected.state == "rejected"
    assert (await Loan.select(Loan.state).where(Loan.id == loan_id).first())["state"] == "active"
    assert await Student.count() == 2
