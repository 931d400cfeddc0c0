"""Every change of reference data (regions, establishments, device models) leaves an event
with its actor and before -> after, in the change's transaction; a region's events are read
by those who manage it."""

from __future__ import annotations

import pytest

from inventory import catalogue, reference_history, regions
from inventory.errors import Invalid
from inventory.reference_history import DEVICE_MODEL, ESTABLISHMENT, REGION
from inventory.tables import ReferenceEvent
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, scope_of, uai


async def _events(subject: str, key: str, region_id: int | None = None, scope=PLATFORM):
    return await reference_history.reference_events(scope, subject, key, region_id)


async def test_renaming_a_region_records_its_old_and_new_name(world):
    await regions.rename_region(PLATFORM, "24", "Centre", actor=ACTOR, now=NOW)
    events = await _events(REGION, "24", world.region_ids["24"])
    assert events[0].changes == {"name": ["Centre-Val de Loire", "Centre"]}
    assert (events[0].actor_name, events[0].at) == (ACTOR.name, NOW)
    assert [e.action for e in events] == ["changed", "created"]


async def test_an_establishment_change_records_only_what_changed(world):
    await regions.update_establishment(
        PLATFORM, UAI_A, {"name": "Lycée A", "head_name": "Mme Durand"}, actor=ACTOR, now=NOW
    )
    events = await _events(ESTABLISHMENT, UAI_A, world.region_ids["24"])
    assert events[0].changes == {"head_name": ["", "Mme Durand"]}


async def test_a_refused_change_records_nothing(world):
    before = await ReferenceEvent.count()
    with pytest.raises(Invalid):
        await regions.create_establishment(
            PLATFORM, uai="bad", name="", city="Blois", region_code="24", actor=ACTOR, now=NOW
        )
    assert await ReferenceEvent.count() == before


async def test_a_created_establishment_starts_its_history(world):
    made = uai("0450011")
    await regions.create_establishment(
        PLATFORM, uai=made, name="Lycée E", city="Blois", region_code="24", actor=ACTOR, now=NOW
    )
    events = await _events(ESTABLISHMENT, made, world.region_ids["24"])
    assert events[0].action == "created" and events[0].changes["city"] == [None, "Blois"]


async def test_a_device_models_accessories_change_is_recorded(world):
    await catalogue.update_device_model(
        PLATFORM, world.model_id, {"accessories": ["chargeur"]}, actor=ACTOR, now=NOW
    )
    events = await _events(DEVICE_MODEL, str(world.model_id))
    assert events[0].changes == {"accessories": [["chargeur", "housse"], ["chargeur"]]}


async def test_another_regions_manager_reads_none_of_a_regions_history(world):
    await regions.rename_region(PLATFORM, "24", "Centre", actor=ACTOR, now=NOW)
    region_24 = world.region_ids["24"]
    assert await _events(REGION, "24", region_24, scope_of(world, "manager_44")) == []
    assert await _events(REGION, "24", region_24, scope_of(world, "manager_24")) != []
