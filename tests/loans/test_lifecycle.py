"""The loan lifecycle: allowed transitions, refused ones with their reason, and the invariants
the database keeps under concurrency."""

import asyncio
import datetime as dt

import pytest

from inventory.assets import get_asset
from inventory.errors import Conflict, Invalid
from inventory.tables import Asset, AssetEvent
from loans import lifecycle
from loans.records import get_loan, loan_history
from loans.tables import Loan, LoanEvent
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    active_loan,
    make_asset,
    make_student,
)

TODAY = NOW.date()


async def _prepare(tag, student_id, maximum=1):
    return await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag=tag, student_id=student_id, max_open_per_category=maximum
    )


async def test_a_prepared_loan_awaits_signature_and_a_signed_one_can_be_handed_over(world):
    await make_asset("L-1", UAI_A, world.model_id)
    student = (await make_student()).id
    loan_id = await _prepare("L-1", student)
    assert (await get_loan(PLATFORM, loan_id, TODAY)).state == "awaiting_signature"
    await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan_id, TODAY)
    await lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan_id, ["chargeur"], dt.date(2027, 7, 4))
    loan = await get_loan(PLATFORM, loan_id, TODAY)
    assert (loan.state, loan.signed, loan.accessories_given) == ("active", True, ["chargeur"])


async def test_hand_over_is_refused_until_the_agreement_is_signed(world):
    await make_asset("L-2", UAI_A, world.model_id)
    loan_id = await _prepare("L-2", (await make_student()).id)
    with pytest.raises(Conflict, match="pas signée"):
        await lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan_id, [], None)


async def test_a_device_of_another_school_cannot_be_lent_to_the_student(world):
    await make_asset("L-3", UAI_B, world.model_id)
    with pytest.raises(Invalid) as refused:
        await _prepare("L-3", (await make_student("A")).id)
    assert "asset_tag" in refused.value.errors


async def test_a_return_in_good_condition_puts_the_device_back_in_stock(world):
    loan_id = await active_loan(world, "L-4", UAI_A, (await make_student()).id)
    result = await lifecycle.take_back(
        PLATFORM, ACTOR, NOW, loan_id, accessories_returned=[], condition="B"
    )
    assert result == {"damaged": False, "missing_accessories": ["chargeur"]}
    assert (await get_asset(PLATFORM, "L-4")).state == "in_stock"
    loan = await get_loan(PLATFORM, loan_id, TODAY)
    assert (loan.state, loan.missing_accessories) == ("returned", ["chargeur"])


async def test_a_damaged_return_sends_the_device_to_repair(world):
    loan_id = await active_loan(world, "L-5", UAI_A, (await make_student()).id)
    await lifecycle.take_back(
        PLATFORM,
        ACTOR,
        NOW,
        loan_id,
        accessories_returned=["chargeur"],
        condition="C",
        damage_notes="écran fissuré",
    )
    asset = await get_asset(PLATFORM, "L-5")
    assert (asset.state, asset.condition) == ("in_repair", "C")


async def test_a_theft_without_a_police_report_reference_is_refused(world):
    loan_id = await active_loan(world, "L-6", UAI_A, (await make_student()).id)
    with pytest.raises(Invalid) as refused:
        await lifecycle.declare_theft(
            PLATFORM,
            ACTOR,
            NOW,
            loan_id,
            incident_on=TODAY,
            circumstances="dans le bus",
            police_report_ref=" ",
            police_report_on=None,
        )
    assert set(refused.value.errors) == {"police_report_ref", "police_report_on"}
    assert (await get_loan(PLATFORM, loan_id, TODAY)).state == "active"


async def test_a_declared_theft_marks_the_device_stolen_and_frees_the_student_for_a_replacement(
    world,
):
    student = (await make_student()).id
    loan_id = await active_loan(world, "L-7", UAI_A, student)
    await lifecycle.declare_theft(
        PLATFORM,
        ACTOR,
        NOW,
        loan_id,
        incident_on=TODAY,
        circumstances="dans le bus",
        police_report_ref="PV 2026/123",
        police_report_on=TODAY,
    )
    assert (await get_asset(PLATFORM, "L-7")).state == "stolen"
    await make_asset("L-7B", UAI_A, world.model_id)
    replacement = await _prepare("L-7B", student)
    assert (await get_loan(PLATFORM, replacement, TODAY)).state == "awaiting_signature"


async def test_a_closed_loan_refuses_every_further_transition_with_its_reason(world):
    loan_id = await active_loan(world, "L-8", UAI_A, (await make_student()).id)
    await lifecycle.declare_loss(
        PLATFORM, ACTOR, NOW, loan_id, incident_on=TODAY, circumstances="oublié au gymnase"
    )
    with pytest.raises(Conflict, match="le prêt est clos"):
        await lifecycle.take_back(
            PLATFORM, ACTOR, NOW, loan_id, accessories_returned=[], condition="A"
        )


async def test_cancelling_is_refused_once_the_device_was_handed_over(world):
    loan_id = await active_loan(world, "L-9", UAI_A, (await make_student()).id)
    with pytest.raises(Conflict, match="l'appareil a été remis"):
        await lifecycle.cancel(PLATFORM, ACTOR, NOW, loan_id)


async def test_cession_depends_on_the_region_policy_and_removes_the_device_from_the_fleet(world):
    loan_id = await active_loan(world, "L-10", UAI_A, (await make_student()).id)
    with pytest.raises(Conflict, match="politique"):
        await lifecycle.cede(PLATFORM, ACTOR, NOW, loan_id, cession_allowed=False)
    await lifecycle.cede(PLATFORM, ACTOR, NOW, loan_id, cession_allowed=True)
    assert (await get_asset(PLATFORM, "L-10")).state == "ceded"


async def test_a_transfer_moves_the_loan_and_keeps_its_whole_history(world):
    student = (await make_student("A")).id
    loan_id = await active_loan(world, "L-11", UAI_A, student)
    new_id = await lifecycle.transfer(
        PLATFORM,
        ACTOR,
        NOW,
        loan_id,
        to_establishment_id=world.establishment_ids["B"],
        to_region_id=world.region_ids["24"],
    )
    assert (await get_loan(PLATFORM, loan_id, TODAY)).state == "transferred"
    moved = await get_loan(PLATFORM, new_id, TODAY)
    assert (moved.state, moved.establishment_uai, moved.previous_id) == ("active", UAI_B, loan_id)
    actions = [event.action for event in await loan_history(PLATFORM, new_id)]
    assert actions == ["transfer_in", "transfer", "hand_over", "paper_signature", "prepare_loan"]
    assert (await get_asset(PLATFORM, "L-11")).establishment.uai == UAI_B


async def test_a_hundred_simultaneous_hand_overs_of_one_loan_succeed_once(world):
    await make_asset("L-12", UAI_A, world.model_id)
    loan_id = await _prepare("L-12", (await make_student()).id)
    await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan_id, TODAY)
    results = await asyncio.gather(
        *[lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan_id, [], None) for _ in range(100)],
        return_exceptions=True,
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if r is not None)
    assert (
        await LoanEvent.count().where(
            (LoanEvent.loan == loan_id) & (LoanEvent.action == "hand_over")
        )
        == 1
    )


async def test_a_hundred_students_preparing_the_same_device_at_once_get_one_loan(world):
    await make_asset("L-13", UAI_A, world.model_id)
    students = [(await make_student()).id for _ in range(100)]
    results = await asyncio.gather(*[_prepare("L-13", s) for s in students], return_exceptions=True)
    assert sum(isinstance(r, int) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, int))
    assert await Loan.count().where(Loan.asset.tag == "L-13") == 1


async def test_a_student_at_the_policy_limit_cannot_get_more_even_concurrently(world):
    student = (await make_student()).id
    tags = [f"L-14-{n}" for n in range(10)]
    for tag in tags:
        await make_asset(tag, UAI_A, world.model_id)
    results = await asyncio.gather(
        *[_prepare(t, student, maximum=2) for t in tags], return_exceptions=True
    )
    assert sum(isinstance(r, int) for r in results) == 2
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, int))
    assert await Loan.count().where((Loan.student == student) & Loan.closed_at.is_null()) == 2


async def test_every_transition_writes_an_event_on_the_asset_too(world):
    loan_id = await active_loan(world, "L-15", UAI_A, (await make_student()).id)
    await lifecycle.take_back(
        PLATFORM, ACTOR, NOW, loan_id, accessories_returned=["chargeur"], condition="A"
    )
    asset_id = (await Asset.select(Asset.id).where(Asset.tag == "L-15").first())["id"]
    actions = [
        e["action"]
        for e in await AssetEvent.select(AssetEvent.action)
        .where(AssetEvent.asset == asset_id)
        .order_by(AssetEvent.id)
    ]
    assert actions == ["created", "hand_over", "take_back"]


async def test_a_ceded_device_no_longer_counts_in_the_fleet_but_keeps_its_history(world):
    from inventory.fleet_counts import count_by_state, fleet_total

    loan_id = await active_loan(world, "L-16", UAI_A, (await make_student()).id)
    await make_asset("L-16B", UAI_A, world.model_id)
    before = fleet_total(await count_by_state(PLATFORM, UAI_A))
    await lifecycle.cede(PLATFORM, ACTOR, NOW, loan_id, cession_allowed=True)
    assert fleet_total(await count_by_state(PLATFORM, UAI_A)) == before - 1
    actions = [event.action for event in await loan_history(PLATFORM, loan_id)]
    assert actions[0] == "cede"
