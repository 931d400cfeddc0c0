"""What a report covers: the caller's scope, the region or establishment asked, the period."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory.errors import Invalid, NotFound
from loans import policy
from loans.reports import target as targets
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, UAI_B, UAI_C, scope_of

TODAY = dt.date(2027, 3, 15)


async def _resolve(world, persona, **kwargs):
    return await targets.resolve(scope_of(world, persona), TODAY, **kwargs)


async def test_a_region_manager_covers_their_whole_region(world):
    target = await _resolve(world, "manager_24")
    assert {p.uai for p in target.places.values()} == {UAI_A, UAI_B}
    assert target.region_ids == {world.region_ids["24"]}


async def test_a_region_or_establishment_outside_the_scope_is_not_found(world):
    for persona, asked in (
        ("manager_44", {"region": "24"}),
        ("manager_44", {"establishment": UAI_A}),
        ("it_a", {"establishment": UAI_B}),
        ("it_a", {"region": "44"}),
        ("admin", {"region": "99"}),
    ):
        with pytest.raises(NotFound) as raised:
            await _resolve(world, persona, **asked)
        assert set(raised.value.fields) == set(asked), (persona, asked)


async def test_staff_asking_for_their_region_get_their_schools_part(world):
    target = await _resolve(world, "it_a", region="24")
    assert [p.uai for p in target.places.values()] == [UAI_A]
    assert target.region_ids == frozenset()  # not the regional stock


async def test_an_establishment_of_another_region_than_the_one_asked_is_refused(world):
    with pytest.raises(Invalid) as raised:
        await _resolve(world, "admin", region="24", establishment=UAI_C)
    assert set(raised.value.errors) == {"establishment"}


async def test_malformed_parameters_are_named(world):
    with pytest.raises(Invalid) as raised:
        await _resolve(
            world,
            "admin",
            region="2A4",
            establishment="0450001X",
            period_from=dt.date(2027, 2, 1),
            period_to=dt.date(2027, 1, 1),
        )
    assert set(raised.value.errors) == {"region", "establishment", "from"}
    with pytest.raises(Invalid) as raised:
        await _resolve(world, "admin", period_from=dt.date(2010, 1, 1), period_to=TODAY)
    assert set(raised.value.errors) == {"to"}
    with pytest.raises(Invalid) as raised:  # the end taken from this school year
        await _resolve(world, "admin", period_from=dt.date(2010, 1, 1))
    assert set(raised.value.errors) == {"from"}


async def test_the_default_period_is_the_current_school_year_of_the_region(world):
    assert (await _resolve(world, "admin")).echo.period_from == dt.date(2026, 7, 5)
    one_bound = (await _resolve(world, "admin", period_from=dt.date(2026, 9, 1))).echo
    assert (one_bound.period_from, one_bound.period_to) == (
        dt.date(2026, 9, 1),
        dt.date(2027, 7, 4),
    )
    await policy.update_policy(
        PLATFORM, ACTOR, NOW, "24", {"school_year_end": dt.date(2027, 6, 30)}
    )
    echo = (await _resolve(world, "manager_24")).echo
    assert (echo.period_from, echo.period_to) == (dt.date(2026, 7, 1), dt.date(2027, 6, 30))
    after = await targets.resolve(scope_of(world, "manager_24"), dt.date(2027, 7, 2))
    assert after.echo.period_from == dt.date(2027, 7, 1)


def test_a_school_year_ending_on_29_february_ends_on_the_28th_in_common_years():
    assert targets.school_year((2, 29), dt.date(2027, 3, 15)) == (
        dt.date(2027, 3, 1),
        dt.date(2028, 2, 29),
    )
