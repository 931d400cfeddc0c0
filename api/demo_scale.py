"""`ordipret demo --scale region|national`: a realistic fleet for benchmarks and reviewers.

A region is 150 lycées, 200,000 students (the leavers of three school years included),
200,000 devices and about 600,000 loans over three school years, with their agreements,
signatures and the history of every change; `national` is 13 such regions (2 million
devices, PostgreSQL only). Everything follows from the seed: the same seed gives the same
database. The rows are written in bulk (`api.demo_scale_writer`), one school at a time; each
school is simulated in time order (`api.demo_scale_loans`) so that the data keeps every
invariant the app relies on, by construction.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from api.demo import uai
from api.demo_scale_data import (
    ADULT_FIRST_NAMES,
    HEADS_TITLES,
    LAST_NAMES,
    LYCEE_KINDS,
    LYCEE_NAMES,
    MODELS,
    REGIONS,
    SCALES,
    school_year_of,
)
from api.demo_scale_loans import School
from api.demo_scale_people import ACTOR_NAME, Ids, at, make_devices, make_pupils
from api.demo_scale_writer import COLUMNS, BulkWriter
from inventory.tables import Asset, DeviceModel, Region
from loans.minors import PARIS
from loans.reports import tallies
from loans.tables import Student

YEARS = 3  # school years of history, the current one included

Progress = Callable[[int, int, dict[str, int]], None]  # (schools done, schools, rows by table)


@dataclass(frozen=True)
class Built:
    counts: dict[str, int]
    seconds: float
    first_region: str
    first_school: str


async def database_is_empty() -> bool:
    for table in (Region, DeviceModel, Asset, Student):
        if await table.exists():
            return False
    from api.accounts.tables import Account

    return not await Account.exists()


def _shares(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up to it."""
    bounds, running, whole = [0], 0.0, sum(weights)
    for weight in weights:
        running += weight
        bounds.append(round(total * running / whole))
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


def _batch() -> dict[str, list[tuple]]:
    return {table: [] for table in COLUMNS}


async def build(
    engine, scale: str, seed: int, now: dt.datetime, progress: Progress | None = None
) -> Built:
    """Fill an empty database (the caller checks it is) with the `scale` demo."""
    started = time.monotonic()
    size = SCALES[scale]
    # The reports' tallies are counted once at the end rather than row by row by their
    # triggers (loans.reports.tallies): the same counts, the load twice as fast.
    for statement in tallies.drop_triggers_sql(engine.engine_type):
        await engine.run_ddl(statement)
    writer, ids = BulkWriter(engine), Ids()
    years = [school_year_of(now.astimezone(PARIS).date()) - YEARS + 1 + k for k in range(YEARS)]
    batch = _batch()
    model_ids = []
    for manufacturer, name, category, accessories, _, _ in MODELS:
        model_ids.append(ids.next("device_model"))
        batch["device_model"].append(
            (model_ids[-1], manufacturer, name, category, list(accessories))
        )
    total = size.regions * size.establishments
    done, first_school = 0, ""
    for code, region_name, domain, departments in REGIONS[: size.regions]:
        region_id = ids.next("region")
        batch["region"].append((region_id, code, region_name))
        rng = random.Random(f"{seed}:{code}")
        weights = [0.5 + rng.random() for _ in range(size.establishments)]
        students = _shares(size.students, weights)
        devices = _shares(size.devices, weights)
        numbers: dict[str, int] = {}
        for index in range(size.establishments):
            department, towns = departments[index % len(departments)]
            numbers[department] = numbers.get(department, 10 + rng.randrange(20)) + 7
            school_uai = uai(f"{department}{numbers[department]:04d}")
            first_school = first_school or school_uai
            school_rng = random.Random(f"{seed}:{school_uai}")
            _school(
                batch,
                school_rng,
                ids,
                now,
                years,
                model_ids,
                (region_id, code, domain, school_uai, towns),
                students[index],
                devices[index],
            )
            await writer.write_all(batch)
            batch = _batch()
            done += 1
            if progress:
                progress(done, total, writer.written)
    async with engine.transaction():
        for statement in tallies.refill_sql(engine.engine_type):
            await engine.run_ddl(statement)
    await writer.finish()
    return Built(dict(writer.written), time.monotonic() - started, REGIONS[0][0], first_school)


def _school(
    batch: dict[str, list[tuple]],
    rng: random.Random,
    ids: Ids,
    now: dt.datetime,
    years: list[int],
    model_ids: list[int],
    place: tuple[int, str, str, str, tuple[str, ...]],
    students: int,
    devices: int,
) -> None:
    region_id, code, domain, school_uai, towns = place
    establishment_id = ids.next("establishment")
    woman = rng.random() < 0.5  # ADULT_FIRST_NAMES: 8 women's names, then 8 men's
    given = ADULT_FIRST_NAMES[rng.randrange(8) + (0 if woman else 8)]
    head = f"{HEADS_TITLES[0 if woman else 1]} {given} {rng.choice(LAST_NAMES)}"
    batch["establishment"].append(
        (
            establishment_id,
            school_uai,
            f"{rng.choice(LYCEE_KINDS)} {rng.choice(LYCEE_NAMES)}",
            rng.choice(towns),
            region_id,
            f"numerique.{school_uai.lower()}@{domain}",
            f"0{rng.randrange(1, 6)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} "
            f"{rng.randrange(10, 99)} {rng.randrange(10, 99)}",
            head,
        )
    )
    where = (establishment_id, region_id, code)
    today = now.astimezone(PARIS).date()
    pupils = make_pupils(rng, where, students, years, today, ids, batch)
    fleet, fields = make_devices(rng, where, devices, years, model_ids, ids)
    created = {row[0]: row[-1] for row in fields}
    school = School(rng, ids, now, establishment_id, head, fleet, created)
    for row in fields:
        device_id, tag, serial, _, model, _, _, acquired, warranty, created_at = row
        school.asset_events.append(
            (device_id, created_at, None, ACTOR_NAME, "imported", _creation(row), establishment_id)
        )
    for year in years:
        distribution = ids.next("campaign")
        batch["campaign"].append(
            (distribution, establishment_id, "distribution", f"Rentrée {year}", "[]",
             dt.date(year, 8, 28), dt.date(year, 10, 15), at(dt.date(year, 8, 20), 60),
             ACTOR_NAME)
        )  # fmt: skip
        if dt.date(year + 1, 5, 15) <= today:
            batch["campaign"].append(
                (ids.next("campaign"), establishment_id, "collection", f"Collecte juin {year + 1}",
                 "[]", dt.date(year + 1, 6, 8), dt.date(year + 1, 7, 4),
                 at(dt.date(year + 1, 5, 15), 60), ACTOR_NAME)
            )  # fmt: skip
        school.run_year(year, pupils, distribution, last=year == years[-1])
    for device, row in zip(fleet, fields, strict=True):
        batch["asset"].append(
            (*row[:7], device.state, device.condition, row[7], row[8], "", row[9],
             device.updated_at or row[9])
        )  # fmt: skip
    batch["loan"] = school.loans
    batch["agreement"] = school.agreements
    batch["signature"] = school.signatures
    # Ids in time order, so that a device's or a loan's history reads in order by id.
    for table, events in (("asset_event", school.asset_events), ("loan_event", school.loan_events)):
        events.sort(key=lambda event: event[1])
        batch[table] = [(ids.next(table), *event) for event in events]


def _creation(row: tuple) -> str:
    from api.demo_scale_people import text

    device_id, tag, serial, _, model, _, _, acquired, warranty, _ = row
    return text(
        {
            "tag": [None, tag],
            "serial": [None, serial],
            "model": [None, model],
            "state": [None, "in_stock"],
            "condition": [None, "A"],
            "acquired_on": [None, acquired.isoformat()],
            "warranty_end": [None, warranty.isoformat()],
        }
    )
