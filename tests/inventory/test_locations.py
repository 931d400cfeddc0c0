"""Locations inside a school: a short list per school, devices moved into them with their
history, and a stocktake of one location that expects only the devices kept there."""

import pytest

from inventory import assets, locations, stocktakes
from inventory.assets import AssetFilters
from inventory.errors import Conflict, Invalid, NotFound
from inventory.tables import Stocktake
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    World,
    make_asset,
    make_location,
    scope_of,
)


async def test_a_school_lists_its_locations_by_name_with_their_devices(world: World):
    await make_asset("A-1", UAI_A, world.model_id)
    await make_location(UAI_A, "Salle 204", "room")
    await make_location(UAI_A, "Chariot 1", "cart", "A-1")
    listed = await locations.list_locations(scope_of(world, "it_a"), UAI_A)
    assert [(place.name, place.kind, place.devices) for place in listed] == [
        ("Chariot 1", "cart", 1),
        ("Salle 204", "room", 0),
    ]


async def test_a_name_is_used_once_per_school_whatever_its_case(world: World):
    await make_location(UAI_A, "Chariot 1")
    with pytest.raises(Conflict) as error:
        await locations.create_location(PLATFORM, ACTOR, NOW, UAI_A, "  chariot   1 ", "cart")
    assert error.value.field == "name"
    await make_location(UAI_B, "Chariot 1")  # another school may have its own


async def test_a_location_needs_a_name_and_a_known_kind(world: World):
    with pytest.raises(Invalid) as error:
        await locations.create_location(PLATFORM, ACTOR, NOW, UAI_A, "  ", "shelf")
    assert set(error.value.errors) == {"name", "kind"}


async def test_staff_of_another_school_neither_see_nor_create_its_locations(world: World):
    place = await make_location(UAI_A, "Chariot 1")
    it_b = scope_of(world, "it_b")
    with pytest.raises(NotFound):
        await locations.get_location(it_b, place)
    with pytest.raises(NotFound):
        await locations.list_locations(it_b, UAI_A)
    with pytest.raises(NotFound):
        await locations.create_location(it_b, ACTOR, NOW, UAI_A, "Chariot 2", "cart")
    assert [p.establishment_uai for p in await locations.list_locations(it_b)] == []


async def test_a_move_is_written_in_the_device_history_with_both_names(world: World):
    await make_asset("A-1", UAI_A, world.model_id)
    cart = await make_location(UAI_A, "Chariot 1", "cart", "A-1")
    room = await make_location(UAI_A, "Salle 204", "room")
    moved = await locations.move_asset(scope_of(world, "it_a"), ACTOR, NOW, room, "a-1")
    assert (moved.before, moved.after, moved.moved) == ("Chariot 1", "Salle 204", True)
    history = await assets.asset_history(PLATFORM, "A-1")
    assert history[0].action == "moved"
    assert history[0].changes == {"location": ["Chariot 1", "Salle 204"]}
    asset = await assets.get_asset(PLATFORM, "A-1")
    assert asset.location is not None and (asset.location.id, asset.location.name) == (
        room,
        "Salle 204",
    )
    assert cart != room


async def test_a_device_already_there_is_not_moved_again(world: World):
    await make_asset("A-1", UAI_A, world.model_id)
    cart = await make_location(UAI_A, "Chariot 1", "cart", "A-1")
    moved = await locations.move_asset(PLATFORM, ACTOR, NOW, cart, "A-1")
    assert moved.moved is False
    assert [e.action for e in await assets.asset_history(PLATFORM, "A-1")] == [
        "moved",
        "created",
    ]


async def test_a_device_of_another_school_is_not_moved_into_this_one(world: World):
    await make_asset("B-1", UAI_B, world.model_id)
    cart = await make_location(UAI_A, "Chariot 1")
    with pytest.raises(Conflict) as error:
        await locations.move_asset(scope_of(world, "it_ab"), ACTOR, NOW, cart, "B-1")
    assert error.value.field == "code"
    with pytest.raises(NotFound):  # out of the caller's scope: answered as unknown
        await locations.move_asset(scope_of(world, "it_a"), ACTOR, NOW, cart, "B-1")


async def test_a_device_that_changes_school_leaves_its_location(world: World):
    await make_asset("A-1", UAI_A, world.model_id)
    await make_location(UAI_A, "Chariot 1", "cart", "A-1")
    await assets.update_asset(PLATFORM, ACTOR, NOW, "A-1", {"establishment_uai": UAI_B})
    assert (await assets.get_asset(PLATFORM, "A-1")).location is None
    changes = (await assets.asset_history(PLATFORM, "A-1"))[0].changes
    assert changes["location"] == ["Chariot 1", None]


async def test_the_asset_list_filters_by_location(world: World):
    for tag in ("A-1", "A-2", "A-3"):
        await make_asset(tag, UAI_A, world.model_id)
    cart = await make_location(UAI_A, "Chariot 1", "cart", "A-1", "A-3")
    page = await assets.list_assets(PLATFORM, AssetFilters(location_id=cart))
    assert [a.tag for a in page.items] == ["A-1", "A-3"]


async def test_the_running_list_shows_the_latest_moves_into_the_location(world: World):
    for tag in ("A-1", "A-2", "A-3"):
        await make_asset(tag, UAI_A, world.model_id)
    cart = await make_location(UAI_A, "Chariot 1", "cart", "A-1", "A-2", "A-3")
    await make_location(UAI_A, "Salle 204", "room", "A-2")  # moved on since
    moves = await locations.recent_moves(PLATFORM, cart)
    assert [m.tag for m in moves] == ["A-3", "A-1"]


# Stocktakes of one location


async def cart_and_room(world: World) -> int:
    """Lycée A: C-1, C-2 on Chariot 1; S-1 in Salle 204; N-1 nowhere. Returns the cart."""
    for tag in ("C-1", "C-2", "S-1", "N-1"):
        await make_asset(tag, UAI_A, world.model_id)
    await make_location(UAI_A, "Salle 204", "room", "S-1")
    return await make_location(UAI_A, "Chariot 1", "cart", "C-1", "C-2")


async def test_a_stocktake_of_a_location_expects_only_its_devices(world: World):
    cart = await cart_and_room(world)
    opened = await stocktakes.open_stocktake(PLATFORM, ACTOR, NOW, UAI_A, location_id=cart)
    assert (opened.location, opened.location_id) == ("Chariot 1", cart)
    assert opened.counts.expected == 2
    status = await stocktakes.stocktake_status(PLATFORM, opened.id)
    assert sorted(line.tag for line in status.missing) == ["C-1", "C-2"]


async def test_a_location_may_be_named_instead_of_given_by_id(world: World):
    cart = await cart_and_room(world)
    opened = await stocktakes.open_stocktake(PLATFORM, ACTOR, NOW, UAI_A, " chariot  1 ")
    assert (opened.location, opened.location_id, opened.counts.expected) == ("Chariot 1", cart, 2)


async def test_a_stocktake_of_an_unknown_location_is_refused_naming_the_known_ones(world: World):
    await cart_and_room(world)
    with pytest.raises(Invalid) as error:
        await stocktakes.open_stocktake(PLATFORM, ACTOR, NOW, UAI_A, "Chariot 9")
    assert "« Chariot 1 »" in error.value.errors["location"]


async def test_a_location_of_another_school_is_refused(world: World):
    other = await make_location(UAI_B, "Chariot B")
    with pytest.raises(Invalid) as error:
        await stocktakes.open_stocktake(PLATFORM, ACTOR, NOW, UAI_A, location_id=other)
    assert "location" in error.value.errors


async def test_an_old_free_text_stocktake_stays_readable(world: World):
    await make_asset("A-1", UAI_A, world.model_id)
    await Stocktake.insert(
        Stocktake(
            establishment=world.establishment_ids["A"],
            location="Chariot d'avant",
            opened_at=NOW,
            opened_by_name="Ancien",
        )
    )
    listed = await stocktakes.list_stocktakes(PLATFORM, UAI_A)
    assert [(s.location, s.location_id) for s in listed] == [("Chariot d'avant", None)]
