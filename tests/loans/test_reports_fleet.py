"""The fleet and coverage figures, against the world of tests/loans/reports_world.py counted
by hand."""

from __future__ import annotations

from loans.reports import target as targets
from loans.reports.coverage import class_level, coverage_report
from loans.reports.fleet import fleet_report
from tests.factories import UAI_A, UAI_B, scope_of
from tests.loans.reports_world import TODAY, make_report_world


async def _target(world, persona="manager_24", **kwargs):
    return await targets.resolve(scope_of(world, persona), TODAY, **kwargs)


async def test_the_fleet_of_a_region_counts_lent_devices_and_leaves_ceded_ones_out(world):
    rw = await make_report_world(world)
    report = await fleet_report(await _target(world))
    assert {c.key: c.count for c in report.by_state} == {
        "lent": 5,  # A1, A2, A3, B1 handed over; A7 reserved (its loan awaits a signature)
        "in_stock": 3,  # A4, A8, R1 (regional stock)
        "in_repair": 1,  # A6, back damaged
        "lost": 1,
        "stolen": 1,
        "retired": 0,
        "ceded": 1,  # A9, listed by state, out of the total
    }
    assert report.total == 11
    assert [(m.model_id, m.count) for m in report.by_model] == [
        (world.model_id, 9),
        (rw.tablet_id, 2),
    ]
    assert [(c.key, c.count) for c in report.by_category] == [("laptop", 9), ("tablet", 2)]
    assert [(y.year, y.count) for y in report.by_acquisition_year] == [
        (2024, 5),
        (2025, 3),
        (2026, 2),
        (None, 1),  # R1, acquisition date unknown; A9 (2023) was ceded
    ]
    places = {row.establishment_uai: row for row in report.by_establishment}
    assert places[UAI_A].total == 8 and places[UAI_A].states["ceded"] == 1
    assert places[UAI_B].total == 2 and places[UAI_B].states["stolen"] == 1
    assert places[None].establishment_name == "Stock régional" and places[None].total == 1
    assert [(r.region_code, r.total) for r in report.by_region] == [("24", 11)]


async def test_warranties_ending_within_six_months_count_devices_still_in_use(world):
    rw = await make_report_world(world)
    warranties = (await fleet_report(await _target(world))).warranties
    # A2 (lent, ends on the window's last day), A6 (in repair), A8 (in stock); not A1 (over),
    # not A9 (ceded).
    assert (str(warranties.from_day), str(warranties.to_day)) == ("2027-03-15", "2027-09-15")
    assert warranties.count == 3
    assert [(w.establishment_uai, w.model_id, w.count) for w in warranties.items] == [
        (UAI_A, world.model_id, 2),
        (UAI_A, rw.tablet_id, 1),
    ]


async def test_the_platform_sees_every_region_side_by_side(world):
    await make_report_world(world)
    report = await fleet_report(await _target(world, "admin"))
    assert report.total == 12
    assert [(r.region_code, r.total, r.states["lent"]) for r in report.by_region] == [
        ("24", 11, 5),
        ("44", 1, 1),
    ]


async def test_it_staff_see_their_school_only_without_the_regional_stock(world):
    await make_report_world(world)
    report = await fleet_report(await _target(world, "it_b"))
    assert report.total == 2
    assert [row.establishment_uai for row in report.by_establishment] == [UAI_B]


async def test_coverage_counts_enrolled_students_holding_a_device(world):
    await make_report_world(world)
    report = await coverage_report(await _target(world))
    assert (report.total.enrolled, report.total.equipped, report.total.rate) == (8, 4, 50.0)
    assert [(p.establishment_uai, p.enrolled, p.equipped) for p in report.by_establishment] == [
        (UAI_A, 6, 3),  # the student who left is not counted
        (UAI_B, 2, 1),
    ]
    assert [
        (level.level, level.enrolled, level.equipped, level.rate) for level in report.by_level
    ] == [
        ("2NDE", 3, 3, 100.0),
        ("1RE", 2, 1, 50.0),
        ("TLE", 2, 0, 0.0),
        ("BTS", 1, 0, 0.0),
    ]
    # Lycée A's running distribution (every class): s4 and s7 without a loan, s6 prepared.
    assert report.waiting == 3


async def test_an_establishment_report_covers_that_establishment(world):
    await make_report_world(world)
    report = await coverage_report(await _target(world, establishment=UAI_B))
    assert (report.total.enrolled, report.total.equipped) == (2, 1)
    assert report.waiting == 0  # lycée B runs a collection, no distribution


def test_the_class_level_is_read_from_the_class_name():
    assert [
        class_level(name)
        for name in ("2nde 3", "2NDE1", "Seconde A", "1G2", "1ère STMG", "TG1", "Terminale", "TLE2")
    ] == ["2NDE", "2NDE", "2NDE", "1RE", "1RE", "TLE", "TLE", "TLE"]
    assert [class_level(name) for name in ("1CAP", "CAP2", "BTS1SIO", "ULIS", "", "3PREPA")] == [
        "CAP",
        "CAP",
        "BTS",
        "AUTRE",
        "",
        "AUTRE",
    ]
