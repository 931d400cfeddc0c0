"""A small fleet with a known history, for the report tests: every figure below is counted
by hand in EXPECTED comments of the tests.

Region 24: lycée A (9 devices, one of them ceded; 7 students, one left), lycée B (2 devices,
2 students), and one device of the region's stock not sent to a school. Region 44: lycée C
(1 device lent, 1 student). Two models: M1 laptop (the world's model), M2 tablet.
The day of the reports: TODAY, 15 March 2027 (Paris); school year 5 July 2026 – 4 July 2027.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from inventory import catalogue
from loans import campaigns, lifecycle
from tests.factories import ACTOR, PLATFORM, UAI_A, UAI_B, UAI_C, World, make_asset, make_student

TODAY = dt.date(2027, 3, 15)


def at(text: str) -> dt.datetime:
    """An instant in UTC, "2026-09-10 10:00"."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@dataclass
class ReportWorld:
    world: World
    tablet_id: int


async def _handed(tag: str, student_id: int, when: dt.datetime, due_on: dt.date) -> int:
    loan_id = await lifecycle.prepare_loan(
        PLATFORM, ACTOR, when, asset_tag=tag, student_id=student_id, max_open_per_category=1
    )
    await lifecycle.record_paper_signature(PLATFORM, ACTOR, when, loan_id, when.date())
    await lifecycle.hand_over(PLATFORM, ACTOR, when, loan_id, ["chargeur"], due_on)
    return loan_id


async def _returned(loan_id: int, when: dt.datetime, condition: str) -> None:
    await lifecycle.take_back(
        PLATFORM, ACTOR, when, loan_id, accessories_returned=["chargeur"], condition=condition
    )


async def make_report_world(world: World) -> ReportWorld:
    m1 = world.model_id
    tablet = await catalogue.create_device_model(
        PLATFORM, manufacturer="Apple", name="iPad 10", category="tablet", accessories=[]
    )
    old, mid, new = dt.date(2024, 6, 1), dt.date(2025, 8, 20), dt.date(2026, 1, 10)
    for tag, uai, model, acquired, warranty in (
        ("A1", UAI_A, m1, mid, dt.date(2026, 12, 1)),  # warranty already over
        ("A2", UAI_A, m1, mid, dt.date(2027, 9, 15)),  # lent, ends on the window's last day
        ("A3", UAI_A, m1, mid, None),
        ("A4", UAI_A, m1, old, None),
        ("A5", UAI_A, m1, old, None),
        ("A6", UAI_A, m1, old, dt.date(2027, 4, 1)),  # in repair, ends within 6 months
        ("A7", UAI_A, tablet.id, new, None),
        ("A8", UAI_A, tablet.id, new, dt.date(2027, 6, 1)),  # in stock, ends within 6 months
        ("A9", UAI_A, m1, dt.date(2023, 9, 1), dt.date(2027, 5, 1)),  # ceded: not counted
        ("B1", UAI_B, m1, old, None),
        ("B2", UAI_B, m1, old, None),
        ("C1", UAI_C, m1, mid, None),
    ):
        await make_asset(tag, uai, model, acquired_on=acquired, warranty_end=warranty)
    await make_asset("R1", None, m1, region_code="24")  # the region's stock, no date
    await campaigns.create_campaign(
        PLATFORM,
        ACTOR,
        at("2026-08-20 08:00"),
        establishment_uai=UAI_A,
        kind="distribution",
        name="Rentrée A",
        starts_on=dt.date(2026, 9, 1),
    )
    s1 = (await make_student("A", class_name="2NDE3")).id
    s2 = (await make_student("A", class_name="2NDE1")).id
    s3 = (await make_student("A", class_name="1G2")).id
    s4 = (await make_student("A", class_name="TG1")).id
    await make_student("A", class_name="2NDE3", left_on=dt.date(2026, 10, 1))
    s6 = (await make_student("A", class_name="BTS1SIO")).id
    s7 = (await make_student("A", class_name="TG2")).id
    b1 = (await make_student("B", class_name="2NDE1")).id
    b2 = (await make_student("B", class_name="1G1")).id
    c1 = (await make_student("C", class_name="2NDE2")).id
    year_end = dt.date(2027, 7, 4)
    await _handed("A1", s1, at("2026-09-10 10:00"), year_end)
    await _handed("A2", s2, at("2026-09-20 10:00"), dt.date(2027, 3, 14))  # 1 day late
    # 22:30 UTC on 30 September is 00:30 on 1 October in Paris: an October hand-out.
    await _handed("A3", s3, at("2026-09-30 22:30"), dt.date(2027, 2, 12))  # 31 days late
    l4 = await _handed("A4", s4, at("2026-09-15 10:00"), year_end)
    # 23:30 UTC on 30 November is 1 December in Paris: a December return.
    await _returned(l4, at("2026-11-30 23:30"), "B")
    l5 = await _handed("A5", s4, at("2027-01-05 10:00"), year_end)
    await lifecycle.declare_loss(
        PLATFORM,
        ACTOR,
        at("2027-02-20 10:00"),
        l5,
        incident_on=dt.date(2027, 2, 19),
        circumstances="Oublié dans le bus",
    )
    l6 = await _handed("A6", s6, at("2026-09-12 10:00"), year_end)
    await _returned(l6, at("2027-01-20 10:00"), "D")
    await lifecycle.prepare_loan(  # not signed yet
        PLATFORM,
        ACTOR,
        at("2027-03-01 10:00"),
        asset_tag="A7",
        student_id=s6,
        max_open_per_category=1,
    )
    l10 = await _handed("A9", s7, at("2026-09-11 10:00"), year_end)
    await lifecycle.cede(PLATFORM, ACTOR, at("2026-10-01 10:00"), l10, cession_allowed=True)
    await _handed("B1", b1, at("2026-11-03 10:00"), dt.date(2027, 3, 8))  # 7 days late
    lb2 = await _handed("B2", b2, at("2026-09-25 10:00"), year_end)
    await campaigns.create_campaign(
        PLATFORM,
        ACTOR,
        at("2027-02-20 08:00"),
        establishment_uai=UAI_B,
        kind="collection",
        name="Collecte B",
        starts_on=dt.date(2027, 3, 1),
    )
    await lifecycle.declare_theft(
        PLATFORM,
        ACTOR,
        at("2027-03-01 10:00"),
        lb2,
        incident_on=dt.date(2027, 2, 28),
        circumstances="Sac volé",
        police_report_ref="PV-1",
        police_report_on=dt.date(2027, 3, 1),
    )
    await _handed("C1", c1, at("2026-09-05 10:00"), year_end)
    return ReportWorld(world=world, tablet_id=tablet.id)
