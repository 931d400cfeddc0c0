"""Receiving a delivery: a blank label then a serial, again and again; the last pair undone;
a device registered alone with its label."""

from __future__ import annotations

import pytest

from inventory import assets
from inventory.errors import Conflict, Invalid, NotFound
from inventory.tables import Asset, AssetEvent
from labels.assignment import create_blank_codes
from labels.intake import register_device
from labels.tables import LabelCode
from loans import deliveries, lifecycle
from loans.tables import DeliveryItem
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    World,
    make_student,
    scope_of,
)


async def blanks(world: World, count: int = 2, region: str = "24") -> list[str]:
    return await create_blank_codes(PLATFORM, world.region_ids[region], count, NOW)


async def delivery_at_a(world: World, persona: str = "it_a") -> int:
    scope = scope_of(world, persona)
    return (await deliveries.open_delivery(scope, ACTOR, NOW, world.model_id, UAI_A)).id


def url(code: str) -> str:
    return f"HTTPS://ORDIPRET.EXAMPLE/A/{code}"


async def test_each_pair_scanned_registers_a_device_with_its_label(world):
    first, second = await blanks(world)
    delivery = await delivery_at_a(world)
    scope = scope_of(world, "it_a")

    one = await deliveries.receive_device(scope, ACTOR, NOW, delivery, url(first), "pf3abc01")
    await deliveries.receive_device(scope, ACTOR, NOW, delivery, second, "PF3ABC02")

    assert one.tag == f"24-{first}" and one.serial == "PF3ABC01"
    device = await assets.get_asset(scope, one.tag)
    assert device.establishment.uai == UAI_A and device.model.id == world.model_id
    bound = await LabelCode.select(LabelCode.code).where(LabelCode.asset.is_not_null())
    assert {row["code"] for row in bound} == {first, second}
    history = [event.action for event in await assets.asset_history(scope, one.tag)]
    assert history == ["label_bound", "created"]
    assert (await deliveries.get_delivery(scope, delivery)).received == 2


async def test_a_serial_the_manufacturer_already_has_is_refused_and_nothing_is_written(world):
    first, second = await blanks(world)
    delivery = await delivery_at_a(world)
    scope = scope_of(world, "it_a")
    await deliveries.receive_device(scope, ACTOR, NOW, delivery, first, "PF3ABC01")

    with pytest.raises(Conflict) as refused:
        await deliveries.receive_device(scope, ACTOR, NOW, delivery, second, "PF3ABC01")

    assert refused.value.field == "serial" and "existe déjà" in refused.value.message
    assert await Asset.count() == 1 and await DeliveryItem.count() == 1
    assert await LabelCode.count().where(LabelCode.asset.is_null()) == 1


async def test_a_label_already_on_a_device_is_refused_and_nothing_is_written(world):
    (first,) = await blanks(world, 1)
    delivery = await delivery_at_a(world)
    scope = scope_of(world, "it_a")
    await deliveries.receive_device(scope, ACTOR, NOW, delivery, first, "PF3ABC01")

    with pytest.raises(Conflict) as refused:
        await deliveries.receive_device(scope, ACTOR, NOW, delivery, first, "PF3ABC02")

    assert refused.value.field == "code" and "déjà collée" in refused.value.message
    assert await Asset.count() == 1 and await DeliveryItem.count() == 1


async def test_a_label_scanned_as_the_serial_is_named_as_such(world):
    first, second = await blanks(world)
    delivery = await delivery_at_a(world)

    with pytest.raises(Invalid) as refused:
        await deliveries.receive_device(
            scope_of(world, "it_a"), ACTOR, NOW, delivery, first, url(second)
        )

    assert "étiquette ordipret" in refused.value.errors["serial"]
    assert await Asset.count() == 0


async def test_another_regions_label_is_unknown(world):
    (foreign,) = await blanks(world, 1, region="44")
    delivery = await delivery_at_a(world)

    with pytest.raises(Invalid) as refused:
        await deliveries.receive_device(
            scope_of(world, "it_a"), ACTOR, NOW, delivery, foreign, "PF3ABC01"
        )

    assert "inconnue" in refused.value.errors["code"]


async def test_undo_removes_the_last_device_and_blanks_its_label_on_record(world):
    first, second = await blanks(world)
    delivery = await delivery_at_a(world)
    scope = scope_of(world, "it_a")
    kept = await deliveries.receive_device(scope, ACTOR, NOW, delivery, first, "PF3ABC01")
    wrong = await deliveries.receive_device(scope, ACTOR, NOW, delivery, second, "PF3ABC99")

    undone = await deliveries.undo_last_receipt(scope, ACTOR, NOW, delivery)

    assert undone.tag == wrong.tag and undone.undone_by == ACTOR.name
    with pytest.raises(NotFound):
        await assets.get_asset(scope, wrong.tag)
    await assets.get_asset(scope, kept.tag)
    label = await LabelCode.select().where(LabelCode.code == second).first()
    assert label["asset"] is None and label["retired_at"] is None
    assert await AssetEvent.count() == 2  # the kept device's two, none left of the other
    listed = (await deliveries.list_items(scope, delivery)).items
    assert [(i.tag, i.undone_at is not None) for i in listed] == [
        (wrong.tag, True),
        (kept.tag, False),
    ]
    assert (await deliveries.get_delivery(scope, delivery)).received == 1
    # The label is blank again: the right device can take it.
    await deliveries.receive_device(scope, ACTOR, NOW, delivery, second, "PF3ABC02")


async def test_a_device_already_lent_cannot_be_undone(world):
    (first,) = await blanks(world, 1)
    delivery = await delivery_at_a(world)
    scope = scope_of(world, "it_a")
    received = await deliveries.receive_device(scope, ACTOR, NOW, delivery, first, "PF3ABC01")
    student = await make_student()
    await lifecycle.prepare_loan(
        PLATFORM,
        ACTOR,
        NOW,
        asset_tag=received.tag,
        student_id=student.id,
        max_open_per_category=1,
        draft=True,
    )

    with pytest.raises(Conflict) as refused:
        await deliveries.undo_last_receipt(scope, ACTOR, NOW, delivery)

    assert "ne peut plus être annulée" in refused.value.message
    await assets.get_asset(scope, received.tag)


async def test_nothing_to_undo_is_said(world):
    delivery = await delivery_at_a(world)
    with pytest.raises(Conflict):
        await deliveries.undo_last_receipt(scope_of(world, "it_a"), ACTOR, NOW, delivery)


async def test_staff_of_another_school_neither_see_nor_receive_into_a_delivery(world):
    (first,) = await blanks(world, 1)
    delivery = await delivery_at_a(world)
    other = scope_of(world, "it_b")

    with pytest.raises(NotFound):
        await deliveries.get_delivery(other, delivery)
    with pytest.raises(NotFound):
        await deliveries.receive_device(other, ACTOR, NOW, delivery, first, "PF3ABC01")
    with pytest.raises(NotFound):
        await deliveries.undo_last_receipt(other, ACTOR, NOW, delivery)
    assert await Asset.count() == 0


async def test_a_delivery_opens_only_for_a_school_in_scope_and_a_known_model(world):
    with pytest.raises(Invalid) as refused:
        await deliveries.open_delivery(scope_of(world, "it_b"), ACTOR, NOW, None, UAI_A)
    assert set(refused.value.errors) == {"model_id", "establishment_uai"}


async def test_one_device_is_registered_with_its_label_or_not_at_all(world):
    (first,) = await blanks(world, 1)
    scope = scope_of(world, "it_b")
    fields = {"serial": "PF3ABC01", "model_id": world.model_id, "establishment_uai": UAI_B}

    with pytest.raises(Invalid) as refused:
        await register_device(scope, ACTOR, NOW, {**fields, "establishment_uai": UAI_A}, first)
    assert "establishment_uai" in refused.value.errors
    assert await Asset.count() == 0

    made = await register_device(scope, ACTOR, NOW, {**fields, "tag": "lb-0001"}, url(first))
    assert made.asset.tag == "LB-0001" and made.code == first


async def test_deliveries_are_listed_latest_first_with_their_count_within_the_scope(world):
    (first,) = await blanks(world, 1)
    older = await delivery_at_a(world)
    newer = await delivery_at_a(world)
    scope = scope_of(world, "it_a")
    await deliveries.receive_device(scope, ACTOR, NOW, older, first, "PF3ABC01")

    listed = await deliveries.list_deliveries(scope)

    assert [(d.id, d.received) for d in listed.items] == [(newer, 0), (older, 1)]
    assert listed.total == 2
    assert (await deliveries.list_deliveries(scope_of(world, "it_b"))).items == []
