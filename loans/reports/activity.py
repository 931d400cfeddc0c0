"""Hand-outs and returns month by month over the period (months of Europe/Paris).

- a hand-out: a loan handed over in the month (`handed_over_at`), continuations of a
  transfer excluded (the device was handed out once, at the first school);
- a return: a loan ended as returned in the month (`closed_at`).

The whole months of the period are read from the loans' tally by month (kept by triggers,
`loans.reports.tallies`); the partial months at its edges from the loans themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import msgspec

from loans.reports.tallies import moments_sql
from loans.reports.target import ReportTarget, Target, month_number, rows
from loans.tables import Loan


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


def activity_sql(target: Target, kind: str, condition: str) -> tuple[str, list]:
    """Hand-outs or returns of the period by establishment and month index (0: the period's
    first month), from the loans' tally and, for the period's edges, the loans themselves
    (`loans.reports.tallies.moments_sql`)."""
    engine_type = Loan._meta.db.engine_type
    moments, args = moments_sql(kind, engine_type, target.by_establishment, *target.months())
    first = month_number(target.echo.period_from)
    sql = f"""
SELECT t.establishment AS establishment_id, t.month - {first} AS month, SUM(t.n) AS n
FROM ({moments}) t
WHERE {condition}
GROUP BY t.establishment, t.month
HAVING SUM(t.n) <> 0"""
    return sql, args


def activity_queries(target: Target) -> list[tuple[str, list]]:
    return [
        activity_sql(target, "handed", "1 = 1"),
        activity_sql(target, "ended", "t.state = 'returned'"),
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
