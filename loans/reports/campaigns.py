"""Campaigns side by side: every campaign of the establishments covered that runs during the
period, with its steps counted as `loans.campaign_progress` names them.

Counted with two grouped queries for all the campaigns together (one over the students of
the target, shared with the coverage figures, for the distributions; one over loans for the
collections), never campaign by campaign:
- distribution: enrolled students of the campaign's classes by their furthest step today:
  handed_over (an active loan: the device is in their hands), signed (an open loan whose
  current convention is fully signed), prepared (another open loan), missing. Unlike the
  campaign's own page, a device handed over by the campaign and already back counts as
  missing here: the figure is who is equipped now.
- collection: devices handed over by the establishment to students of the campaign's
  classes, active now (to_return) or ended during the campaign by a return, a cession, a
  loss or a theft (returned, ceded, missing). Two collections of one establishment whose
  dates overlap (for other classes) count a device ended in the overlap in the first only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

import msgspec

from loans.campaign_progress import DONE, STEPS
from loans.campaigns import status_on
from loans.reports.tallies import STUDENTS
from loans.reports.target import ReportTarget, Target, paris_midnight, rows
from loans.tables import Campaign

_COLLECTION_STATUS = {"active": "to_return", "returned": "returned", "ceded": "ceded"}


class CampaignLine(msgspec.Struct, frozen=True):
    campaign_id: int
    region_code: str
    establishment_uai: str
    establishment_name: str
    kind: str
    name: str
    starts_on: dt.date
    ends_on: dt.date | None
    status: str  # planned, running, ended (today)
    unit: str  # students (distribution) or devices (collection)
    total: int
    done: int
    rate: float | None  # done / total, percent
    counts: dict[str, int]  # a key of STEPS[kind] -> count


class CampaignsReport(msgspec.Struct, frozen=True):
    target: ReportTarget  # what the figures cover: places asked, period, today
    items: list[CampaignLine]


async def campaigns_between(target: Target, start: dt.date, end: dt.date) -> list[dict]:
    """The campaigns of the places covered that run at some day from `start` to `end`.

    Read once per target (those of the period or running today: every question asked of a
    target), their class lists decoded by msgspec (thousands of campaigns nationally)."""
    if "campaigns" not in target.shared:
        echo = target.echo
        query = Campaign.select(
            Campaign.id,
            Campaign.establishment,
            Campaign.kind,
            Campaign.name,
            Campaign.class_names,
            Campaign.starts_on,
            Campaign.ends_on,
        ).where(Campaign.starts_on <= max(echo.period_to, echo.today))
        if not target.everything:
            query = query.where(Campaign.establishment.is_in(sorted(target.places) or [-1]))
        first = min(echo.period_from, echo.today)
        found = [c for c in await query if c["ends_on"] is None or c["ends_on"] >= first]
        for c in found:
            if isinstance(c["class_names"], str | bytes):
                c["class_names"] = msgspec.json.decode(c["class_names"])
        target.shared["campaigns"] = found
    if start < min(target.echo.period_from, target.echo.today) or end > max(
        target.echo.period_to, target.echo.today
    ):
        raise ValueError("campaigns_between: outside the target's period and today")
    return [
        c
        for c in target.shared["campaigns"]
        if c["starts_on"] <= end and (c["ends_on"] is None or c["ends_on"] >= start)
    ]


def student_steps_sql(target: Target, establishment_ids: Iterable[int], by_class: bool) -> str:
    """Enrolled students of some establishments of the target (those running distributions)
    by establishment, furthest step today and (`by_class`) class."""
    # The steps (`tallies.status_sql`) are kept per student and counted by the triggers of
    # `loans.reports.tallies`.
    ids = ", ".join(str(int(i)) for i in sorted(establishment_ids)) or "-1"
    class_name = "s.class_name" if by_class else "''"
    grouped = "s.establishment, s.class_name, s.status" if by_class else "s.establishment, s.status"
    return f"""
SELECT s.establishment AS establishment_id, {class_name} AS class_name, s.status AS status,
  SUM(s.n) AS n
FROM {STUDENTS.table} s
WHERE {target.by_region("s.region", "s.establishment")} AND s.establishment IN ({ids})
GROUP BY {grouped}
HAVING SUM(s.n) <> 0"""


async def student_steps(target: Target, establishment_ids: set[int], by_class: bool) -> list[dict]:
    """{establishment_id, class_name ('' unless `by_class`), status, n} groups of those
    establishments, queried once per target and question."""
    key = ("student_steps", frozenset(establishment_ids), by_class)
    if key not in target.shared:
        target.shared[key] = await rows(student_steps_sql(target, establishment_ids, by_class))
    return target.shared[key]


def collection_sql(campaigns: list[dict]) -> tuple[str, list]:
    """Each ended loan is filed under the collection whose window holds its end."""
    whens, args = [], []
    for c in campaigns:
        whens.append(
            f"WHEN l.establishment = {int(c['establishment'])} "
            f"AND l.closed_at >= {{}} AND l.closed_at < {{}} THEN {int(c['id'])}"
        )
        args += list(_window(c))
    ids = ", ".join(sorted({str(int(c["establishment"])) for c in campaigns}))
    sql = f"""
SELECT l.establishment AS establishment_id, s.class_name AS class_name, l.state AS state,
  CASE WHEN l.state = 'active' THEN 0 {" ".join(whens)} ELSE -1 END AS campaign_id,
  COUNT(*) AS n
FROM loan l JOIN student s ON s.id = l.student
WHERE l.establishment IN ({ids})
  AND (l.state = 'active' OR (l.state IN ('returned', 'lost', 'stolen', 'ceded')
       AND l.closed_at >= {{}}))
GROUP BY 1, 2, 3, 4"""
    return sql, [*args, min(_window(c)[0] for c in campaigns)]


def _window(campaign: dict) -> tuple[dt.datetime, dt.datetime]:
    end = campaign["ends_on"] or dt.date.max - dt.timedelta(days=1)
    return paris_midnight(campaign["starts_on"]), paris_midnight(end + dt.timedelta(days=1))


def _covers(campaign: dict, class_name: str) -> bool:
    return not campaign["class_names"] or class_name in campaign["class_names"]


async def _distribution_counts(target: Target, campaigns: list[dict]) -> dict[int, dict[str, int]]:
    counts = {c["id"]: dict.fromkeys(STEPS["distribution"], 0) for c in campaigns}
    if not campaigns:
        return counts
    by_place = defaultdict(list)
    for c in campaigns:
        by_place[c["establishment"]].append(c)
    # A campaign of every class counts its school's students by step; one of some classes
    # needs them class by class (far more rows: only for the schools that have one).
    some = {c["establishment"] for c in campaigns if c["class_names"]}
    every = {c["establishment"] for c in campaigns if not c["class_names"]}
    for places, by_class in ((some, True), (every, False)):
        if not places:
            continue
        for group in await student_steps(target, places, by_class):
            for c in by_place[group["establishment_id"]]:
                if bool(c["class_names"]) == by_class and _covers(c, group["class_name"]):
                    counts[c["id"]][group["status"]] += group["n"]
    return counts


async def _collection_counts(campaigns: list[dict]) -> dict[int, dict[str, int]]:
    counts = {c["id"]: dict.fromkeys(STEPS["collection"], 0) for c in campaigns}
    if not campaigns:
        return counts
    by_place = defaultdict(list)
    for c in campaigns:
        by_place[c["establishment"]].append(c)
    sql, args = collection_sql(campaigns)
    for group in await rows(sql, *args):
        step = _COLLECTION_STATUS.get(group["state"], "missing")
        for c in by_place[group["establishment_id"]]:
            mine = group["campaign_id"] in (0, c["id"])
            if mine and _covers(c, group["class_name"]):
                counts[c["id"]][step] += group["n"]
    return counts


async def campaigns_report(target: Target) -> CampaignsReport:
    campaigns = await campaigns_between(target, target.echo.period_from, target.echo.period_to)
    counts = {
        **await _distribution_counts(target, [c for c in campaigns if c["kind"] == "distribution"]),
        **await _collection_counts([c for c in campaigns if c["kind"] == "collection"]),
    }
    items = []
    for c in sorted(campaigns, key=lambda c: (c["starts_on"], c["id"])):
        place = target.places[c["establishment"]]
        mine = counts[c["id"]]
        total = sum(mine.values())
        done = sum(mine[key] for key in DONE[c["kind"]])
        items.append(
            CampaignLine(
                campaign_id=c["id"],
                region_code=place.region_code,
                establishment_uai=place.uai,
                establishment_name=place.name,
                kind=c["kind"],
                name=c["name"],
                starts_on=c["starts_on"],
                ends_on=c["ends_on"],
                status=status_on(c["starts_on"], c["ends_on"], target.echo.today),
                unit="students" if c["kind"] == "distribution" else "devices",
                total=total,
                done=done,
                rate=round(100 * done / total, 1) if total else None,
                counts=mine,
            )
        )
    return CampaignsReport(target=target.echo, items=items)


async def waiting_students(target: Target) -> int:
    """Students of the distributions running today not handed a device yet."""
    today = target.echo.today
    running = [
        c
        for c in await campaigns_between(target, today, today)
        if c["kind"] == "distribution"
        and status_on(c["starts_on"], c["ends_on"], today) == "running"
    ]
    counts = await _distribution_counts(target, running)
    return sum(n for mine in counts.values() for key, n in mine.items() if key != "handed_over")
