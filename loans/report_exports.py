"""The rows behind the figures, for exports: every device of a report's target with its state
(lent included), and every loan of the target's period.

Both are read in one ordered pass by keyset batches (`WHERE id > last ORDER BY id LIMIT n`):
each batch is one indexed range read, whatever the depth (OFFSET would re-read every row
before the page), and only one batch is in memory. Batches are separate statements, not one
snapshot: a device changed during a long export shows in its state at the moment its batch
is read, and appears once, since rows come by id.

Models, establishments and regions are looked up in memory (a few hundred rows, most already
in the target) rather than joined to each device. Scoped by construction: the WHERE clauses
are the target's (`Target.by_region`, `Target.by_establishment`), as for every figure.
"""

from __future__ import annotations

import datetime as dt

from inventory.assets import CONDITIONS
from inventory.table_export import DATE, INTEGER, Batches, Column, Table
from inventory.tables import DeviceModel
from loans.minors import PARIS
from loans.reports.fleet import STATE_LABELS
from loans.reports.target import Target, rows
from loans.states import STATES as LOAN_STATES

BATCH = 500  # rows per keyset read: about a megabyte in memory at the peak, 400 reads a region

ASSET_COLUMNS = (
    Column("Numéro d'inventaire", width=16),
    Column("Numéro de série", width=18),
    Column("État", width=14),
    Column("Fabricant"),
    Column("Modèle", width=20),
    Column("Catégorie", width=12),
    Column("Région", width=8),
    Column("UAI", width=10),
    Column("Établissement", width=28),
    Column("Acquis le", DATE, width=12),
    Column("Fin de garantie", DATE, width=12),
    Column("Condition", width=12),
)

LOAN_COLUMNS = (
    Column("N° de prêt", INTEGER, width=10),
    Column("État", width=22),
    Column("Région", width=8),
    Column("UAI", width=10),
    Column("Établissement", width=28),
    Column("Appareil", width=16),
    Column("Fabricant"),
    Column("Modèle", width=20),
    Column("Catégorie", width=12),
    Column("Préparé le", DATE, width=12),
    Column("Remis le", DATE, width=12),
    Column("Retour prévu le", DATE, width=12),
    Column("Clos le", DATE, width=12),
    Column("État au retour", width=14),
    Column("Jours de retard", INTEGER, width=10),
)


def assets_sql(target: Target, batch: int) -> str:
    # A device is lent when a loan is open on it (`inventory.lending`; not an asset state). One
    # open loan per device at most (the partial unique index loan_one_open_per_asset): the
    # join adds no row. `l.asset > last` too, so that PostgreSQL's merge join starts the open
    # loans' index at the batch rather than reading it from its first row (an EXISTS was
    # planned as a hash of every open loan, per batch: 7,000 rows/s on 200,000 devices).
    return f"""
SELECT a.id AS id, a.tag AS tag, a.serial AS serial, a.state AS state,
  a.condition AS condition, a.model AS model_id, a.region AS region_id,
  a.establishment AS establishment_id, a.acquired_on AS acquired_on,
  a.warranty_end AS warranty_end, CASE WHEN l.id IS NULL THEN 0 ELSE 1 END AS lent
FROM asset a
LEFT JOIN loan l ON l.asset = a.id AND l.asset > {{}} AND l.closed_at IS NULL
WHERE a.id > {{}} AND {target.by_region("a.region", "a.establishment")}
ORDER BY a.id
LIMIT {int(batch)}"""


def loans_sql(target: Target, batch: int) -> str:
    """Loans of the covered establishments open at some moment of the period: prepared before
    its end, not closed before its start."""
    return f"""
SELECT l.id AS id, l.state AS state, l.establishment AS establishment_id,
  l.created_at AS created_at, l.handed_over_at AS handed_over_at, l.due_on AS due_on,
  l.closed_at AS closed_at, l.return_condition AS return_condition,
  a.tag AS tag, a.model AS model_id
FROM loan l JOIN asset a ON a.id = l.asset
WHERE l.id > {{}} AND {target.by_establishment("l.establishment")}
  AND l.created_at < {{}} AND (l.closed_at IS NULL OR l.closed_at >= {{}})
ORDER BY l.id
LIMIT {int(batch)}"""


async def _models() -> dict[int, dict]:
    return {
        m["id"]: m
        for m in await DeviceModel.select(
            DeviceModel.id, DeviceModel.manufacturer, DeviceModel.name, DeviceModel.category
        )
    }


def _day(moment: dt.datetime | None) -> dt.date | None:
    return moment.astimezone(PARIS).date() if moment is not None else None


def asset_table(target: Target, batch: int = BATCH) -> Table:
    async def batches() -> Batches:
        models = await _models()
        sql, last = assets_sql(target, batch), 0
        while True:
            found = await rows(sql, last, last)
            if not found:
                return
            yield [_asset_row(target, models, row) for row in found]
            if len(found) < batch:
                return
            last = found[-1]["id"]

    return Table("Appareils", ASSET_COLUMNS, batches)


def _asset_row(target: Target, models: dict[int, dict], row: dict) -> list[object]:
    model = models[row["model_id"]]
    place = target.places.get(row["establishment_id"])
    state = "lent" if row["lent"] and row["state"] == "in_stock" else row["state"]
    return [
        row["tag"],
        row["serial"],
        STATE_LABELS.get(state, state),
        model["manufacturer"],
        model["name"],
        model["category"],
        target.regions.get(row["region_id"], ("", ""))[0],
        place.uai if place else "",
        place.name if place else "Stock régional",
        row["acquired_on"],
        row["warranty_end"],
        _condition(row["condition"]),
    ]


def _condition(letter: str | None) -> str:
    return f"{letter} ({CONDITIONS[letter]})" if letter in CONDITIONS else ""


def loan_table(target: Target, batch: int = BATCH) -> Table:
    today = target.echo.today

    async def batches() -> Batches:
        models = await _models()
        sql, last = loans_sql(target, batch), 0
        while True:
            found = await rows(sql, last, target.end, target.start)
            if not found:
                return
            yield [_loan_row(target, models, today, row) for row in found]
            if len(found) < batch:
                return
            last = found[-1]["id"]

    return Table("Prêts", LOAN_COLUMNS, batches)


def _loan_row(target: Target, models: dict[int, dict], today: dt.date, row: dict) -> list:
    model = models[row["model_id"]]
    place = target.places[row["establishment_id"]]
    due = row["due_on"]
    late = (today - due).days if row["state"] == "active" and due and due < today else None
    return [
        row["id"],
        LOAN_STATES.get(row["state"], row["state"]),
        place.region_code,
        place.uai,
        place.name,
        row["tag"],
        model["manufacturer"],
        model["name"],
        model["category"],
        _day(row["created_at"]),
        _day(row["handed_over_at"]),
        due,
        _day(row["closed_at"]),
        _condition(row["return_condition"]),
        late,
    ]
