"""The people and devices of one school in the scale demo: students by cohort (classes by
level, birth dates, ENT keys, INE, leaving dates), their guardians, and the school's devices
(models bought over the years, warranties). Rows are tuples in `demo_scale_writer.COLUMNS`
order; what the loan simulation needs is kept on small objects beside them."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field

import msgspec

from api.demo_scale_data import (
    ADULT_FIRST_NAMES,
    CATEGORY_SHARE,
    FIRST_NAMES,
    LAST_NAMES,
    LENT_SHARE,
    LEVELS,
    MODELS,
)
from loans.minors import PARIS

ACTOR_NAME = "Données de démonstration"
CLASS_SIZE = 32
# When a school's devices were bought, relative to the first school year simulated: most
# before it, then a top-up each summer.
PURCHASES = (-1, -1, -1, -1, -1, 0, 0, 1, 2)
_encode = msgspec.json.Encoder()


def text(value) -> str:
    """JSON as text: what Piccolo stores in a JSON column on both engines."""
    return _encode.encode(value).decode()


def at(day: dt.date, minutes: int) -> dt.datetime:
    """`minutes` after 8:00 in Paris on `day`, as an aware UTC timestamp."""
    local = dt.datetime(day.year, day.month, day.day, 8, 0, tzinfo=PARIS)
    return (local + dt.timedelta(minutes=minutes)).astimezone(dt.UTC)


def ascii_fold(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in folded if c.isalnum() and not unicodedata.combining(c))


class Ids:
    """The next primary key of each table: the database is empty, the generator numbers."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def next(self, table: str) -> int:
        self._last[table] = self._last.get(table, 0) + 1
        return self._last[table]


@dataclass(slots=True)
class Pupil:
    id: int
    name: str  # as agreements print it: « Léa MARTIN »
    birth_date: dt.date
    entry: int  # the school year of their seconde
    leaves_on: dt.date | None  # planned, even if after today
    guardians: list[tuple[int, str]]  # (id, name) of those with legal authority
    wants: tuple[str, ...]  # device categories lent to them each year
    open: dict[str, int] = field(default_factory=dict)  # category -> open loan id

    def enrolled(self, year: int, day: dt.date) -> bool:
        return self.entry <= year <= self.entry + 2 and (
            self.leaves_on is None or day < self.leaves_on
        )


@dataclass(slots=True)
class Device:
    id: int
    tag: str
    category: str
    accessories: list[str]
    state: str = "in_stock"
    condition: str = "A"
    updated_at: dt.datetime | None = None


def _random_day(rng: random.Random, start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(days))


def make_pupils(
    rng: random.Random,
    school: tuple[int, int, str],  # (establishment id, region id, region code)
    count: int,
    years: list[int],
    today: dt.date,
    ids: Ids,
    batch: dict[str, list[tuple]],
) -> list[Pupil]:
    """Five cohorts: those in terminale in the first year simulated to those in seconde now.
    Cohorts leave on 4 July after terminale; a few students leave during a year."""
    establishment_id, region_id, region_code = school
    current = years[-1]
    entries = list(range(current - 4, current + 1))
    classes = max(1, round(count / len(entries) / CLASS_SIZE))
    pupils = []
    for index in range(count):
        entry = entries[index % len(entries)]
        pupil_id = ids.next("student")
        born = _random_day(rng, dt.date(entry - 15 - (rng.random() < 0.15), 1, 1), 365)
        leaves_on = dt.date(entry + 3, 7, 4)
        if rng.random() < 0.08:  # moves away or drops out during one of their three years
            leaves_on = _random_day(rng, dt.date(entry + rng.randrange(3), 10, 1), 250)
        level = min(current, school_year(leaves_on - dt.timedelta(days=1))) - entry
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        created = max(entry, years[0])
        batch["student"].append(
            (
                pupil_id,
                region_id,
                establishment_id,
                f"E{region_code}{pupil_id:08d}",
                f"{(1_000_003_000 + pupil_id * 37) % 10**10:010d}{'ABCDEFGHJK'[pupil_id % 10]}",
                last,
                first,
                born,
                f"{LEVELS[max(0, min(level, 2))]}{1 + rng.randrange(classes)}",
                leaves_on if leaves_on <= today else None,
                at(dt.date(created, 8, 25), rng.randrange(600)),
            )
        )
        guardians = []
        for number in range(1 if rng.random() < 0.3 else 2):
            guardian_id = ids.next("guardian")
            # One mother and one father mostly; the list holds 8 women's names then 8 men's.
            given = ADULT_FIRST_NAMES[
                (number * 8 + rng.randrange(8) + (rng.random() < 0.1) * 8) % 16
            ]
            family = last if number == 0 or rng.random() < 0.6 else rng.choice(LAST_NAMES)
            authority = number == 0 or rng.random() < 0.92
            batch["guardian"].append(
                (
                    guardian_id,
                    pupil_id,
                    family,
                    given,
                    f"{ascii_fold(given)}.{ascii_fold(family)}{guardian_id}@example.fr",
                    f"06 {rng.randrange(100):02d} {rng.randrange(100):02d} "
                    f"{rng.randrange(100):02d} {rng.randrange(100):02d}",
                    None,
                    authority,
                )
            )
            if authority:
                guardians.append((guardian_id, f"{given} {family.upper()}"))
        wants = tuple(c for c, share in LENT_SHARE.items() if rng.random() < share)
        pupils.append(
            Pupil(pupil_id, f"{first} {last.upper()}", born, entry, leaves_on, guardians, wants)
        )
    return pupils


def school_year(day: dt.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def make_devices(
    rng: random.Random,
    school: tuple[int, int, str],
    count: int,
    years: list[int],
    model_ids: list[int],
    ids: Ids,
) -> tuple[list[Device], list[tuple]]:
    """The school's devices, bought each summer of the three years (and the one before),
    each with the model of its category on sale that year. Returns the simulation's devices
    and their fixed fields, to become asset rows once the simulation is done."""
    establishment_id, region_id, region_code = school
    devices, fields = [], []
    left = count
    for number, (category, share) in enumerate(CATEGORY_SHARE.items()):
        choices = [(i, m) for i, m in enumerate(MODELS) if m[2] == category]
        many = left if number == len(CATEGORY_SHARE) - 1 else round(count * share)
        left -= many
        for _ in range(many):
            year = rng.choice(PURCHASES)
            year = years[0] + year
            on_sale = [(i, m) for i, m in choices if m[4] <= year] or choices[:1]
            index, (maker, _, _, accessories, _, warranty) = rng.choice(on_sale)
            acquired = _random_day(rng, dt.date(year, 6, 15), 60)
            number = ids.next(f"serial:{maker}")
            device_id = ids.next("asset")
            tag = f"R{region_code}-{device_id:07d}"
            devices.append(Device(device_id, tag, category, list(accessories)))
            fields.append(
                (
                    device_id,
                    tag,
                    f"{maker[:2].upper()}{region_code}{number:08X}",
                    " ".join(maker.split()).casefold(),
                    model_ids[index],
                    region_id,
                    establishment_id,
                    acquired,
                    acquired.replace(year=acquired.year + warranty),
                    at(acquired, rng.randrange(540)),
                )
            )
    return devices, fields
