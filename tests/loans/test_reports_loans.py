"""Loan states, incidents, monthly activity and campaigns, against the world of
tests/loans/reports_world.py counted by hand."""

from __future__ import annotations

import datetime as dt

from loans import campaign_progress
from loans.reports import target as targets
from loans.reports.activity import activity_report
from loans.reports.campaigns import campaigns_report
from loans.reports.incidents import incidents_report
from loans.reports.loan_states import loan_states_report
from loans.reports.overview import overview
from tests.factories import PLATFORM, UAI_A, UAI_B, scope_of
from tests.loans.reports_world import TODAY, make_report_world


async def _target(world, persona="manager_24", **kwargs):
    return await targets.resolve(scope_of(world, persona), TODAY, **kwargs)


async def test_open_loans_are_counted_by_state_and_overdue_ones_by_how_late(world):
    await make_report_world(world)
    report = await loan_states_report(await _target(world))
    total = report.total
    assert (total.active, total.awaiting_signature, total.overdue) == (4, 1, 3)
    # A2 one day late, B1 seven days (the first day of 7-30), A3 thirty-one days.
    assert total.overdue_by_age == {"under_7": 1, "7_to_30": 1, "over_30": 1}
    places = {row.establishment_uai: row.counts for row in report.by_establishment}
    assert (places[UAI_A].active, places[UAI_A].awaiting_signature) == (3, 1)
    assert places[UAI_B].overdue_by_age == {"under_7": 0, "7_to_30": 1, "over_30": 0}


async def test_returns_are_counted_by_condition_and_incidents_per_100_devices(world):
    rw = await make_report_world(world)
    report = await incidents_report(await _target(world))
    assert report.returns == 2
    assert report.returns_by_condition == {"A": 0, "B": 1, "C": 0, "D": 1}
    total = report.total
    # 11 devices in region 24's fleet (A9, ceded, is not): 1 loss, 1 theft, 1 repair (D).
    assert (total.devices, total.losses, total.thefts, total.repairs) == (11, 1, 1, 1)
    assert (total.loss_rate, total.theft_rate, total.repair_rate) == (9.09, 9.09, 9.09)
    places = {row.establishment_uai: row.figures for row in report.by_establishment}
    assert (places[UAI_A].devices, places[UAI_A].loss_rate, places[UAI_A].theft_rate) == (
        8,
        12.5,
        0.0,
    )
    assert (places[UAI_B].devices, places[UAI_B].theft_rate) == (2, 50.0)
    models = {row.model_id: row.figures for row in report.by_model}
    assert (models[world.model_id].devices, models[world.model_id].repair_rate) == (9, 11.11)
    assert (models[rw.tablet_id].devices, models[rw.tablet_id].losses) == (2, 0)


async def test_hand_outs_and_returns_fall_in_their_month_in_paris(world):
    await make_report_world(world)
    report = await activity_report(await _target(world))
    months = {m.month: (m.handed_over, m.returned) for m in report.months}
    assert list(months)[0] == "2026-07" and list(months)[-1] == "2027-07"  # the school year
    assert months["2026-09"] == (6, 0)  # A1, A2, A4, A6, A9 (ceded since), B2
    assert months["2026-10"] == (1, 0)  # A3, at 00:30 on 1 October in Paris
    assert months["2026-11"] == (1, 0)
    assert months["2026-12"] == (0, 1)  # A4, back at 00:30 on 1 December in Paris
    assert months["2027-01"] == (1, 1)
    assert sum(h for h, _ in months.values()) == 9


async def test_the_period_filters_the_figures_of_the_period(world):
    await make_report_world(world)
    target = await _target(world, period_from=dt.date(2026, 12, 1), period_to=dt.date(2027, 1, 31))
    activity = await activity_report(target)
    assert [(m.month, m.handed_over, m.returned) for m in activity.months] == [
        ("2026-12", 0, 1),
        ("2027-01", 1, 1),
    ]
    incidents = await incidents_report(target)
    assert (incidents.returns, incidents.total.losses, incidents.total.thefts) == (2, 0, 0)
    assert incidents.total.repairs == 1
    # What is true today does not depend on the period.
    assert (await loan_states_report(target)).total.active == 4


async def test_campaigns_of_the_period_are_shown_side_by_side(world):
    await make_report_world(world)
    report = await campaigns_report(await _target(world))
    lines = {line.establishment_uai: line for line in report.items}
    distribution = lines[UAI_A]
    assert (distribution.kind, distribution.unit, distribution.status) == (
        "distribution",
        "students",
        "running",
    )
    assert distribution.counts == {"handed_over": 3, "signed": 0, "prepared": 1, "missing": 2}
    assert (distribution.total, distribution.done, distribution.rate) == (6, 3, 50.0)
    collection = lines[UAI_B]
    # B1 still out, B2 stolen on the campaign's first day.
    assert collection.counts == {"returned": 0, "ceded": 0, "missing": 1, "to_return": 1}
    assert (collection.total, collection.done) == (2, 1)


async def test_campaigns_outside_the_period_are_left_out(world):
    await make_report_world(world)
    target = await _target(world, period_from=dt.date(2026, 7, 5), period_to=dt.date(2026, 8, 31))
    assert (await campaigns_report(target)).items == []


async def test_the_overview_holds_the_key_figures_of_each_region(world):
    await make_report_world(world)
    figures = await overview(await _target(world, "admin"))
    assert (figures.devices, figures.coverage.equipped, figures.coverage.enrolled) == (12, 5, 9)
    assert (figures.loans.active, figures.returns, figures.waiting) == (5, 2, 3)
    assert figures.campaigns_running == 2
    assert [(r.region_code, r.devices, r.loans.active) for r in figures.by_region] == [
        ("24", 11, 4),
        ("44", 1, 1),
    ]


async def test_a_collection_is_counted_as_its_own_progress_page_counts_it(world):
    await make_report_world(world)
    report = await campaigns_report(await _target(world))
    collection = next(line for line in report.items if line.kind == "collection")
    own = await campaign_progress.campaign_progress(PLATFORM, collection.campaign_id, TODAY)
    assert collection.counts == own.counts
    assert (collection.total, collection.done) == (own.total, own.done)
