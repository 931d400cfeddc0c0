"""The loan desk: the policy filled in, one transaction per use-case, and the rules that need
to know whether a device is lent (its state, lending it, a stocktake of its school)."""

import pytest

from inventory import assets
from inventory.errors import Conflict, Invalid
from inventory.tables import AssetEvent
from loans import desk, lifecycle
from loans.records import get_loan
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


async def test_preparing_takes_the_regions_maximum_and_refuses_a_second_device(world):
    student = (await make_student()).id
    await make_asset("D-1", UAI_A, world.model_id)
    await make_asset("D-2", UAI_A, world.model_id)
    await desk.prepare(PLATFORM, ACTOR, NOW, asset_tag="D-1", student_id=student)
    with pytest.raises(Conflict, match="maximum"):
        await desk.prepare(PLATFORM, ACTOR, NOW, asset_tag="D-2", student_id=student)
    assert await Loan.count() == 1


async def test_an_unknown_student_is_refused_naming_the_field(world):
    await make_asset("D-1", UAI_A, world.model_id)
    with pytest.raises(Invalid) as refused:
        await desk.prepare(PLATFORM, ACTOR, NOW, asset_tag="D-1", student_id=999_999)
    assert "student_id" in refused.value.errors


async def test_lending_prepares_signs_and_hands_over_with_the_policys_accessories(world):
    await make_asset("D-1", UAI_A, world.model_id)
    loan_id, steps = await desk.lend(
        PLATFORM,
        ACTOR,
        NOW,
        asset_tag="D-1",
        student_id=(await make_student()).id,
        signed_on=TODAY,
        accessories=None,
    )
    assert [(s.kind, s.status) for s in steps] == [
        ("prepare", "done"),
        ("sign", "done"),
        ("hand_over", "done"),
    ]
    loan = await get_loan(PLATFORM, loan_id, TODAY)
    plan_accessories = (await assets.get_asset(PLATFORM, "D-1")).model.accessories
    assert (loan.state, loan.accessories_given) == ("active", list(plan_accessories))
    assert loan.due_on is not None


async def test_lending_without_a_signature_keeps_the_loan_prepared_and_says_where_it_stopped(
    world,
):
    await make_asset("D-1", UAI_A, world.model_id)
    loan_id, steps = await desk.lend(
        PLATFORM,
        ACTOR,
        NOW,
        asset_tag="D-1",
        student_id=(await make_student()).id,
        signed_on=None,
        accessories=[],
    )
    assert [(s.kind, s.status) for s in steps] == [("prepare", "done"), ("hand_over", "refused")]
    assert "pas signée" in steps[-1].message
    assert (await get_loan(PLATFORM, loan_id, TODAY)).state == "awaiting_signature"


async def test_a_refused_signature_stops_the_hand_over_before_it_is_tried(world):
    await make_asset("D-1", UAI_A, world.model_id)
    loan_id = await desk.prepare(
        PLATFORM, ACTOR, NOW, asset_tag="D-1", student_id=(await make_student()).id
    )
    await lifecycle.cancel(PLATFORM, ACTOR, NOW, loan_id)
    steps = await desk.sign_and_hand_over(PLATFORM, ACTOR, NOW, loan_id, TODAY, None)
    assert [(s.kind, s.status) for s in steps] == [("sign", "refused"), ("hand_over", "todo")]
    assert "annulé" in steps[0].message


async def test_a_refused_preparation_writes_nothing(world):
    await make_asset("D-1", UAI_B, world.model_id)
    with pytest.raises(Invalid):
        await desk.lend(
            PLATFORM,
            ACTOR,
            NOW,
            asset_tag="D-1",
            student_id=(await make_student("A")).id,
            signed_on=TODAY,
            accessories=None,
        )
    assert (await Loan.count(), await LoanEvent.count()) == (0, 0)


async def test_a_return_says_where_the_device_goes(world):
    loan_id = await active_loan(world, "D-1", UAI_A, (await make_student()).id)
    result = await desk.take_back(
        PLATFORM, ACTOR, NOW, loan_id, accessories_returned=[" chargeur "], condition="d"
    )
    assert (result.damaged, result.missing_accessories, result.device_state) == (
        True,
        [],
        "in_repair",
    )


async def test_a_transfer_goes_to_another_school_of_the_loans_region_only(world):
    loan_id = await active_loan(world, "D-1", UAI_A, (await make_student()).id)
    assert [s.uai for s in await desk.transfer_targets(PLATFORM, loan_id)] == [UAI_B]
    new_id, uai = await desk.transfer(PLATFORM, ACTOR, NOW, loan_id, UAI_B.lower())
    assert uai == UAI_B
    assert (await get_loan(PLATFORM, new_id, TODAY)).establishment_uai == UAI_B


async def test_a_device_in_stock_at_a_school_may_be_lent(world):
    await make_asset("D-1", UAI_A, world.model_id)
    asset = await assets.get_asset(PLATFORM, "D-1")
    assert await desk.lending_refusal(PLATFORM, asset, TODAY) == ("", None)


async def test_a_device_in_the_regional_stock_or_in_repair_is_not_lent_and_says_why(world):
    await make_asset("D-1", None, world.model_id, region_code="24")
    await make_asset("D-2", UAI_A, world.model_id, state="in_repair")
    regional, _ = await desk.lending_refusal(PLATFORM, await assets.get_asset(PLATFORM, "D-1"))
    assert "stock régional" in regional
    repair, _ = await desk.lending_refusal(PLATFORM, await assets.get_asset(PLATFORM, "D-2"))
    assert repair == "Cet appareil n'est pas en stock (en réparation)."


async def test_a_lent_device_is_not_refused_but_comes_with_its_loan(world):
    loan_id = await active_loan(world, "D-1", UAI_A, (await make_student()).id)
    refusal, current = await desk.lending_refusal(
        PLATFORM, await assets.get_asset(PLATFORM, "D-1"), TODAY
    )
    assert (refusal, current.id) == ("", loan_id)


async def test_the_state_of_a_lent_device_cannot_be_edited_but_its_notes_can(world):
    loan_id = await active_loan(world, "D-1", UAI_A, (await make_student()).id)
    with pytest.raises(Conflict, match=f"prêt n° {loan_id}"):
        await desk.update_asset(PLATFORM, ACTOR, NOW, "D-1", {"state": "retired"})
    edited = await desk.update_asset(PLATFORM, ACTOR, NOW, "D-1", {"notes": "rayure"})
    assert (edited.state, edited.notes) == ("in_stock", "rayure")


async def test_the_state_of_a_device_without_a_loan_can_be_edited_with_its_event(world):
    await make_asset("D-1", UAI_A, world.model_id)
    edited = await desk.update_asset(PLATFORM, ACTOR, NOW, "D-1", {"state": "retired"})
    assert edited.state == "retired"
    last = (
        await AssetEvent.select(AssetEvent.action, AssetEvent.changes)
        .order_by(AssetEvent.id, ascending=False)
        .first()
        .output(load_json=True)
    )
    assert last == {"action": "updated", "changes": {"state": ["in_stock", "retired"]}}


async def test_a_stocktake_does_not_expect_the_devices_lent_to_the_schools_students(world):
    await active_loan(world, "D-1", UAI_A, (await make_student()).id)
    await make_asset("D-2", UAI_A, world.model_id)
    opened = await desk.open_stocktake(PLATFORM, ACTOR, NOW, UAI_A)
    assert opened.counts.expected == 1
