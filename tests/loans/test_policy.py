"""Region policy: defaults, changes with their events, who may change it, due dates."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from inventory.errors import Invalid, NotFound
from loans import policy
from loans.policy import cycle_years, due_date, policy_for_region
from loans.tables import PolicyEvent, RegionPolicy
from loans.views import PolicyView
from tests.factories import ACTOR, NOW, scope_of

LATER = NOW + dt.timedelta(hours=1)


def a_policy(**fields) -> PolicyView:
    values = {
        "region_code": "24",
        "end_rule": "school_year",
        "school_year_end": None,
        "max_open_per_category": 1,
        "cession_allowed": False,
        "accessories_by_model": {},
        "guardian_cosign_for_minors": True,
        "updated_at": NOW,
        **fields,
    }
    return PolicyView(**values)


async def update(world, persona: str, **changes) -> PolicyView:
    return await policy.update_policy(scope_of(world, persona), ACTOR, LATER, "24", changes)


# Reading


async def test_the_first_read_creates_the_policy_with_its_defaults(world):
    read = await policy.get_policy(scope_of(world, "it_a"), "24", NOW)
    assert read == a_policy(updated_at=read.updated_at)
    assert read.updated_at == NOW
    assert await RegionPolicy.count() == 1
    assert await PolicyEvent.count() == 0


async def test_simultaneous_first_reads_create_one_policy(world):
    region_id = world.region_ids["24"]
    read = await asyncio.gather(*(policy_for_region(region_id) for _ in range(8)))
    assert len({p.updated_at for p in read}) == 1
    assert await RegionPolicy.count() == 1


@pytest.mark.parametrize("persona", ["it_a", "head_a", "manager_24", "admin"])
async def test_the_policy_is_readable_by_the_staff_of_the_region(world, persona):
    assert (await policy.get_policy(scope_of(world, persona), "24")).region_code == "24"


async def test_the_policy_of_another_region_is_not_found(world):
    with pytest.raises(NotFound):
        await policy.get_policy(scope_of(world, "manager_44"), "24")


# Changing


async def test_a_change_by_the_region_manager_writes_an_event_with_before_and_after(world):
    changed = await update(
        world,
        "manager_24",
        end_rule="cycle",
        school_year_end=dt.date(2027, 7, 3),
        max_open_per_category=2,
        accessories_by_model={str(world.model_id): [" chargeur ", "housse", "chargeur"]},
    )
    assert changed.end_rule == "cycle"
    assert changed.accessories_by_model == {str(world.model_id): ["chargeur", "housse"]}
    assert changed.updated_at == LATER
    history = await policy.policy_history(scope_of(world, "it_a"), "24")
    assert len(history) == 1
    assert history[0].actor_name == ACTOR.name
    assert history[0].at == LATER
    assert history[0].changes == {
        "end_rule": ["school_year", "cycle"],
        "school_year_end": [None, "2027-07-03"],
        "max_open_per_category": [1, 2],
        "accessories_by_model": [{}, {str(world.model_id): ["chargeur", "housse"]}],
    }


async def test_an_unchanged_value_writes_no_event(world):
    await update(world, "manager_24", max_open_per_category=1, cession_allowed=False)
    assert await PolicyEvent.count() == 0


async def test_events_are_listed_newest_first(world):
    await update(world, "manager_24", cession_allowed=True)
    await update(world, "admin", guardian_cosign_for_minors=False)
    history = await policy.policy_history(scope_of(world, "manager_24"), "24")
    assert [list(e.changes) for e in history] == [
        ["guardian_cosign_for_minors"],
        ["cession_allowed"],
    ]


async def test_the_manager_of_another_region_cannot_change_the_policy(world):
    with pytest.raises(NotFound):
        await update(world, "manager_44", cession_allowed=True)
    assert await PolicyEvent.count() == 0


async def test_school_staff_cannot_change_the_policy(world):
    with pytest.raises(NotFound):
        await update(world, "it_a", cession_allowed=True)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"end_rule": "forever"}, "end_rule"),
        ({"max_open_per_category": 0}, "max_open_per_category"),
        ({"max_open_per_category": 6}, "max_open_per_category"),
        ({"max_open_per_category": True}, "max_open_per_category"),
        ({"cession_allowed": "yes"}, "cession_allowed"),
        ({"school_year_end": dt.date(1990, 7, 4)}, "school_year_end"),
        ({"accessories_by_model": {"999999": ["chargeur"]}}, "accessories_by_model"),
        ({"accessories_by_model": {"abc": ["chargeur"]}}, "accessories_by_model"),
        ({"accessories_by_model": {"MODEL": [" "]}}, "accessories_by_model"),
        ({"accessories_by_model": {"MODEL": ["x" * 61]}}, "accessories_by_model"),
    ],
)
async def test_invalid_values_are_refused_naming_the_field(world, changes, named):
    changes = {
        key: {str(world.model_id) if k == "MODEL" else k: v for k, v in value.items()}
        if isinstance(value, dict)
        else value
        for key, value in changes.items()
    }
    with pytest.raises(Invalid) as refused:
        await update(world, "manager_24", **changes)
    assert named in refused.value.errors
    assert await PolicyEvent.count() == 0


# Due dates


@pytest.mark.parametrize(
    ("class_name", "years"),
    [
        ("2NDE3", 3),
        ("2nde 1", 3),
        ("2GT4", 3),
        ("2PRO-MELEC", 3),
        ("1G2", 2),
        ("1ERE STMG", 2),
        ("1PRO", 2),
        ("TG1", 1),
        ("TERM-STI2D", 1),
        ("1CAP", 2),
        ("CAP1-ELEC", 2),
        ("2CAP", 1),
        ("TCAP", 1),
        ("BTS1SIO", 2),
        ("1BTS", 2),
        ("BTS2SIO", 1),
        ("", 1),
        ("3PM", 1),
    ],
)
def test_the_cycle_length_is_read_from_the_class(class_name, years):
    assert cycle_years(class_name) == years


def test_a_school_year_policy_ends_loans_on_its_fixed_date():
    fixed = a_policy(school_year_end=dt.date(2027, 6, 30))
    assert due_date(fixed, "2NDE3", dt.date(2026, 9, 1)) == dt.date(2027, 6, 30)


def test_a_school_year_end_left_from_last_year_rolls_over_to_this_year():
    stale = a_policy(school_year_end=dt.date(2026, 6, 30))
    assert due_date(stale, "2NDE3", dt.date(2026, 9, 1)) == dt.date(2027, 6, 30)


def test_without_a_fixed_date_the_school_year_ends_on_4_july():
    assert due_date(a_policy(), "TG1", dt.date(2026, 9, 1)) == dt.date(2027, 7, 4)
    assert due_date(a_policy(), "TG1", dt.date(2027, 7, 4)) == dt.date(2027, 7, 4)


def test_a_cycle_policy_ends_loans_with_the_lycee_cycle():
    cycle = a_policy(end_rule="cycle", school_year_end=dt.date(2027, 7, 3))
    september = dt.date(2026, 9, 1)
    assert due_date(cycle, "2NDE3", september) == dt.date(2029, 7, 3)
    assert due_date(cycle, "1G2", september) == dt.date(2028, 7, 3)
    assert due_date(cycle, "TG1", september) == dt.date(2027, 7, 3)
    assert due_date(cycle, "TG1", dt.date(2027, 3, 15)) == dt.date(2027, 7, 3)


def test_a_hand_over_in_the_summer_counts_from_the_coming_school_year():
    cycle = a_policy(end_rule="cycle")
    assert due_date(cycle, "2NDE3", dt.date(2026, 8, 27)) == dt.date(2029, 7, 4)
    assert due_date(a_policy(), "2NDE3", dt.date(2026, 7, 5)) == dt.date(2027, 7, 4)


def test_a_29_february_end_falls_on_28_february_in_common_years():
    leap_end = a_policy(end_rule="cycle", school_year_end=dt.date(2028, 2, 29))
    assert due_date(leap_end, "1G2", dt.date(2026, 9, 1)) == dt.date(2028, 2, 29)
    assert due_date(leap_end, "TG1", dt.date(2026, 9, 1)) == dt.date(2027, 2, 28)
