"""Stocktakes: the expected list frozen at opening, scans judged and counted once, closing,
declaring the missing devices lost; one open stocktake per place, even under races."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from inventory import assets, stocktakes
from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Actor, Scope
from inventory.stocktake_views import Counts
from inventory.tables import Asset, AssetEvent, StocktakeExpected, StocktakeScan
from labels.scan import locate
from labels.tables import LabelCode
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, UAI_B, World, make_asset, make_location

PARIS = ZoneInfo("Europe/Paris")
LATER = NOW + dt.timedelta(hours=1)
CLERK = Actor(id=42, name="Claire Référente")


def scope_of_a(world: World) -> Scope:
    return Scope.establishments({world.establishment_ids["A"]: world.region_ids["24"]})


def scope_of_b(world: World) -> Scope:
    return Scope.establishments({world.establishment_ids["B"]: world.region_ids["24"]})


async def scan(world: World, stocktake_id: int, raw: str, now: dt.datetime = LATER):
    return await stocktakes.record_scan(
        scope_of_a(world), CLERK, now, stocktake_id, raw, await locate(raw)
    )


@pytest_asyncio.fixture(loop_scope="session")
async def shelf(world: World) -> World:
    """Lycée A: A-1, A-2 in stock, A-3 in repair, A-4 stolen, A-5 retired, all in Salle 3.
    Lycée B: B-1. Region 24's own stock: R-1."""
    model = world.model_id
    for tag in ("A-1", "A-2"):
        await make_asset(tag, UAI_A, model)
    await make_asset("A-3", UAI_A, model, state="in_repair")
    await make_asset("A-4", UAI_A, model, state="stolen")
    await make_asset("A-5", UAI_A, model, state="retired")
    await make_asset("B-1", UAI_B, model)
    await make_asset("R-1", None, model, region_code="24")
    for place in ("Chariot 1", "Chariot 2"):  # empty locations of lycée A
        await make_location(UAI_A, place)
    await make_location(UAI_A, "Salle 3", "room", "A-1", "A-2", "A-3", "A-4", "A-5")
    return world


async def open_a(world: World, location: str = "") -> int:
    opened = await stocktakes.open_stocktake(scope_of_a(world), CLERK, NOW, UAI_A, location)
    return opened.id


def tags(lines) -> list[str]:
    return sorted(line.tag for line in lines)


# Opening


async def test_opening_expects_the_devices_in_stock_or_in_repair_of_the_establishment(shelf):
    opened = await stocktakes.open_stocktake(scope_of_a(shelf), CLERK, NOW, UAI_A)
    assert opened.is_open and opened.location == "" and opened.location_id is None
    assert opened.establishment.uai == UAI_A
    assert (opened.opened_by, opened.opened_at) == ("Claire Référente", NOW)
    assert opened.counts == Counts(expected=3, found=0, missing=3, unexpected=0)
    status = await stocktakes.stocktake_status(scope_of_a(shelf), opened.id)
    assert tags(status.missing) == ["A-1", "A-2", "A-3"]


async def test_the_expected_list_is_frozen_at_opening(shelf):
    stocktake_id = await open_a(shelf)
    await make_asset("A-6", UAI_A, shelf.model_id)  # delivered during the stocktake
    await assets.update_asset(PLATFORM, ACTOR, LATER, "B-1", {"establishment_uai": UAI_A})
    status = await stocktakes.stocktake_status(scope_of_a(shelf), stocktake_id)
    assert tags(status.missing) == ["A-1", "A-2", "A-3"]
    result = await scan(shelf, stocktake_id, "A-6")
    assert result.outcome == "unexpected"
    assert "après l'ouverture" in result.message
    assert await StocktakeExpected.count() == 3


async def test_opening_an_establishment_out_of_scope_names_the_field(shelf):
    with pytest.raises(Invalid) as error:
        await stocktakes.open_stocktake(scope_of_b(shelf), CLERK, NOW, UAI_A)
    assert "establishment_uai" in error.value.errors


async def test_a_location_longer_than_80_characters_is_refused(shelf):
    with pytest.raises(Invalid) as error:
        await stocktakes.open_stocktake(scope_of_a(shelf), CLERK, NOW, UAI_A, "x" * 81)
    assert "location" in error.value.errors


# One open stocktake per place


async def test_a_second_open_stocktake_of_the_same_place_is_refused(shelf):
    first = await open_a(shelf, "Chariot 1")
    with pytest.raises(Conflict) as error:
        await open_a(shelf, "chariot  1")
    assert f"n° {first}" in error.value.message and error.value.field == "location"
    await open_a(shelf, "Chariot 2")  # another place of the same school
    await open_a(shelf)  # the whole school
    with pytest.raises(Conflict) as error:
        await open_a(shelf)
    assert error.value.field == "establishment_uai"


async def test_a_place_can_be_stocktaken_again_once_closed(shelf):
    first = await open_a(shelf)
    await stocktakes.close_stocktake(scope_of_a(shelf), CLERK, LATER, first)
    assert await open_a(shelf) != first


@pytest.mark.parametrize("attempts", [2, 8])
async def test_concurrent_openings_of_one_place_give_one_stocktake(shelf, attempts):
    results = await asyncio.gather(
        *(open_a(shelf, "Salle 3") for _ in range(attempts)), return_exceptions=True
    )
    assert Counter(type(r).__name__ for r in results) == {"int": 1, "Conflict": attempts - 1}
    listed = await stocktakes.list_stocktakes(scope_of_a(shelf), UAI_A, open_only=True)
    assert len(listed) == 1 and listed[0].counts.expected == 3
    assert await StocktakeExpected.count() == 3


# Scanning


async def test_scanning_an_expected_device_marks_it_found(shelf):
    stocktake_id = await open_a(shelf)
    result = await scan(shelf, stocktake_id, "a-1\r\n")
    assert (result.outcome, result.code, result.message) == ("found", "a-1", "A-1 trouvé.")
    assert result.counts == Counts(expected=3, found=1, missing=2, unexpected=0)
    status = await stocktakes.stocktake_status(scope_of_a(shelf), stocktake_id)
    assert tags(status.found) == ["A-1"] and tags(status.missing) == ["A-2", "A-3"]
    assert (status.found[0].scanned_by, status.found[0].scanned_at) == ("Claire Référente", LATER)


async def test_a_second_scan_of_a_device_is_recorded_but_counts_once(shelf):
    stocktake_id = await open_a(shelf)
    await scan(shelf, stocktake_id, "A-1")
    serial = (await Asset.select(Asset.serial).where(Asset.tag == "A-1").first())["serial"]
    again = await scan(shelf, stocktake_id, serial, now=LATER + dt.timedelta(minutes=1))
    assert again.outcome == "duplicate" and "compté une seule fois" in again.message
    assert again.counts.found == 1
    outcomes = await StocktakeScan.select(StocktakeScan.outcome, StocktakeScan.raw).order_by(
        StocktakeScan.id
    )
    assert outcomes == [{"outcome": "found", "raw": "A-1"}, {"outcome": "duplicate", "raw": serial}]


async def test_a_device_of_another_school_is_unexpected_and_says_where_it_belongs(shelf):
    stocktake_id = await open_a(shelf)
    result = await scan(shelf, stocktake_id, "B-1")  # lycée B is outside the caller's scope
    assert result.outcome == "unexpected"
    assert result.device.home.uai == UAI_B and result.device.home.name == "Lycée B"
    assert f"appartient à Lycée B (UAI {UAI_B})" in result.message
    assert result.counts.unexpected == 1 and result.counts.found == 0
    again = await scan(shelf, stocktake_id, "B-1")
    assert again.outcome == "duplicate" and again.counts.unexpected == 1
    status = await stocktakes.stocktake_status(scope_of_a(shelf), stocktake_id)
    assert [line.home.uai for line in status.unexpected] == [UAI_B]


async def test_a_device_of_the_regional_stock_is_unexpected(shelf):
    stocktake_id = await open_a(shelf)
    result = await scan(shelf, stocktake_id, "R-1")
    assert result.outcome == "unexpected" and result.device.home is None
    assert "stock régional (région 24)" in result.message


async def test_a_stolen_device_found_on_the_shelves_is_unexpected(shelf):
    stocktake_id = await open_a(shelf)
    result = await scan(shelf, stocktake_id, "A-4")
    assert result.outcome == "unexpected"
    assert "enregistré comme volé" in result.message


async def test_an_unknown_code_is_recorded_and_reported(shelf):
    stocktake_id = await open_a(shelf)
    result = await scan(shelf, stocktake_id, "  NOPE-42 ")
    assert (result.outcome, result.device) == ("unknown", None)
    assert result.message == "Code « NOPE-42 » inconnu : aucun appareil ne correspond."
    assert result.counts == Counts(expected=3, found=0, missing=3, unexpected=0)
    status = await stocktakes.stocktake_status(scope_of_a(shelf), stocktake_id)
    assert [(u.code, u.scanned_by) for u in status.unknown] == [("NOPE-42", "Claire Référente")]


async def test_a_label_not_yet_bound_to_a_device_is_reported_as_such(shelf):
    await LabelCode.insert(
        LabelCode(code="7K3M9QXH2T", region=shelf.region_ids["24"], created_at=NOW)
    )
    stocktake_id = await open_a(shelf)
    result = await scan(shelf, stocktake_id, "http://testserver/a/7K3M9QXH2T")
    assert result.outcome == "unknown" and "pas encore attribuée" in result.message


@pytest.mark.parametrize("raw", ["", "   \r\n", "x" * 201, "A-1\x07"])
async def test_an_empty_too_long_or_garbled_code_is_refused_and_not_recorded(shelf, raw):
    stocktake_id = await open_a(shelf)
    with pytest.raises(Invalid) as error:
        await stocktakes.record_scan(scope_of_a(shelf), CLERK, LATER, stocktake_id, raw, None)
    assert "code" in error.value.errors
    assert await StocktakeScan.count() == 0


async def test_counts_follow_the_scans(shelf):
    stocktake_id = await open_a(shelf)
    for raw in ("A-1", "A-3", "A-1", "B-1", "???"):
        await scan(shelf, stocktake_id, raw)
    view = await stocktakes.get_stocktake(scope_of_a(shelf), stocktake_id)
    assert view.counts == Counts(expected=3, found=2, missing=1, unexpected=1)
    assert await StocktakeScan.count() == 5


@pytest.mark.parametrize("attempts", [2, 10])
async def test_concurrent_scans_of_one_device_count_once(shelf, attempts):
    stocktake_id = await open_a(shelf)
    results = await asyncio.gather(*(scan(shelf, stocktake_id, "A-2") for _ in range(attempts)))
    assert Counter(r.outcome for r in results) == {"found": 1, "duplicate": attempts - 1}
    view = await stocktakes.get_stocktake(scope_of_a(shelf), stocktake_id)
    assert view.counts.found == 1 and view.counts.missing == 2


async def test_concurrent_scans_of_a_foreign_device_count_it_once_as_unexpected(shelf):
    stocktake_id = await open_a(shelf)
    results = await asyncio.gather(*(scan(shelf, stocktake_id, "B-1") for _ in range(6)))
    assert Counter(r.outcome for r in results) == {"unexpected": 1, "duplicate": 5}


async def test_a_closed_stocktake_refuses_scans(shelf):
    stocktake_id = await open_a(shelf)
    closed = await stocktakes.close_stocktake(scope_of_a(shelf), CLERK, LATER, stocktake_id)
    assert not closed.is_open and closed.closed_by == "Claire Référente"
    with pytest.raises(Conflict):
        await scan(shelf, stocktake_id, "A-1")
    with pytest.raises(Conflict):
        await stocktakes.close_stocktake(scope_of_a(shelf), CLERK, LATER, stocktake_id)
    assert await StocktakeScan.count() == 0


async def test_another_schools_staff_cannot_see_or_scan_the_stocktake(shelf):
    stocktake_id = await open_a(shelf)
    with pytest.raises(NotFound):
        await stocktakes.stocktake_status(scope_of_b(shelf), stocktake_id)
    with pytest.raises(NotFound):
        await stocktakes.record_scan(
            scope_of_b(shelf), CLERK, LATER, stocktake_id, "A-1", await locate("A-1")
        )
    assert await stocktakes.list_stocktakes(scope_of_b(shelf)) == []
    manager_44 = Scope.region(shelf.region_ids["44"])
    assert await stocktakes.list_stocktakes(manager_44, UAI_A) == []


# Declaring the missing devices lost


async def _closed_with_a1_found(world: World) -> int:
    stocktake_id = await open_a(world)
    await scan(world, stocktake_id, "A-1")
    await stocktakes.close_stocktake(scope_of_a(world), CLERK, LATER, stocktake_id)
    return stocktake_id


async def test_missing_devices_cannot_be_declared_lost_before_closing(shelf):
    stocktake_id = await open_a(shelf)
    with pytest.raises(Conflict):
        await stocktakes.declare_missing_lost(
            scope_of_a(shelf), CLERK, LATER, stocktake_id, None, PARIS
        )
    assert await Asset.count().where(Asset.state == "lost") == 0


async def test_declaring_every_missing_device_lost_writes_a_history_event_each(shelf):
    stocktake_id = await _closed_with_a1_found(shelf)
    evening = dt.datetime(2026, 9, 1, 22, 30, tzinfo=dt.UTC)  # already 2 September in Paris
    result = await stocktakes.declare_missing_lost(
        scope_of_a(shelf), CLERK, evening, stocktake_id, None, PARIS
    )
    assert result.declared == ["A-2", "A-3"] and result.skipped == []
    states = {r["tag"]: r["state"] for r in await Asset.select(Asset.tag, Asset.state)}
    assert states["A-1"] == "in_stock" and states["A-2"] == states["A-3"] == "lost"
    events = await (
        AssetEvent.select(AssetEvent.asset.tag, AssetEvent.changes, AssetEvent.actor_name)
        .where(AssetEvent.action == "declared_lost")
        .order_by(AssetEvent.asset.tag)
        .output(load_json=True)
    )
    reason = f"inventaire n° {stocktake_id} du 01/09/2026"  # the day it was opened, in Paris
    assert [e["changes"] for e in events] == [
        {"state": ["in_stock", "lost"], "reason": [None, reason]},
        {"state": ["in_repair", "lost"], "reason": [None, reason]},
    ]
    assert {e["actor_name"] for e in events} == {"Claire Référente"}
    status = await stocktakes.stocktake_status(scope_of_a(shelf), stocktake_id)
    assert {m.tag: m.state for m in status.missing} == {"A-2": "lost", "A-3": "lost"}


async def test_declaring_again_declares_nothing_more(shelf):
    stocktake_id = await _closed_with_a1_found(shelf)
    await stocktakes.declare_missing_lost(scope_of_a(shelf), CLERK, LATER, stocktake_id, None)
    again = await stocktakes.declare_missing_lost(
        scope_of_a(shelf), CLERK, LATER, stocktake_id, None
    )
    assert again.declared == [] and {s.reason for s in again.skipped} == {"déjà déclaré perdu"}
    assert await AssetEvent.count().where(AssetEvent.action == "declared_lost") == 2


async def test_a_found_or_foreign_device_named_explicitly_is_refused_and_nothing_written(shelf):
    stocktake_id = await _closed_with_a1_found(shelf)
    refusals = {"A-1": "A-1 trouvé pendant l'inventaire", "B-1": "B-1 pas attendu par cet"}
    for tag, refusal in refusals.items():
        with pytest.raises(Conflict) as error:
            await stocktakes.declare_missing_lost(
                scope_of_a(shelf), CLERK, LATER, stocktake_id, ["A-2", tag]
            )
        assert error.value.field == "tags" and refusal in error.value.message
    assert await Asset.count().where(Asset.state == "lost") == 0


async def test_a_device_changed_since_opening_is_not_declared_lost(shelf):
    stocktake_id = await _closed_with_a1_found(shelf)
    await assets.update_asset(PLATFORM, ACTOR, LATER, "A-2", {"condition": "C"})
    with pytest.raises(Conflict) as error:
        await stocktakes.declare_missing_lost(
            scope_of_a(shelf), CLERK, LATER, stocktake_id, ["a-2"]
        )
    assert "A-2 modifié depuis l'ouverture" in error.value.message
    result = await stocktakes.declare_missing_lost(
        scope_of_a(shelf), CLERK, LATER, stocktake_id, None
    )
    assert result.declared == ["A-3"]
    assert [(s.tag, s.reason) for s in result.skipped] == [
        ("A-2", "modifié depuis l'ouverture de l'inventaire")
    ]


async def test_named_missing_devices_are_declared_lost_alone(shelf):
    stocktake_id = await _closed_with_a1_found(shelf)
    result = await stocktakes.declare_missing_lost(
        scope_of_a(shelf), CLERK, LATER, stocktake_id, ["a-3"]
    )
    assert result.declared == ["A-3"]
    lost = await Asset.select(Asset.tag).where(Asset.state == "lost")
    assert lost == [{"tag": "A-3"}]
