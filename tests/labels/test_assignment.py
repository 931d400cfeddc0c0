"""Label codes: given to devices in bulk, printed ahead blank, bound at intake, retired."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from inventory import assets
from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Scope
from inventory.tables import Asset, AssetEvent
from labels import assignment
from labels.assignment import bind_code, codes_for_assets, create_blank_codes, found_device
from labels.codes import ALPHABET, LENGTH
from labels.tables import LabelCode
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, UAI_B, UAI_C, World, make_asset

LATER = NOW + dt.timedelta(days=1)


def it_staff_of(world: World, *schools: str) -> Scope:
    region_of = {"A": "24", "B": "24", "C": "44"}
    return Scope.establishments(
        {world.establishment_ids[s]: world.region_ids[region_of[s]] for s in schools}
    )


async def asset_ids(*tags: str) -> list[int]:
    return [await assets.asset_id(PLATFORM, tag) for tag in tags]


async def serial_of(tag: str) -> str:
    return (await assets.get_asset(PLATFORM, tag)).serial


async def blank(world: World, region: str = "24", count: int = 1) -> list[str]:
    return await create_blank_codes(PLATFORM, world.region_ids[region], count, NOW)


async def label_events(tag: str) -> list:
    return [e for e in await assets.asset_history(PLATFORM, tag) if e.action == "label_bound"]


# Codes for devices


async def test_each_device_gets_one_code_and_keeps_it(world):
    await make_asset("LA-1", UAI_A, world.model_id)
    await make_asset("LA-2", UAI_A, world.model_id)
    ids = await asset_ids("LA-1", "LA-2")
    first = await codes_for_assets(PLATFORM, ids, NOW)
    assert set(first) == set(ids) and len(set(first.values())) == 2
    assert all(len(code) == LENGTH and set(code) <= set(ALPHABET) for code in first.values())
    assert await codes_for_assets(PLATFORM, ids, LATER) == first
    assert await LabelCode.count() == 2


async def test_codes_are_created_in_bulk_beyond_one_chunk(world):
    await Asset.insert(
        *[
            Asset(
                tag=f"BULK-{n:04d}",
                serial=f"B{n:06d}",
                manufacturer_key="lenovo",
                model=world.model_id,
                region=world.region_ids["24"],
                establishment=world.establishment_ids["A"],
                created_at=NOW,
                updated_at=NOW,
            )
            for n in range(assignment.CHUNK + 20)
        ]
    )
    ids = [row["id"] for row in await Asset.select(Asset.id)]
    codes = await codes_for_assets(PLATFORM, ids, NOW)
    assert len(codes) == len(set(codes.values())) == assignment.CHUNK + 20


async def test_a_code_drawn_twice_is_drawn_again(world, monkeypatch):
    await make_asset("DUP-1", UAI_A, world.model_id)
    (taken,) = await blank(world)
    draws = iter([taken, "ZZZZZZZZZZ"])
    monkeypatch.setattr(assignment, "new_code", lambda: next(draws))
    codes = await codes_for_assets(PLATFORM, await asset_ids("DUP-1"), NOW)
    assert list(codes.values()) == ["ZZZZZZZZZZ"]


async def test_a_device_out_of_scope_gets_no_code(world):
    await make_asset("OUT-A", UAI_A, world.model_id)
    await make_asset("OUT-B", UAI_B, world.model_id)
    with pytest.raises(NotFound):
        await codes_for_assets(it_staff_of(world, "A"), await asset_ids("OUT-A", "OUT-B"), NOW)
    assert await LabelCode.count() == 0


# Blank codes printed ahead


async def test_it_staff_print_blank_codes_for_their_schools_region(world):
    codes = await create_blank_codes(it_staff_of(world, "A"), world.region_ids["24"], 3, NOW)
    rows = await LabelCode.select().where(LabelCode.code.is_in(codes))
    assert len(rows) == 3
    assert all(r["asset"] is None and r["region"] == world.region_ids["24"] for r in rows)


async def test_it_staff_cannot_print_blank_codes_for_another_region(world):
    with pytest.raises(NotFound):
        await create_blank_codes(it_staff_of(world, "A"), world.region_ids["44"], 3, NOW)
    assert await LabelCode.count() == 0


@pytest.mark.parametrize("count", [0, -1, 10_001])
async def test_a_blank_count_out_of_bounds_names_the_blank_field(world, count):
    with pytest.raises(Invalid) as refused:
        await create_blank_codes(PLATFORM, world.region_ids["24"], count, NOW)
    assert "blank" in refused.value.errors


# Binding at intake


async def test_a_blank_label_is_bound_to_the_device_whose_serial_is_scanned(world):
    await make_asset("BIND-1", UAI_A, world.model_id)
    (code,) = await blank(world)
    bound = await bind_code(
        it_staff_of(world, "A"), ACTOR, LATER, code, (await serial_of("BIND-1")).lower() + "\r\n"
    )
    assert (bound.code, bound.asset.tag) == (code, "BIND-1")
    row = await LabelCode.select().where(LabelCode.code == code).first()
    assert row["asset"] == (await asset_ids("BIND-1"))[0]
    assert row["bound_at"] is not None
    (event,) = await label_events("BIND-1")
    assert event.changes == {"label": [None, code]} and event.actor_name == ACTOR.name


async def test_the_label_may_be_given_as_the_url_its_qr_holds(world):
    await make_asset("BIND-URL", UAI_A, world.model_id)
    (code,) = await blank(world)
    bound = await bind_code(PLATFORM, ACTOR, NOW, f"HTTP://TESTSERVER/A/{code}", "bind-url")
    assert bound.code == code


async def test_binding_the_same_label_to_the_same_device_again_changes_nothing(world):
    await make_asset("BIND-2", UAI_A, world.model_id)
    (code,) = await blank(world)
    await bind_code(PLATFORM, ACTOR, NOW, code, "BIND-2")
    await bind_code(PLATFORM, ACTOR, LATER, code, "BIND-2")
    assert len(await label_events("BIND-2")) == 1


async def test_a_label_already_on_another_device_is_refused(world):
    await make_asset("ON-1", UAI_A, world.model_id)
    await make_asset("ON-2", UAI_A, world.model_id)
    (code,) = await blank(world)
    await bind_code(PLATFORM, ACTOR, NOW, code, "ON-1")
    with pytest.raises(Conflict) as refused:
        await bind_code(PLATFORM, ACTOR, NOW, code, "ON-2")
    assert refused.value.field == "code"
    assert "déjà collée" in refused.value.message


async def test_a_retired_label_is_refused(world):
    await make_asset("RET-1", UAI_A, world.model_id)
    await make_asset("RET-2", UAI_A, world.model_id)
    old, new = await blank(world, count=2)
    await bind_code(PLATFORM, ACTOR, NOW, old, "RET-1")
    await bind_code(PLATFORM, ACTOR, NOW, new, "RET-1", replace=True)
    with pytest.raises(Conflict) as refused:
        await bind_code(PLATFORM, ACTOR, NOW, old, "RET-2")
    assert refused.value.field == "code"
    assert "retirée" in refused.value.message


async def test_a_label_of_another_region_is_refused(world):
    await make_asset("REG-1", UAI_A, world.model_id)
    (code,) = await blank(world, region="44")
    with pytest.raises(Conflict) as refused:
        await bind_code(PLATFORM, ACTOR, NOW, code, "REG-1")
    assert refused.value.field == "code"
    assert "autre région" in refused.value.message
    assert await LabelCode.select().where(LabelCode.code == code).first() is not None


async def test_a_device_that_already_has_a_label_is_refused_without_replace(world):
    await make_asset("TWICE", UAI_A, world.model_id)
    first, second = await blank(world, count=2)
    await bind_code(PLATFORM, ACTOR, NOW, first, "TWICE")
    with pytest.raises(Conflict) as refused:
        await bind_code(PLATFORM, ACTOR, NOW, second, "TWICE")
    assert refused.value.field == "asset"
    assert first in refused.value.message
    codes = await codes_for_assets(PLATFORM, await asset_ids("TWICE"), NOW)
    assert list(codes.values()) == [first]


async def test_replacing_a_label_retires_the_old_one_and_records_both(world):
    await make_asset("REPL", UAI_A, world.model_id)
    first, second = await blank(world, count=2)
    await bind_code(PLATFORM, ACTOR, NOW, first, "REPL")
    await bind_code(PLATFORM, ACTOR, LATER, second, "REPL", replace=True)
    old = await LabelCode.select().where(LabelCode.code == first).first()
    assert old["asset"] is None and old["retired_at"] is not None
    codes = await codes_for_assets(PLATFORM, await asset_ids("REPL"), LATER)
    assert list(codes.values()) == [second]
    assert (await label_events("REPL"))[0].changes == {"label": [first, second]}


async def test_a_device_of_another_school_cannot_be_bound(world):
    await make_asset("OTHER-B", UAI_B, world.model_id)
    (code,) = await blank(world)
    with pytest.raises(NotFound):
        await bind_code(it_staff_of(world, "A"), ACTOR, NOW, code, "OTHER-B")
    assert await AssetEvent.count() == 1  # the creation only


async def test_an_unknown_label_is_not_found_and_an_illegible_one_names_the_code(world):
    await make_asset("UNK", UAI_A, world.model_id)
    with pytest.raises(NotFound):
        await bind_code(PLATFORM, ACTOR, NOW, "ZZZZZZZZZZ", "UNK")
    with pytest.raises(Invalid) as refused:
        await bind_code(PLATFORM, ACTOR, NOW, "pas un code", "UNK")
    assert "code" in refused.value.errors


async def test_scanning_a_label_where_the_device_is_expected_names_the_asset(world):
    await make_asset("SWAP", UAI_A, world.model_id)
    first, second = await blank(world, count=2)
    with pytest.raises(Invalid) as refused:
        await bind_code(PLATFORM, ACTOR, NOW, first, second)
    assert "asset" in refused.value.errors


# Who to return a found device to


async def test_a_live_code_tells_whose_device_it_is(world):
    await make_asset("FOUND", UAI_C, world.model_id)
    (code,) = (await codes_for_assets(PLATFORM, await asset_ids("FOUND"), NOW)).values()
    found = await found_device(code.lower())
    assert found.tag == "FOUND"
    assert found.address.region_name == "Grand Est"
    assert (found.address.establishment_name, found.address.city) == ("Lycée C", "Metz")


async def test_unknown_blank_and_retired_codes_tell_nothing(world):
    await make_asset("GONE", UAI_A, world.model_id)
    retired, live, unused = await blank(world, count=3)
    await bind_code(PLATFORM, ACTOR, NOW, retired, "GONE")
    await bind_code(PLATFORM, ACTOR, NOW, live, "GONE", replace=True)
    for code in (retired, unused, "ZZZZZZZZZZ", "n'importe quoi"):
        assert await found_device(code) is None
    assert (await found_device(live)).tag == "GONE"


# Concurrent requests


async def test_two_prints_at_once_give_a_device_one_code(world):
    for tag in ("RACE-1", "RACE-2"):
        await make_asset(tag, UAI_A, world.model_id)
    ids = await asset_ids("RACE-1", "RACE-2")
    first, second = await asyncio.gather(
        codes_for_assets(PLATFORM, ids, NOW), codes_for_assets(PLATFORM, ids, NOW)
    )
    assert first == second
    assert await LabelCode.count() == 2


async def test_one_label_bound_twice_at_once_goes_on_one_device_only(world):
    for tag in ("RACE-3", "RACE-4"):
        await make_asset(tag, UAI_A, world.model_id)
    (code,) = await blank(world)
    results = await asyncio.gather(
        bind_code(PLATFORM, ACTOR, NOW, code, "RACE-3"),
        bind_code(PLATFORM, ACTOR, NOW, code, "RACE-4"),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "LabelledAsset"]
    assert len(await label_events("RACE-3")) + len(await label_events("RACE-4")) == 1
