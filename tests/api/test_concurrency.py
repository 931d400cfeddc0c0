"""Simultaneous requests on the same app: the database constraints decide, never a 500."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from inventory.tables import Asset, AssetEvent
from tests.api.problems import assert_problem, asset_body
from tests.factories import UAI_A, UAI_B, make_asset

ASSETS = "/api/v1/assets"


async def post_all(as_, bodies: list[dict], persona: str = "it_ab") -> list:
    return await asyncio.gather(*(as_(persona).post(ASSETS, json=body) for body in bodies))


@pytest.mark.parametrize("attempts", [2, 20])
async def test_simultaneous_creations_of_one_tag_give_one_asset_and_conflicts(as_, world, attempts):
    bodies = [
        asset_body(
            world.model_id, "RACE-1", serial=f"S{n}", establishment_uai=(UAI_A, UAI_B)[n % 2]
        )
        for n in range(attempts)
    ]
    responses = await post_all(as_, bodies)
    assert Counter(r.status_code for r in responses) == {201: 1, 409: attempts - 1}
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "tag")
    assert await Asset.count().where(Asset.tag == "RACE-1") == 1
    assert await AssetEvent.count() == 1


async def test_simultaneous_creations_of_one_serial_give_one_asset(as_, world):
    bodies = [asset_body(world.model_id, f"RACE-S{n}", serial="SAME-SERIAL") for n in range(10)]
    responses = await post_all(as_, bodies)
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 9}
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "serial")
    assert await Asset.count() == 1


async def test_simultaneous_creations_of_different_assets_all_succeed(as_, world):
    bodies = [asset_body(world.model_id, f"MANY-{n:02d}") for n in range(20)]
    responses = await post_all(as_, bodies)
    assert [r.status_code for r in responses] == [201] * 20
    assert await Asset.count() == 20
    assert await AssetEvent.count() == 20


async def test_simultaneous_patches_keep_a_consistent_history(as_, world):
    """Each event's "before" is the previous event's "after": no change is lost from history."""
    await make_asset("RACE-P", UAI_A, world.model_id)
    states = ["in_repair", "lost", "stolen", "retired", "in_stock", "in_repair"]
    responses = await asyncio.gather(
        *(as_("it_a").patch(f"{ASSETS}/RACE-P", json={"state": s}) for s in states)
    )
    assert all(r.status_code == 200 for r in responses)
    history = (await as_("it_a").get(f"{ASSETS}/RACE-P/history")).json()
    changes = [event["changes"]["state"] for event in reversed(history[:-1])]
    current = "in_stock"
    for before, after in changes:
        assert before == current
        current = after
    assert (await as_("it_a").get(f"{ASSETS}/RACE-P")).json()["state"] == current


async def test_simultaneous_reads_and_writes_never_fail(as_, world):
    await make_asset("RW-0", UAI_A, world.model_id)
    requests = []
    for n in range(10):
        requests.append(as_("it_a").post(ASSETS, json=asset_body(world.model_id, f"RW-{n + 1}")))
        requests.append(as_("it_a").get(ASSETS))
        requests.append(as_("it_a").patch(f"{ASSETS}/RW-0", json={"notes": f"note {n}"}))
    responses = await asyncio.gather(*requests)
    assert all(r.status_code < 300 for r in responses), [r.text for r in responses if r.is_error]
