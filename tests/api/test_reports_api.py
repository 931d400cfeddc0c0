"""The fleet reports through the JSON API: figures, scope, parameters, OpenAPI."""

from __future__ import annotations

import pytest

from tests.api.problems import assert_problem
from tests.factories import UAI_A, UAI_B, UAI_C
from tests.loans.reports_world import make_report_world

SCHOOL_YEAR = "from=2026-07-05&to=2027-07-04"
ROUTES = ("overview", "fleet", "coverage", "loans", "incidents", "activity", "campaigns")


async def test_a_region_manager_reads_the_figures_of_their_region(as_, world):
    await make_report_world(world)
    client = as_("manager_24")
    fleet = (await client.get("/api/v1/reports/fleet?region=24")).json()
    assert fleet["total"] == 11
    assert (fleet["target"]["region_code"], fleet["target"]["establishment_uai"]) == ("24", None)
    assert [(r["region_code"], r["total"]) for r in fleet["by_region"]] == [("24", 11)]
    coverage = (await client.get("/api/v1/reports/coverage")).json()
    assert (coverage["total"]["enrolled"], coverage["total"]["equipped"]) == (8, 4)
    incidents = (await client.get(f"/api/v1/reports/incidents?{SCHOOL_YEAR}")).json()
    assert incidents["returns_by_condition"] == {"A": 0, "B": 1, "C": 0, "D": 1}
    assert incidents["total"]["loss_rate"] == 9.09
    activity = (await client.get("/api/v1/reports/activity?from=2026-09-01&to=2026-10-31")).json()
    assert activity["months"] == [
        {"month": "2026-09", "handed_over": 6, "returned": 0},
        {"month": "2026-10", "handed_over": 1, "returned": 0},
    ]
    overview = (await client.get(f"/api/v1/reports/overview?{SCHOOL_YEAR}")).json()
    assert overview["target"]["region_code"] is None
    assert (overview["target"]["period_from"], overview["devices"]) == ("2026-07-05", 11)
    assert [r["region_code"] for r in overview["by_region"]] == ["24"]


async def test_the_platform_admin_sees_every_region_and_one_at_a_time(as_, world):
    await make_report_world(world)
    client = as_("admin")
    overview = (await client.get("/api/v1/reports/overview")).json()
    assert [(r["region_code"], r["devices"]) for r in overview["by_region"]] == [
        ("24", 11),
        ("44", 1),
    ]
    only_44 = (await client.get("/api/v1/reports/fleet?region=44")).json()
    assert (only_44["total"], [p["establishment_uai"] for p in only_44["by_establishment"]]) == (
        1,
        [UAI_C],
    )


async def test_it_staff_read_only_their_school(as_, world):
    await make_report_world(world)
    client = as_("it_b")
    coverage = (await client.get("/api/v1/reports/coverage?region=24")).json()
    assert [p["establishment_uai"] for p in coverage["by_establishment"]] == [UAI_B]
    loans = (await client.get("/api/v1/reports/loans")).json()
    assert [p["establishment_uai"] for p in loans["by_establishment"]] == [UAI_B]
    for url in ("/api/v1/reports/fleet?establishment=" + UAI_A, "/api/v1/reports/fleet?region=44"):
        assert_problem(await client.get(url), 404)


@pytest.mark.parametrize("route", ROUTES)
async def test_a_region_manager_of_another_region_gets_not_found(as_, world, route):
    client = as_("manager_44")
    assert_problem(await client.get(f"/api/v1/reports/{route}?region=24"), 404, "region")
    response = await client.get(f"/api/v1/reports/{route}?establishment={UAI_A}")
    assert_problem(response, 404, "establishment")


async def test_bad_parameters_are_problems_naming_the_parameter(as_, world):
    client = as_("admin")
    response = await client.get("/api/v1/reports/overview?from=2027-02-01&to=2027-01-01")
    assert_problem(response, 422, "from")
    assert_problem(
        await client.get("/api/v1/reports/fleet?establishment=12345"), 422, "establishment"
    )
    assert_problem(await client.get("/api/v1/reports/fleet?region=abc"), 422, "region")
    assert_problem(await client.get("/api/v1/reports/fleet?region=99"), 404, "region")
    assert_problem(await client.get("/api/v1/reports/activity?from=2027-13-01"), 422, "from")


async def test_reports_need_a_sign_in(client, world):
    assert_problem(await client.get("/api/v1/reports/overview"), 401)


async def test_every_report_is_documented_with_its_problems(client):
    schema = (await client.get("/schema/openapi.json")).json()
    for route in ROUTES:
        operation = schema["paths"][f"/api/v1/reports/{route}"]["get"]
        assert {"400", "401", "403", "404", "422"} <= set(operation["responses"])
        assert {p["name"] for p in operation["parameters"]} >= {
            "region",
            "establishment",
            "from",
            "to",
        }
