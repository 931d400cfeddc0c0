"""Open loans today: active (device with the student), awaiting signature (prepared, the
convention not signed or the device not handed over yet: states draft and
awaiting_signature), and overdue ones by how long.

Overdue: active and due before today (a day in Europe/Paris), as `loans.overdue` says;
`days` is today minus the due date, in buckets 1–6 days, 7–30 days, more than 30 days.
One grouped query over open loans.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import msgspec

from loans.reports.tallies import OPEN_LOANS
from loans.reports.target import ReportTarget, Target, rows

BUCKETS = {"under_7": "moins de 7 jours", "7_to_30": "7 à 30 jours", "over_30": "plus de 30 jours"}
_FIELDS = ("active", "awaiting_signature", "overdue", *BUCKETS)


class LoanCounts(msgspec.Struct, frozen=True):
    active: int
    awaiting_signature: int  # draft or awaiting_signature
    overdue: int
    overdue_by_age: dict[str, int]  # a key of BUCKETS -> loans


class PlaceLoans(msgspec.Struct, frozen=True):
    region_code: str
    establishment_uai: str
    establishment_name: str
    counts: LoanCounts


class RegionLoans(msgspec.Struct, frozen=True):
    region_code: str
    counts: LoanCounts


class LoanStatesReport(msgspec.Struct, frozen=True):
    target: ReportTarget  # what the figures cover: places asked, period, today
    total: LoanCounts
    by_establishment: list[PlaceLoans]
    by_region: list[RegionLoans]


def loan_states_sql(target: Target) -> str:
    # due_on < today: overdue (1 day at least); <= today - 7: 7 days or more; < today - 30:
    # more than 30 days.
    # Open loans by due date come from their tally (`loans.reports.tallies`).
    return f"""
SELECT l.establishment AS establishment_id,
  SUM(CASE WHEN l.state = 'active' THEN l.n ELSE 0 END) AS active,
  SUM(CASE WHEN l.state IN ('draft', 'awaiting_signature') THEN l.n ELSE 0 END)
    AS awaiting_signature,
  SUM(CASE WHEN l.state = 'active' AND l.due_on < {{}} THEN l.n ELSE 0 END) AS overdue,
  SUM(CASE WHEN l.state = 'active' AND l.due_on <= {{}} THEN l.n ELSE 0 END) AS over_7,
  SUM(CASE WHEN l.state = 'active' AND l.due_on < {{}} THEN l.n ELSE 0 END) AS over_30
FROM {OPEN_LOANS.table} l
WHERE {target.by_establishment("l.establishment")}
GROUP BY l.establishment
HAVING SUM(l.n) <> 0"""


def loan_states_args(today: dt.date) -> list[dt.date]:
    return [today, today - dt.timedelta(days=7), today - dt.timedelta(days=30)]


def _counts(sums: list[int]) -> LoanCounts:
    active, awaiting, overdue, over_7, over_30 = sums
    return LoanCounts(
        active=active,
        awaiting_signature=awaiting,
        overdue=overdue,
        overdue_by_age={
            "under_7": overdue - over_7,
            "7_to_30": over_7 - over_30,
            "over_30": over_30,
        },
    )


async def loan_states_report(target: Target) -> LoanStatesReport:
    groups = await rows(loan_states_sql(target), *loan_states_args(target.echo.today))
    keys = ("active", "awaiting_signature", "overdue", "over_7", "over_30")
    places = {g["establishment_id"]: [g[k] or 0 for k in keys] for g in groups}
    regions: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    for code, _ in target.regions.values():
        regions[code]  # noqa: B018 (every region covered has its row, zeros included)
    for place_id, sums in places.items():
        region = regions[target.places[place_id].region_code]
        for i, n in enumerate(sums):
            region[i] += n
    total = [sum(column) for column in zip(*places.values(), strict=True)] or [0] * 5
    return LoanStatesReport(
        target=target.echo,
        total=_counts(total),
        by_establishment=sorted(
            (
                PlaceLoans(
                    region_code=target.places[p].region_code,
                    establishment_uai=target.places[p].uai,
                    establishment_name=target.places[p].name,
                    counts=_counts(sums),
                )
                for p, sums in places.items()
            ),
            key=lambda row: (row.region_code, row.establishment_uai),
        ),
        by_region=[RegionLoans(code, _counts(s)) for code, s in sorted(regions.items())],
    )
