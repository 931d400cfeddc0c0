"""Coverage today: how many enrolled students hold a device, per establishment and per class
level, and how many the running distribution campaigns still wait for.

- enrolled: a student who has not left (`left_on` empty) of an establishment covered;
- equipped: an enrolled student with an active loan (the device is in their hands);
- rate: equipped / enrolled, as a percentage with one decimal (None without students).

One grouped query over students (by establishment, class and step, `loans.reports.campaigns`
student_steps, shared with the distributions); levels and totals are sums of those groups.
"""

from __future__ import annotations

import functools
from collections import defaultdict

import msgspec

from loans.reports.campaigns import student_steps, waiting_students
from loans.reports.target import ReportTarget, Target
from loans.students import normalise_class

LEVELS = {
    "2NDE": "seconde",
    "1RE": "première",
    "TLE": "terminale",
    "CAP": "CAP",
    "BTS": "BTS",
    "AUTRE": "autre classe",
    "": "classe non renseignée",
}


@functools.lru_cache(maxsize=4096)  # the same few hundred class names in every school
def class_level(class_name: str) -> str:
    """The level of a class, a key of LEVELS, from its name as schools write it.

    Names are normalised first (upper case, no spaces or accents: "2nde 3" is "2NDE3").
    CAP and BTS classes are their own level wherever the word is ("1CAP", "BTS1SIO"), since
    their years count differently. Then by the first characters: "2…" or "SECONDE…" is
    2NDE; "1…" or "PREMIERE…" 1RE; "T…" (TLE, TG2, TERM…) TLE. An empty name is "" and
    anything else (ULIS, 3PREPA…) AUTRE: counted, never dropped.
    """
    name = normalise_class(class_name or "")
    if not name:
        return ""
    for course in ("CAP", "BTS"):
        if course in name:
            return course
    if name.startswith(("2", "SECONDE")):
        return "2NDE"
    if name.startswith(("1", "PREMIERE")):
        return "1RE"
    if name.startswith("T"):
        return "TLE"
    return "AUTRE"


class Coverage(msgspec.Struct, frozen=True):
    enrolled: int
    equipped: int
    rate: float | None  # percent, one decimal


class PlaceCoverage(msgspec.Struct, frozen=True):
    region_code: str
    establishment_uai: str
    establishment_name: str
    enrolled: int
    equipped: int
    rate: float | None


class LevelCoverage(msgspec.Struct, frozen=True):
    level: str  # a key of LEVELS
    label: str
    enrolled: int
    equipped: int
    rate: float | None


class RegionCoverage(msgspec.Struct, frozen=True):
    region_code: str
    enrolled: int
    equipped: int
    rate: float | None


class CoverageReport(msgspec.Struct, frozen=True):
    target: ReportTarget  # what the figures cover: places asked, period, today
    total: Coverage
    # Enrolled students of the running distribution campaigns not handed a device yet.
    waiting: int
    by_establishment: list[PlaceCoverage]
    by_level: list[LevelCoverage]
    by_region: list[RegionCoverage]


def rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


async def coverage_report(target: Target) -> CoverageReport:
    places: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    levels: dict[str, list[int]] = {level: [0, 0] for level in LEVELS}
    for group in await student_steps(target):
        equipped = group["n"] if group["status"] == "handed_over" else 0
        for sums in (places[group["establishment_id"]], levels[class_level(group["class_name"])]):
            sums[0] += group["n"]
            sums[1] += equipped
    regions: dict[str, list[int]] = {code: [0, 0] for code, _ in target.regions.values()}
    for place_id, (enrolled, equipped) in places.items():
        sums = regions.setdefault(target.places[place_id].region_code, [0, 0])
        sums[0] += enrolled
        sums[1] += equipped
    enrolled = sum(e for e, _ in places.values())
    equipped = sum(q for _, q in places.values())
    return CoverageReport(
        target=target.echo,
        total=Coverage(enrolled, equipped, rate(equipped, enrolled)),
        waiting=await waiting_students(target),
        by_establishment=sorted(
            (
                PlaceCoverage(
                    region_code=target.places[p].region_code,
                    establishment_uai=target.places[p].uai,
                    establishment_name=target.places[p].name,
                    enrolled=e,
                    equipped=q,
                    rate=rate(q, e),
                )
                for p, (e, q) in places.items()
            ),
            key=lambda row: (row.region_code, row.establishment_uai),
        ),
        by_level=[
            LevelCoverage(level, LEVELS[level], e, q, rate(q, e))
            for level, (e, q) in levels.items()
            if e
        ],
        by_region=[
            RegionCoverage(code, e, q, rate(q, e)) for code, (e, q) in sorted(regions.items())
        ],
    )
