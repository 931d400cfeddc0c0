"""/api/v1/regions/{code}/policy: read by the region's staff, changed by its manager."""

from __future__ import annotations

import pytest

from loans.tables import PolicyEvent
from tests.api.problems import assert_problem

POLICY = "/api/v1/regions/24/policy"


def policy_body(**fields) -> dict:
    return {
        "end_rule": "school_year",
        "school_year_end": "2027-07-03",
        "max_open_per_category": 1,
        "cession_allowed": False,
        "guardian_cosign_for_minors": True,
        "accessories_by_model": {},
        **fields,
    }


@pytest.mark.parametrize("persona", ["it_a", "head_a", "manager_24", "admin"])
async def test_the_region_staff_read_the_default_policy(as_, world, persona):
    response = await as_(persona).get(POLICY)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["region_code"] == "24"
    assert (body["end_rule"], body["school_year_end"]) == ("school_year", None)
    assert (body["max_open_per_category"], body["cession_allowed"]) == (1, False)
    assert (body["guardian_cosign_for_minors"], body["accessories_by_model"]) == (True, {})


async def test_the_policy_of_another_region_is_not_found(as_, world):
    assert_problem(await as_("manager_44").get(POLICY), 404)
    assert_problem(await as_("manager_44").get(f"{POLICY}/history"), 404)


async def test_the_region_manager_changes_the_policy_and_an_event_is_written(as_, world):
    accessories = {str(world.model_id): ["chargeur", "sacoche"]}
    body = policy_body(end_rule="cycle", max_open_per_category=2, accessories_by_model=accessories)
    response = await as_("manager_24").put(POLICY, json=body)
    assert response.status_code == 200, response.text
    assert response.json()["end_rule"] == "cycle"
    assert response.json()["accessories_by_model"] == accessories
    history = (await as_("it_a").get(f"{POLICY}/history")).json()
    assert len(history) == 1
    assert history[0]["actor_name"] == "manager_24"
    assert history[0]["changes"]["max_open_per_category"] == [1, 2]
    assert history[0]["changes"]["school_year_end"] == [None, "2027-07-03"]


async def test_the_manager_of_another_region_gets_not_found(as_, world):
    assert_problem(await as_("manager_44").put(POLICY, json=policy_body()), 404)
    assert await PolicyEvent.count() == 0


@pytest.mark.parametrize("persona", ["it_a", "head_a"])
async def test_school_staff_cannot_change_the_policy(as_, world, persona):
    assert_problem(await as_(persona).put(POLICY, json=policy_body()), 403)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"end_rule": "forever"}, "end_rule"),
        ({"max_open_per_category": 0}, "max_open_per_category"),
        ({"max_open_per_category": 9}, "max_open_per_category"),
        ({"accessories_by_model": {"999999": ["chargeur"]}}, "accessories_by_model"),
        ({"accessories_by_model": {"1": [""]}}, "accessories_by_model"),
    ],
)
async def test_invalid_values_are_422_problems_naming_the_field(as_, world, fields, named):
    response = await as_("manager_24").put(POLICY, json=policy_body(**fields))
    assert_problem(response, 422, named)
    assert await PolicyEvent.count() == 0


async def test_an_unknown_field_is_a_400_naming_it(as_, world):
    response = await as_("manager_24").put(POLICY, json=policy_body(region_code="24"))
    body = assert_problem(response, 400)
    assert [e["field"] for e in body["errors"]] == ["region_code"]


async def test_an_unknown_region_is_not_found(as_, world):
    assert_problem(await as_("admin").get("/api/v1/regions/99/policy"), 404)
