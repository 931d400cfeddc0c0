"""The reports' tallies (loans.reports.tallies) always say what a plain recount of the base
tables says: after a random sequence of the desk's operations (refused ones included),
hand-written UPDATEs and DELETEs, and after a refill."""

from __future__ import annotations

import contextlib
import datetime as dt
import random

import pytest

from inventory import assets, catalogue
from inventory.errors import DomainError
from inventory.tables import Asset
from loans import lifecycle, students
from loans.minors import PARIS
from loans.reports import tallies
from loans.tables import Loan, Student
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    World,
    active_loan,
    make_asset,
    make_student,
)
from tests.report_tallies import assert_tallies_match_a_recount, tally_rows

SCHOOLS = {"A": UAI_A, "B": UAI_B}
CLASSES = ("2NDE1", "1RE2", "TLE3", "")


class Desk:
    """Random operations through the domain's use-cases, as the desk and the API run them."""

    def __init__(self, world: World, seed: int) -> None:
        self.world = world
        self.random = random.Random(seed)
        self.now = NOW
        self.tags: list[str] = []
        self.students: list[int] = []
        self.tablet_id = 0

    def tick(self) -> dt.datetime:
        # Hours, sometimes across midnight in Paris and across months.
        self.now += dt.timedelta(hours=self.random.choice((1, 5, 23, 24 * 17)))
        return self.now

    async def new_asset(self) -> None:
        tag = f"T{len(self.tags) + 1:04d}"
        school = self.random.choice((None, "A", "B"))
        acquired = self.random.choice((None, dt.date(2024, 9, 1), dt.date(2026, 1, 10)))
        model = self.random.choice((self.world.model_id, self.tablet_id))
        await make_asset(
            tag,
            SCHOOLS[school] if school else None,
            model,
            acquired_on=acquired,
            warranty_end=acquired and acquired + dt.timedelta(days=1000),
            **({} if school else {"region_code": "24"}),
        )
        self.tags.append(tag)

    async def new_student(self) -> None:
        school = self.random.choice(("A", "B"))
        student = await make_student(school, class_name=self.random.choice(CLASSES))
        self.students.append(student.id)

    async def open_loans(self, *states: str) -> list[int]:
        found = await Loan.select(Loan.id).where(Loan.closed_at.is_null(), Loan.state.is_in(states))
        return [row["id"] for row in found]

    async def lend(self) -> None:
        student = self.random.choice(self.students)
        school = Student.select(Student.establishment).where(Student.id == student)
        nearby = await Asset.select(Asset.tag).where(
            Asset.establishment.is_in(school), Asset.state == "in_stock"
        )
        # Mostly a device of the student's school; now and then any (refused elsewhere).
        choices = [row["tag"] for row in nearby] or self.tags
        tag = self.random.choice(choices if self.random.random() < 0.9 else self.tags)
        loan_id = await lifecycle.prepare_loan(
            PLATFORM, ACTOR, self.tick(), asset_tag=tag, student_id=student, max_open_per_category=1
        )
        if self.random.random() < 0.8:
            now = self.tick()
            await lifecycle.record_paper_signature(PLATFORM, ACTOR, now, loan_id, now.date())
            if self.random.random() < 0.8:
                due = self.random.choice((None, dt.date(2026, 9, 1), dt.date(2027, 7, 4)))
                await lifecycle.hand_over(PLATFORM, ACTOR, self.tick(), loan_id, [], due)

    async def end(self) -> None:
        active = await self.open_loans("active")
        if not active:
            return
        loan_id, now = self.random.choice(active), self.tick()
        match self.random.choice(("return", "return", "damaged", "loss", "theft", "transfer")):
            case "return" | "damaged" as how:
                await lifecycle.take_back(
                    PLATFORM,
                    ACTOR,
                    now,
                    loan_id,
                    accessories_returned=[],
                    condition=self.random.choice("ABCD"),
                    damage_notes="écran fêlé" if how == "damaged" else "",
                )
            case "loss":
                await lifecycle.declare_loss(
                    PLATFORM, ACTOR, now, loan_id, incident_on=now.date(), circumstances="perdu"
                )
            case "theft":
                await lifecycle.declare_theft(
                    PLATFORM,
                    ACTOR,
                    now,
                    loan_id,
                    incident_on=now.date(),
                    circumstances="volé dans le bus",
                    police_report_ref="PV-1",
                    police_report_on=now.date(),
                )
            case "transfer":
                school = self.random.choice(("A", "B"))
                await lifecycle.transfer(
                    PLATFORM,
                    ACTOR,
                    now,
                    loan_id,
                    to_establishment_id=self.world.establishment_ids[school],
                    to_region_id=self.world.region_ids["24"],
                )

    async def cancel(self) -> None:
        if pending := await self.open_loans("draft", "awaiting_signature"):
            await lifecycle.cancel(PLATFORM, ACTOR, self.tick(), self.random.choice(pending))

    async def edit_asset(self) -> None:
        changes = self.random.choice(
            (
                {"state": self.random.choice(("in_repair", "retired", "ceded", *["in_stock"] * 3))},
                {"model_id": self.random.choice((self.world.model_id, self.tablet_id))},
                {"establishment_uai": self.random.choice(("", UAI_A, UAI_B))},
                {"warranty_end": self.random.choice((None, dt.date(2027, 1, 31)))},
                {"acquired_on": self.random.choice((None, dt.date(2023, 5, 2)))},
            )
        )
        await assets.update_asset(
            PLATFORM, ACTOR, self.tick(), self.random.choice(self.tags), changes
        )

    async def edit_student(self) -> None:
        student = self.random.choice(self.students)
        if self.random.random() < 0.3:
            await students.mark_left(PLATFORM, ACTOR, self.tick(), student, self.now.date())
            return
        changes = self.random.choice(
            (
                {"class_name": self.random.choice(CLASSES)},
                {"establishment_uai": self.random.choice((UAI_A, UAI_B))},
            )
        )
        await students.update_student(PLATFORM, ACTOR, self.tick(), student, changes)

    async def by_hand(self) -> None:
        """What an operator might type in a SQL console: triggers see it too."""
        match self.random.choice(("due", "reopen", "delete")):
            case "due":
                await Loan.update({Loan.due_on: dt.date(2026, 6, 1)}).where(Loan.state == "active")
            case "reopen":
                await Loan.update({Loan.return_condition: "D"}).where(Loan.state == "returned")
            case "delete":  # a device that was never lent
                lent = Loan.select(Loan.asset)
                await Asset.delete().where(Asset.id.not_in(lent), Asset.tag == self.tags[-1])


async def run_desk(world: World, seed: int, steps: int) -> None:
    desk = Desk(world, seed)
    desk.tablet_id = (
        await catalogue.create_device_model(
            PLATFORM, manufacturer="Apple", name="iPad 10", category="tablet", accessories=[]
        )
    ).id
    for _ in range(8):
        await desk.new_asset()
        await desk.new_student()
    operations = (
        (desk.new_asset, 2),
        (desk.new_student, 2),
        (desk.lend, 6),
        (desk.end, 5),
        (desk.cancel, 1),
        (desk.edit_asset, 3),
        (desk.edit_student, 2),
        (desk.by_hand, 1),
    )
    weighted = [operation for operation, weight in operations for _ in range(weight)]
    for _ in range(steps):
        # Refused operations (a device already lent, a student at the maximum) write nothing.
        with contextlib.suppress(DomainError):
            await desk.random.choice(weighted)()


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_tallies_equal_a_plain_recount_after_random_operations(world, seed):
    await run_desk(world, seed, steps=60)
    await assert_tallies_match_a_recount()


async def test_the_tallies_count_something_of_every_kind_after_a_long_run(world):
    await run_desk(world, 7, steps=80)
    await active_loan(world, "FINAL", UAI_A, (await make_student("A")).id)
    loan_hours = await tally_rows(tallies.LOAN_MONTHS)
    assert {row[1] for row in loan_hours} == {"handed", "ended"}
    assert {row[3] for row in loan_hours} >= {"returned"}
    statuses = {row[3] for row in await tally_rows(tallies.STUDENTS)}
    assert "handed_over" in statuses and "missing" in statuses
    await assert_tallies_match_a_recount()


async def test_a_refill_gives_the_same_tallies_as_the_triggers(world):
    await run_desk(world, 4, steps=40)
    before = {t.table: await tally_rows(t) for t in tallies.TALLIES}
    engine = Loan._meta.db
    async with engine.transaction():
        for statement in tallies.refill_sql(engine.engine_type):
            await engine.run_ddl(statement)
    assert {t.table: await tally_rows(t) for t in tallies.TALLIES} == before
    # The triggers are back: a new device is counted.
    await make_asset("APRES", UAI_A, world.model_id)
    await assert_tallies_match_a_recount()


def _instants_around_paris_month_starts() -> list[dt.datetime]:
    """Each first of the month of two years at midnight in Paris, in UTC, and instants a
    minute and an hour either side (the hour that SQLite's rule of offsets must get right)."""
    found = []
    for year in (2026, 2027):
        for month in range(1, 13):
            start = dt.datetime(year, month, 1, tzinfo=PARIS).astimezone(dt.UTC)
            for minutes in (-61, -59, -1, 0, 1, 59, 61):
                found.append(start + dt.timedelta(minutes=minutes))
    return found


async def test_an_instant_is_filed_in_its_month_in_paris_whatever_the_engine(world):
    d = tallies.Dialect(Loan._meta.db.engine_type)
    value = "{}" if d.sqlite else "CAST({} AS TIMESTAMPTZ)"  # a column's type, on PostgreSQL
    for instant in _instants_around_paris_month_starts():
        found = await Loan.raw(
            f"SELECT {d.month('x')} AS month FROM (SELECT {value} AS x) t", instant
        )
        paris = instant.astimezone(PARIS)
        assert found[0]["month"] == paris.year * 12 + paris.month - 1, instant
