"""Corrections of a record, in the domain: applied through the record's own edit in the
decision's transaction, refused with a reason, never half-written."""

from __future__ import annotations

import pytest

from inventory.errors import Conflict, Invalid, NotFound
from loans import corrections
from loans.ent_linking import LINKED, SpaceAccess
from loans.tables import CorrectionRequest, Guardian, StudentEvent
from tests.factories import ACTOR, NOW, PLATFORM, guardian_fields, make_student, scope_of
from tests.factories import ent_identity as identity


async def asked(student_id: int, **request) -> int:
    access = SpaceAccess(LINKED, "student", (student_id,))
    view = await corrections.ask_correction(access, identity(), NOW, student_id, **request)
    return view.id


async def test_a_value_the_record_refuses_leaves_the_request_pending_and_the_record_as_it_was(
    world,
):
    student = await make_student("A", last_name="Durnad")
    request_id = await asked(student.id, guardian_id=None, field="last_name", value="Durand")
    with pytest.raises(Invalid) as refused:
        await corrections.apply_correction(PLATFORM, ACTOR, NOW, request_id, "   ")
    assert "value" in refused.value.errors
    row = await CorrectionRequest.select(CorrectionRequest.state).first()
    assert row == {"state": "pending"}
    events = await StudentEvent.select(StudentEvent.action).where(
        StudentEvent.student == student.id
    )
    assert [e["action"] for e in events] == ["created", "correction_requested"]


async def test_a_guardians_phone_corrected_goes_through_the_guardian_edit(world):
    student = await make_student("A", guardians=[guardian_fields(phone="06 00 00 00 00")])
    guardian_id = (await Guardian.select(Guardian.id).first())["id"]
    request_id = await asked(
        student.id, guardian_id=guardian_id, field="phone", value="07 11 22 33 44"
    )
    applied = await corrections.apply_correction(scope_of(world, "it_a"), ACTOR, NOW, request_id)
    assert applied.state == "applied"
    assert (await Guardian.select(Guardian.phone).first())["phone"] == "07 11 22 33 44"
    events = await StudentEvent.select(StudentEvent.action, StudentEvent.changes).where(
        StudentEvent.student == student.id
    )
    actions = [e["action"] for e in events]
    assert actions[-3:] == ["correction_requested", "guardian_updated", "correction_applied"]
    assert "07 11" not in str([e["changes"] for e in events])  # field names, never values


async def test_staff_of_another_school_cannot_decide_and_a_decision_is_taken_once(world):
    student = await make_student("A")
    request_id = await asked(student.id, guardian_id=None, field="first_name", value="Zoé")
    with pytest.raises(NotFound):
        await corrections.refuse_correction(scope_of(world, "it_b"), ACTOR, NOW, request_id, "non")
    with pytest.raises(Invalid):
        await corrections.refuse_correction(scope_of(world, "it_a"), ACTOR, NOW, request_id, "")
    await corrections.refuse_correction(scope_of(world, "it_a"), ACTOR, NOW, request_id, "non")
    with pytest.raises(Conflict):
        await corrections.apply_correction(scope_of(world, "it_a"), ACTOR, NOW, request_id)


async def test_a_birth_date_in_the_future_is_refused_when_asked(world):
    student = await make_student("A")
    with pytest.raises(Invalid) as refused:
        await asked(student.id, guardian_id=None, field="birth_date", value="2031-01-01")
    assert refused.value.errors == {"value": "la date de naissance est dans le futur"}
    assert await CorrectionRequest.count() == 0
