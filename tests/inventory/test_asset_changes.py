"""The one writer of an asset's state: the row and its history event, together."""

from inventory import assets
from inventory.db import write_transaction
from inventory.history import AssetChange, change_assets
from inventory.tables import Asset, AssetEvent
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, make_asset


async def _id(tag: str) -> int:
    return (await Asset.select(Asset.id).where(Asset.tag == tag).first())["id"]


async def test_a_change_of_state_writes_the_row_and_one_event_per_asset(world):
    await make_asset("S-1", UAI_A, world.model_id)
    await make_asset("S-2", UAI_A, world.model_id)
    ids = [await _id("S-1"), await _id("S-2")]
    before = await AssetEvent.count()
    async with write_transaction():
        await change_assets(
            [AssetChange(i, {"state": ["in_stock", "lost"]}, None) for i in ids],
            {"state": "lost"},
            ACTOR,
            NOW,
            "declared_lost",
        )
    assert [(await assets.get_asset(PLATFORM, t)).state for t in ("S-1", "S-2")] == ["lost"] * 2
    assert await AssetEvent.count() == before + 2


async def test_a_change_without_values_records_only_its_event(world):
    await make_asset("S-1", UAI_A, world.model_id)
    asset_id = await _id("S-1")
    await change_assets([AssetChange(asset_id, {"loan_id": [None, 7]}, None)], {}, ACTOR, NOW, "x")
    assert (await assets.get_asset(PLATFORM, "S-1")).state == "in_stock"
    last = await AssetEvent.select(AssetEvent.action).order_by(AssetEvent.id, ascending=False)
    assert last[0]["action"] == "x"
