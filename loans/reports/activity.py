"""Hand-outs and returns month by month over the period (months of Europe/Paris).

- a hand-out: a loan handed over in the month (`handed_over_at`), continuations of a
  transfer excluded (the device was handed out once, at the first school);
- a return: a loan ended as returned in the month (`closed_at`).

Month boundaries are computed here (midnight in Paris on the 1st, in UTC) and the database
files each loan into its month with a CASE over them: the same SQL on SQLite and PostgreSQL,
no date function, and a range on the timestamp an index can serve.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import msgspec

from loans.reports.tallies import LOAN_HOURS
from loans.reports.target import ReportTarget, Target, hour_of, paris_midnight, rows


class Month(msgspec.Struct, frozen=True):
    month: str  # AAAA-MM
    handed_over: int
    returned: int


class RegionActivity(msgspec.Struct, frozen=True):
    region_code: str
    months: list[Month]


class ActivityReport(msgspec.Struct, frozen=True):
    target: ReportTarget  # what the figures cover: places asked, period, today
    months: list[Month]  # every month of the period, zeros included
    by_region: list[RegionActivity]


def months_of(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from `first`'s to `last`'s."""
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def edges(target: Target) -> list[int]:
    """The hours (`loans.reports.tallies`) between months inside the period (the period's own
    bounds excluded)."""
    return [
        hour_of(paris_midnight(m))
        for m in months_of(target.echo.period_from, target.echo.period_to)[1:]
    ]


def month_case(column: str, inner: list[int], first: int = 0) -> tuple[str, list]:
    """The month index of `column` (0: the period's first month), as CASEs nested like a
    binary search over the month edges: log2(months) comparisons per loan, not one per month
    (a flat CASE over 24 months doubled the query's time on 200,000 loans)."""
    if not inner:
        return str(first), []
    middle = len(inner) // 2
    below, below_args = month_case(column, inner[:middle], first)
    above, above_args = month_case(column, inner[middle + 1 :], first + middle + 1)
    sql = f"CASE WHEN {column} < {{}} THEN {below} ELSE {above} END"
    return sql, [inner[middle], *below_args, *above_args]


def activity_sql(target: Target, condition: str) -> tuple[str, list]:
    """Hand-outs or returns of the period by establishment and month index, from the loans'
    tally by hour (`loans.reports.tallies`)."""
    month, args = month_case("t.at_hour", edges(target))
    sql = f"""
SELECT t.establishment AS establishment_id, {month} AS month, SUM(t.n) AS n
FROM {LOAN_HOURS.table} t
WHERE {condition} AND t.at_hour >= {{}} AND t.at_hour < {{}}
  AND {target.by_establishment("t.establishment")}
GROUP BY 1, 2
HAVING SUM(t.n) <> 0"""
    return sql, [*args, target.start_hour, target.end_hour]


def activity_queries(target: Target) -> list[tuple[str, list]]:
    return [
        activity_sql(target, "t.kind = 'handed'"),
        activity_sql(target, "t.kind = 'ended' AND t.state = 'returned'"),
    ]


async def activity_report(target: Target) -> ActivityReport:
    months = months_of(target.echo.period_from, target.echo.period_to)
    width = len(months)
    regions = {code: [[0, 0] for _ in range(width)] for code, _ in target.regions.values()}
    for kind, (sql, args) in enumerate(activity_queries(target)):
        for g in await rows(sql, *args):
            code = target.places[g["establishment_id"]].region_code
            regions.setdefault(code, [[0, 0] for _ in range(width)])[int(g["month"])][kind] += g[
                "n"
            ]
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for sums in regions.values():
        for i, (handed, returned) in enumerate(sums):
            totals[i][0] += handed
            totals[i][1] += returned

    def line(sums) -> list[Month]:
        return [Month(f"{m:%Y-%m}", sums[i][0], sums[i][1]) for i, m in enumerate(months)]

    return ActivityReport(
        target=target.echo,
        months=line(totals),
        by_region=[RegionActivity(code, line(s)) for code, s in sorted(regions.items())],
    )
