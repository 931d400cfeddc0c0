"""Coverage today: how many enrolled students hold a device, per establishment and per class
level, and how many the running distribution campaigns still wait for.

- enrolled: a student who has not left (`left_on` empty) of an establishment covered;
- equipped: an enrolled student with an active loan (the device is in their hands);
- rate: equipped / enrolled, as a percentage with one decimal (None without students).

Two grouped queries over the students' tally (by establishment; by class, summed by level
here); totals are sums of those groups.
"""

from __future__ import annotations

import functools

import msgspec

from loans.reports.campaigns import waiting_students
from loans.reports.tallies import STUDENTS
from loans.reports.target import ReportTarget, Target, rows
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


def coverage_sql(target: Target, column: str) -> str:
    """Enrolled and equipped students of the target by `column` of the students' tally
    (`establishment` or `class_name`; `loans.reports.tallies`)."""
    return f"""
SELECT s.{column} AS key, SUM(s.n) AS enrolled,
  SUM(CASE WHEN s.status = 'handed_over' THEN s.n ELSE 0 END) AS equipped
FROM {STUDENTS.table} s
WHERE {target.by_region("s.region", "s.establishment")} AND s.establishment <> 0
GROUP BY s.{column}
HAVING SUM(s.n) <> 0"""


def coverage_queries(target: Target) -> list[tuple[str, list]]:
    return [(coverage_sql(target, "establishment"), []), (coverage_sql(target, "class_name"), [])]


async def coverage_report(target: Target) -> CoverageReport:
    (place_sql, _), (class_sql, _) = coverage_queries(target)
    by_place, by_class = await rows(place_sql), await rows(class_sql)
    places: dict[int, list[int]] = {g["key"]: [g["enrolled"], g["equipped"]] for g in by_place}
    levels: dict[str, list[int]] = {level: [0, 0] for level in LEVELS}
    for group in by_class:
        sums = levels[class_level(group["key"])]
        sums[0] += group["enrolled"]
        sums[1] += group["equipped"]
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
