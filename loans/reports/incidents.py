"""Returns and incidents over the period: returns by condition (A to D), and losses, thefts
and repairs per model and per establishment, with their rates per 100 devices.

What is counted, by the day the loan ended (`closed_at`, in the period; read from the
tallies of `loans.reports.tallies`, which say the same as a GROUP BY over loans):
- a return: a loan ended as returned, by the condition noted at the return;
- a loss, a theft: a loan ended as lost or stolen;
- a repair: a return that sent the device to repair (condition D or damage noted, the rule
  of `loans.lifecycle.take_back`).
Each is filed under the establishment that lent the device and the device's model.

Rates per 100 devices: incidents × 100 / the devices of that model (or establishment, or of
everything covered) in the fleet today, ceded devices excluded (they left the fleet; lost,
stolen and retired ones stay counted: they are the region's). None when there is no device.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import msgspec

from inventory.assets import CONDITIONS
from inventory.tables import DeviceModel
from loans.reports.fleet import models_sql
from loans.reports.tallies import ASSETS, moments_sql
from loans.reports.target import ReportTarget, Target, rows

KINDS = ("losses", "thefts", "repairs")


class Incidents(msgspec.Struct, frozen=True):
    devices: int  # the denominator: devices in the fleet today, ceded excluded
    losses: int
    thefts: int
    repairs: int
    loss_rate: float | None  # per 100 devices
    theft_rate: float | None
    repair_rate: float | None


class ModelIncidents(msgspec.Struct, frozen=True):
    model_id: int
    manufacturer: str
    name: str
    figures: Incidents


class PlaceIncidents(msgspec.Struct, frozen=True):
    region_code: str
    establishment_uai: str
    establishment_name: str
    figures: Incidents


class RegionIncidents(msgspec.Struct, frozen=True):
    region_code: str
    figures: Incidents


class IncidentsReport(msgspec.Struct, frozen=True):
    target: ReportTarget  # what the figures cover: places asked, period, today
    returns: int
    returns_by_condition: dict[str, int]  # A, B, C, D (and "" when none was noted)
    total: Incidents
    by_model: list[ModelIncidents]
    by_establishment: list[PlaceIncidents]
    by_region: list[RegionIncidents]


def ended_sql(target: Target) -> tuple[str, list]:
    """Loans ended in the period by establishment, state, condition, repair and (for losses,
    thefts and repairs) the device's model: the loans' tally for the period's whole months,
    the loans themselves for its edges (`loans.reports.tallies.moments_sql`)."""
    engine_type = DeviceModel._meta.db.engine_type
    moments, args = moments_sql("ended", engine_type, target.by_establishment, *target.months())
    sql = f"""
SELECT t.establishment AS establishment_id, t.state AS state,
  t.return_condition AS condition, t.repair AS repair, NULLIF(t.model, 0) AS model_id,
  SUM(t.n) AS n
FROM ({moments}) t
GROUP BY t.establishment, t.state, t.return_condition, t.repair, t.model
HAVING SUM(t.n) <> 0"""
    return sql, args


def devices_sql(target: Target) -> str:
    """The denominators by place: devices of the fleet (ceded ones left out) by region and
    establishment; by model, `fleet.models_sql` gives them."""
    return f"""
SELECT a.region AS region_id, NULLIF(a.establishment, 0) AS establishment_id, SUM(a.n) AS n
FROM {ASSETS.table} a
WHERE a.state <> 'ceded' AND {target.by_region("a.region", "a.establishment")}
GROUP BY a.region, a.establishment
HAVING SUM(a.n) <> 0"""


def per_100(part: int, devices: int) -> float | None:
    return round(100 * part / devices, 2) if devices else None


def _figures(devices: int, sums: list[int]) -> Incidents:
    losses, thefts, repairs = sums
    return Incidents(
        devices=devices,
        losses=losses,
        thefts=thefts,
        repairs=repairs,
        loss_rate=per_100(losses, devices),
        theft_rate=per_100(thefts, devices),
        repair_rate=per_100(repairs, devices),
    )


async def incidents_report(target: Target) -> IncidentsReport:
    sql, args = ended_sql(target)
    ended = await rows(sql, *args)
    fleet = await rows(devices_sql(target))
    region_of = {r: code for r, (code, _) in target.regions.items()}
    devices: dict[str, defaultdict[Any, int]] = {
        "model": defaultdict(int),
        "place": defaultdict(int),
        "region": defaultdict(int),
    }
    for g in await rows(models_sql(target)):
        devices["model"][g["model_id"]] += g["n"]
    for g in fleet:
        devices["region"][region_of[g["region_id"]]] += g["n"]
        if g["establishment_id"] is not None:
            devices["place"][g["establishment_id"]] += g["n"]
    conditions = dict.fromkeys(CONDITIONS, 0)
    sums: dict[str, defaultdict[Any, list[int]]] = {
        key: defaultdict(lambda: [0, 0, 0]) for key in ("model", "place", "region")
    }
    for g in ended:
        if g["state"] == "returned":
            condition = g["condition"] or ""
            conditions[condition] = conditions.get(condition, 0) + g["n"]
        add = [
            g["n"] if g["state"] == "lost" else 0,
            g["n"] if g["state"] == "stolen" else 0,
            g["n"] if g["repair"] else 0,
        ]
        place = target.places[g["establishment_id"]]
        keys = [("place", place.id), ("region", place.region_code)]
        if g["model_id"] is not None:  # a plain return: no incident of any model
            keys.append(("model", g["model_id"]))
        for key, value in keys:
            for i, n in enumerate(add):
                sums[key][value][i] += n
    models = {
        m["id"]: m
        for m in await DeviceModel.select(
            DeviceModel.id, DeviceModel.manufacturer, DeviceModel.name
        )
    }
    model_ids = set(devices["model"]) | set(sums["model"])
    place_ids = set(devices["place"]) | set(sums["place"])
    region_codes = {code for code, _ in target.regions.values()}
    total = [sum(s[i] for s in sums["region"].values()) for i in range(3)]
    return IncidentsReport(
        target=target.echo,
        returns=sum(conditions.values()),
        returns_by_condition=conditions,
        total=_figures(sum(devices["region"].values()), total),
        by_model=[
            ModelIncidents(
                model_id=m,
                manufacturer=models[m]["manufacturer"],
                name=models[m]["name"],
                figures=_figures(devices["model"][m], sums["model"][m]),
            )
            for m in sorted(model_ids)
        ],
        by_establishment=sorted(
            (
                PlaceIncidents(
                    region_code=target.places[p].region_code,
                    establishment_uai=target.places[p].uai,
                    establishment_name=target.places[p].name,
                    figures=_figures(devices["place"][p], sums["place"][p]),
                )
                for p in place_ids
            ),
            key=lambda row: (row.region_code, row.establishment_uai),
        ),
        by_region=[
            RegionIncidents(code, _figures(devices["region"][code], sums["region"][code]))
            for code in sorted(region_codes)
        ],
    )
