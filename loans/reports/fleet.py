"""The fleet today: devices by state, model, category, acquisition year, per establishment
and per region, and the warranties ending within six months.

"lent" is not a state of the asset (a lent device stays `in_stock`): the devices of an
establishment with an open loan (prepared, awaiting signature or handed over: what
`inventory.lending` calls lent, so that the asset list filtered on "prêté" holds as many) are
counted as lent here and taken out of its `in_stock`, as the desk sees them. A loan and its
device are at the same establishment (a transfer moves both); `in_stock` never goes below zero
should a device be given another state while lent. Ceded devices
left the fleet: they are listed by state but never counted in `total` nor in the shares by
model, category or year. Two grouped queries, whatever the size of the fleet.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import msgspec

from inventory.assets import STATES
from inventory.fleet_counts import LEFT_FLEET
from inventory.tables import DeviceModel
from loans.reports.tallies import ASSETS, OPEN_LOANS
from loans.reports.target import ReportTarget, Target, rows

WARRANTY_MONTHS = 6
STATE_LABELS = {"lent": "prêté", **STATES}
# Devices whose warranty still matters: the region may call on it.
UNDER_CARE = ("in_stock", "in_repair")


class Count(msgspec.Struct, frozen=True):
    key: str
    label: str
    count: int


class ModelCount(msgspec.Struct, frozen=True):
    model_id: int
    manufacturer: str
    name: str
    category: str
    count: int


class YearCount(msgspec.Struct, frozen=True):
    year: int | None  # None: acquisition date unknown
    count: int


class PlaceFleet(msgspec.Struct, frozen=True):
    """One establishment (uai None: the region's stock, not yet sent to a school)."""

    region_code: str
    establishment_uai: str | None
    establishment_name: str
    total: int
    states: dict[str, int]


class RegionFleet(msgspec.Struct, frozen=True):
    region_code: str
    region_name: str
    total: int
    states: dict[str, int]


class WarrantyEnding(msgspec.Struct, frozen=True):
    """Devices in stock (lent ones included) or in repair whose warranty ends between
    `from_day` and `to_day` (both included): the asset list of `establishment_uai` and
    `model_id`, sorted by warranty end, is the drill-down."""

    region_code: str
    establishment_uai: str | None
    model_id: int
    count: int


class Warranties(msgspec.Struct, frozen=True):
    from_day: dt.date
    to_day: dt.date
    count: int
    items: list[WarrantyEnding]


class FleetReport(msgspec.Struct, frozen=True):
    target: ReportTarget  # what the figures cover: places asked, period, today
    total: int  # devices of the fleet, ceded ones excluded
    by_state: list[Count]  # every state, 0 included, "lent" first
    by_model: list[ModelCount]
    by_category: list[Count]
    by_acquisition_year: list[YearCount]
    by_establishment: list[PlaceFleet]
    by_region: list[RegionFleet]
    warranties: Warranties


def _months_later(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def groups_sql(target: Target) -> str:
    """Devices by place and state, from their tally (`loans.reports.tallies`)."""
    return f"""
SELECT a.region AS region_id, NULLIF(a.establishment, 0) AS establishment_id,
  a.state AS state, SUM(a.n) AS n
FROM {ASSETS.table} a
WHERE {target.by_region("a.region", "a.establishment")}
GROUP BY a.region, a.establishment, a.state
HAVING SUM(a.n) <> 0"""


_LEFT = ", ".join(f"'{state}'" for state in sorted(LEFT_FLEET))


def models_sql(target: Target) -> str:
    """Devices of the fleet by model (ceded ones left out), from the same tally: apart from
    the places, since every place times every model is many rows to add up nationally."""
    return f"""
SELECT a.model AS model_id, SUM(a.n) AS n
FROM {ASSETS.table} a
WHERE {target.by_region("a.region", "a.establishment")} AND a.state NOT IN ({_LEFT})
GROUP BY a.model
HAVING SUM(a.n) <> 0"""


def warranty_sql(target: Target) -> str:
    """Devices under care whose warranty ends in the window, read from the devices' partial
    index on warranty end (a small slice of the fleet: no tally needed)."""
    return f"""
SELECT a.region AS region_id, a.establishment AS establishment_id, a.model AS model_id,
  COUNT(*) AS n
FROM asset a
WHERE a.state IN {UNDER_CARE} AND a.warranty_end >= {{}} AND a.warranty_end <= {{}}
  AND {target.by_region("a.region", "a.establishment")}
GROUP BY a.region, a.establishment, a.model"""


def lent_sql(target: Target) -> str:
    """Open loans by establishment: the devices lent (`inventory.lending`)."""
    return f"""
SELECT l.establishment AS establishment_id, SUM(l.n) AS n
FROM {OPEN_LOANS.table} l
WHERE {target.by_establishment("l.establishment")}
GROUP BY l.establishment
HAVING SUM(l.n) <> 0"""


def years_sql(target: Target) -> str:
    return f"""
SELECT NULLIF(a.acquired_year, 0) AS year, SUM(a.n) AS n
FROM {ASSETS.table} a
WHERE {target.by_region("a.region", "a.establishment")} AND a.state <> 'ceded'
GROUP BY a.acquired_year
HAVING SUM(a.n) <> 0"""


def warranty_window(today: dt.date) -> tuple[dt.date, dt.date]:
    return today, _months_later(today, WARRANTY_MONTHS)


async def fleet_report(target: Target) -> FleetReport:
    first, last = warranty_window(target.echo.today)
    by_model: dict[int, int] = defaultdict(int)
    by_category: dict[str, int] = defaultdict(int)
    groups = await rows(groups_sql(target))
    warranty: dict[tuple[int, int | None, int], int] = {
        (w["region_id"], w["establishment_id"], w["model_id"]): w["n"]
        for w in await rows(warranty_sql(target), first, last)
    }
    lent = {g["establishment_id"]: g["n"] for g in await rows(lent_sql(target))}
    years = await rows(years_sql(target))
    models = {
        m["id"]: m
        for m in await DeviceModel.select(
            DeviceModel.id, DeviceModel.manufacturer, DeviceModel.name, DeviceModel.category
        )
    }
    for g in await rows(models_sql(target)):
        by_model[g["model_id"]] += g["n"]
        by_category[models[g["model_id"]]["category"]] += g["n"]
    states: dict[str, int] = dict.fromkeys(STATE_LABELS, 0)
    places: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATE_LABELS, 0))
    place_region: dict[int | None, int] = {}
    regions: dict[int, dict[str, int]] = {r: dict.fromkeys(STATE_LABELS, 0) for r in target.regions}
    for g in groups:
        state, n = g["state"], g["n"]
        states[state] = states.get(state, 0) + n
        key = g["establishment_id"] if g["establishment_id"] is not None else -g["region_id"]
        places[key][state] = places[key].get(state, 0) + n
        place_region[key] = g["region_id"]
        region = regions.setdefault(g["region_id"], dict.fromkeys(STATE_LABELS, 0))
        region[state] = region.get(state, 0) + n
    for place_id, n in lent.items():
        if place_id not in places:  # no device there: nothing to call lent
            continue
        counts = places[place_id]
        n = min(n, counts["in_stock"])
        counts["in_stock"] -= n
        counts["lent"] += n
        for sums in (states, regions[place_region[place_id]]):
            sums["in_stock"] -= n
            sums["lent"] += n
    codes = target.regions  # every region of a row is covered (the SQL filter)
    return FleetReport(
        target=target.echo,
        total=_in_fleet(states),
        by_state=[Count(k, STATE_LABELS.get(k, k), n) for k, n in states.items()],
        by_model=sorted(
            (
                ModelCount(
                    model_id=m,
                    manufacturer=models[m]["manufacturer"],
                    name=models[m]["name"],
                    category=models[m]["category"],
                    count=n,
                )
                for m, n in by_model.items()
            ),
            key=lambda row: (-row.count, row.model_id),
        ),
        by_category=[
            Count(k, k, n) for k, n in sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        by_acquisition_year=sorted(
            (YearCount(int(y["year"]) if y["year"] is not None else None, y["n"]) for y in years),
            key=lambda row: (row.year is None, row.year or 0),
        ),
        by_establishment=sorted(
            (
                _place_row(target, key, place_region[key], counts, codes)
                for key, counts in places.items()
            ),
            key=lambda row: (row.region_code, row.establishment_uai or ""),
        ),
        by_region=[
            RegionFleet(codes[r][0], codes[r][1], _in_fleet(counts), counts)
            for r, counts in sorted(regions.items(), key=lambda kv: codes[kv[0]][0])
        ],
        warranties=Warranties(
            from_day=first,
            to_day=last,
            count=sum(warranty.values()),
            items=[
                WarrantyEnding(codes[r][0], _uai(target, e), m, n)
                for (r, e, m), n in sorted(
                    warranty.items(), key=lambda kv: (-kv[1], kv[0][1] or 0, kv[0][2])
                )
            ],
        ),
    )


def _in_fleet(states: dict[str, int]) -> int:
    return sum(n for state, n in states.items() if state not in LEFT_FLEET)


def _uai(target: Target, establishment_id: int | None) -> str | None:
    return target.places[establishment_id].uai if establishment_id is not None else None


def _place_row(target: Target, key, region_id: int, counts, codes) -> PlaceFleet:
    place = target.places.get(key) if key is not None and key > 0 else None
    return PlaceFleet(
        region_code=codes[region_id][0],
        establishment_uai=place.uai if place else None,
        establishment_name=place.name if place else "Stock régional",
        total=_in_fleet(counts),
        states=counts,
    )
