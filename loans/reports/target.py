"""What a report is about: the places the caller asked for and may see, the period, today.

`resolve` turns the request's `region`, `establishment`, `from` and `to` into a `Target`,
applying the caller's `Scope` once: the establishments come from `Scope.restrict`, so every
figure filtering on them is scoped by construction. A region or establishment the caller may
not see is not found (404), exactly like an unknown one; a malformed value is a 422 naming
the parameter.

Queries then filter on ids known here, written into the SQL as integer literals (they come
from the database, never from the request): no join to `establishment` just to scope a loan,
and the same text on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import msgspec

from inventory.errors import Invalid, NotFound
from inventory.scope import Scope
from inventory.tables import Establishment, Region
from inventory.uai import normalise_uai, uai_problem
from loans.minors import PARIS
from loans.policy import DEFAULT_YEAR_END
from loans.tables import Loan, RegionPolicy

MAX_PERIOD_DAYS = 5 * 366  # five school years: the monthly figures stay a small table
_TOO_LONG = "la période couvre cinq années scolaires au plus"


class NotInReach(NotFound):
    """A region or establishment unknown or outside the scope (404), naming the parameter."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field

    @property
    def fields(self) -> dict[str, str]:
        return {self.field: self.message}


@dataclass(frozen=True, slots=True)
class Place:
    """An establishment of the target, with what a row of a report shows of it."""

    id: int
    uai: str
    name: str
    region_id: int
    region_code: str


class ReportTarget(msgspec.Struct, frozen=True):
    """What every report says it covers. `region_code` and `establishment_uai` as asked
    (None: every region the caller sees; every establishment of it)."""

    region_code: str | None
    establishment_uai: str | None
    period_from: dt.date
    period_to: dt.date  # included
    today: dt.date


@dataclass(frozen=True, slots=True)
class Target:
    echo: ReportTarget
    # None: every row of the platform (an admin asking for everything); else whole regions
    # seen (the regional stock included) and establishments seen one by one.
    everything: bool
    region_ids: frozenset[int]
    places: dict[int, Place]  # the establishments covered, by id
    regions: dict[int, tuple[str, str]]  # the regions covered: id -> (code, name)
    # Results several figure groups share (the students' steps), computed once per target.
    shared: dict = field(default_factory=dict, compare=False)

    @property
    def start(self) -> dt.datetime:
        """The period's first instant: midnight in Paris of `period_from`, in UTC."""
        return paris_midnight(self.echo.period_from)

    @property
    def end(self) -> dt.datetime:
        """The instant after the period: midnight in Paris the day after `period_to`."""
        return paris_midnight(self.echo.period_to + dt.timedelta(days=1))

    def months(self) -> tuple[tuple[int, int] | None, list[tuple[dt.datetime, dt.datetime]]]:
        """The period as the loans' tally reads it (`loans.reports.tallies.moments_sql`): its
        whole months (first, last, as year * 12 + month - 1; None when there is none), and
        the instants of the partial months at its edges."""
        first, after = self.echo.period_from, self.echo.period_to + dt.timedelta(days=1)
        whole_from = (
            first
            if first.day == 1
            else (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        )
        whole_to = after.replace(day=1)  # the day after the last whole month
        if whole_from >= whole_to:
            return None, [(self.start, self.end)]
        edges = []
        if first < whole_from:
            edges.append((self.start, paris_midnight(whole_from)))
        if whole_to < after:
            edges.append((paris_midnight(whole_to), self.end))
        return (month_number(whole_from), month_number(whole_to) - 1), edges

    def by_establishment(self, column: str) -> str:
        """A SQL condition keeping the rows of the covered establishments (`column` holds an
        establishment id), for tables that belong to an establishment (loans, campaigns)."""
        if self.everything:
            return "1 = 1"
        return _in(column, self.places)

    def by_region(self, region_column: str, establishment_column: str) -> str:
        """The same for tables placed by region and establishment (assets, students): whole
        regions by their region, so that a region's stock not yet sent to a school counts."""
        if self.everything:
            return "1 = 1"
        if self.echo.establishment_uai is None and self.region_ids:
            # Establishments seen one by one (staff) besides whole regions: never both today.
            loose = {i for i, p in self.places.items() if p.region_id not in self.region_ids}
            regional = _in(region_column, self.region_ids)
            return f"({regional} OR {_in(establishment_column, loose)})" if loose else regional
        # The region too, though implied: indexes on assets and students lead with it.
        regions = {p.region_id for p in self.places.values()}
        return f"({_in(region_column, regions)} AND {_in(establishment_column, self.places)})"


def _in(column: str, ids) -> str:
    if not ids:
        return "1 = 0"
    return f"{column} IN ({', '.join(str(int(i)) for i in sorted(ids))})"


def paris_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), PARIS).astimezone(dt.UTC)


def month_number(day: dt.date) -> int:
    """The month of `day` as the loans' tally numbers them: year * 12 + month - 1."""
    return day.year * 12 + day.month - 1


async def rows(sql: str, *args) -> list[dict]:
    """Run an aggregate written with Piccolo's `{}` placeholders, on either engine.

    PostgreSQL's JIT compiler is kept off for it: the students' query, with its correlated
    EXISTS, is estimated costly enough to be compiled, which took 250 ms of its 300 ms on
    20,000 students (EXPLAIN ANALYZE) for a plan that runs in 60 ms."""
    engine = Loan._meta.db
    if engine.engine_type != "postgres":
        return await Loan.raw(sql, *args)
    async with engine.transaction():
        await Loan.raw("SET LOCAL jit = off")
        return await Loan.raw(sql, *args)


def year_end(month_day: tuple[int, int], year: int) -> dt.date:
    try:
        return dt.date(year, *month_day)
    except ValueError:  # a 29 February end in a common year
        return dt.date(year, month_day[0], 28)


def school_year(month_day: tuple[int, int], today: dt.date) -> tuple[dt.date, dt.date]:
    """The school year holding `today`: from the day after last year's end to this year's end
    (`month_day` is the region policy's school year end, 4 July when it has none)."""
    end = year_end(month_day, today.year)
    if today > end:
        end = year_end(month_day, today.year + 1)
    return year_end(month_day, end.year - 1) + dt.timedelta(days=1), end


async def _year_end_of(region_ids: set[int]) -> tuple[int, int]:
    """The school year end of the region covered; several regions: the national default."""
    if len(region_ids) == 1:
        row = await (
            RegionPolicy.select(RegionPolicy.school_year_end)
            .where(RegionPolicy.region == next(iter(region_ids)))
            .first()
        )
        if row and row["school_year_end"]:
            return row["school_year_end"].month, row["school_year_end"].day
    return DEFAULT_YEAR_END


def _check(region: str | None, establishment: str | None, start, end) -> str | None:
    errors = {}
    if region is not None and not (region.isdigit() and 1 <= len(region) <= 3):
        errors["region"] = "un code INSEE de région s'écrit avec 2 ou 3 chiffres, par exemple 24"
    uai = None
    if establishment is not None:
        uai = normalise_uai(establishment)
        if problem := uai_problem(uai):
            errors["establishment"] = problem
    if start is not None and end is not None:
        if start > end:
            errors["from"] = "la date de début suit la date de fin"
        elif (end - start).days > MAX_PERIOD_DAYS:
            errors["to"] = _TOO_LONG
    if errors:
        raise Invalid(errors)
    return uai


async def resolve(
    scope: Scope,
    today: dt.date,
    *,
    region: str | None = None,
    establishment: str | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> Target:
    """The target of a report asked by `scope`. Without a period, the current school year of
    the region covered (a missing bound is taken from it)."""
    uai = _check(region, establishment, period_from, period_to)
    clauses = []
    if (seen := scope.restrict(Establishment.region, Establishment.id)) is not None:
        clauses.append(seen)
    region_ids: set[int] = set()
    if region is not None:
        found = await Region.select(Region.id).where(Region.code == region).first()
        if found is None or not scope.sees_region(found["id"]):
            raise NotInReach(f"Région {region} introuvable.", "region")
        clauses.append(Establishment.region == found["id"])
        region_ids = {found["id"]}
    if uai is not None:
        clauses.append(Establishment.uai == uai)
    query = Establishment.select(
        Establishment.id,
        Establishment.uai,
        Establishment.name,
        Establishment.region.id.as_alias("region_id"),
        Establishment.region.code.as_alias("region_code"),
        Establishment.region.name.as_alias("region_name"),
    )
    for clause in clauses:  # successive where() are joined by AND
        query = query.where(clause)
    found_places = await query
    if uai is not None and not found_places:
        if region is not None and await _seen(scope, uai):
            # Seen, but in another region: say so rather than answer with empty figures.
            raise Invalid(
                {"establishment": f"{uai} n'est pas un établissement de la région {region}"}
            )
        raise NotInReach(f"Établissement {uai} introuvable.", "establishment")
    places = {
        row["id"]: Place(row["id"], row["uai"], row["name"], row["region_id"], row["region_code"])
        for row in found_places
    }
    regions = {row["region_id"]: (row["region_code"], row["region_name"]) for row in found_places}
    # Whole regions: the ones managed, unless one establishment was asked.
    if uai is None:
        managed = region_ids or (
            {r["id"] for r in await Region.select(Region.id)}
            if scope.everything
            else scope.region_ids
        )
        whole = {r for r in managed if scope.manages_region(r)}
        for row in await Region.select(Region.id, Region.code, Region.name).where(
            Region.id.is_in(sorted(whole) or [-1])
        ):
            regions[row["id"]] = (row["code"], row["name"])
    else:
        whole = set()
    everything = scope.everything and region is None and uai is None
    month_day = await _year_end_of(set(regions) if not everything else set())
    first, last = school_year(month_day, today)
    start = period_from or (first if period_to is None else min(first, period_to))
    end = period_to or (last if period_from is None else max(last, period_from))
    if (end - start).days > MAX_PERIOD_DAYS:  # a bound given alone, far from this year
        raise Invalid({"from" if period_to is None else "to": _TOO_LONG})
    return Target(
        echo=ReportTarget(
            region_code=region, establishment_uai=uai, period_from=start, period_to=end, today=today
        ),
        everything=everything,
        region_ids=frozenset(whole),
        places=places,
        regions=regions,
    )


async def _seen(scope: Scope, uai: str) -> bool:
    row = (
        await Establishment.select(Establishment.id, Establishment.region)
        .where(Establishment.uai == uai)
        .first()
    )
    return row is not None and scope.sees_establishment(row["id"], row["region"])
