"""Bulk CSV import of assets: every row checked like a single create, then all or nothing.

The format is the export's (`inventory.csv_format`), so an export re-imports as is. Lookups
(catalogue, regions, establishments) are loaded once per import and duplicates are found with
set-based queries in chunks: 10,000 rows cost a few dozen queries, not 10,000.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import msgspec

from inventory.assets import check_asset_fields
from inventory.bulk import bulk_write_transaction, insert_many, json_text
from inventory.catalogue import manufacturer_key
from inventory.csv_format import (
    COLUMNS,
    EXPORT_ONLY,
    REQUIRED,
    LineError,
    line_errors,
    parse_date,
    read_file,
    read_header,
    refuse_control_characters,
    unprotect_cell,
)
from inventory.db import is_unique_violation
from inventory.errors import Conflict, Invalid
from inventory.history import creation_changes
from inventory.scope import Actor, Scope
from inventory.statistics import after_bulk_write
from inventory.tables import Asset, AssetEvent, DeviceModel, Establishment, Region
from inventory.uai import normalise_uai

MAX_ROWS = 50_000
MAX_NOTES = 2_000  # same limit as the API's AssetIn.notes
CHUNK = 500  # rows per INSERT / IN (...) query: well under SQLite's 32,766 bound variables
ACTION = "imported"

PREVIEW_ROWS = 100  # rows a dry run describes, for a person to check the file's reading
Progress = Callable[[int, int], None]


class PlannedAsset(msgspec.Struct, frozen=True):
    """A row a dry run would create, as read (tag and serial normalised)."""

    line: int
    tag: str
    serial: str
    manufacturer: str
    model: str
    establishment_uai: str
    region_code: str


class ImportReport(msgspec.Struct):
    rows: int
    created: int
    errors: list[LineError]
    planned: list[PlannedAsset] = msgspec.field(default_factory=list)  # the first rows


@dataclass(slots=True)
class _Row:
    line: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    fields: dict = field(default_factory=dict)  # normalised asset fields, model id included
    maker_key: str = ""
    region_id: int = 0
    establishment_id: int | None = None


@dataclass(slots=True)
class _Lookups:
    models: dict[tuple[str, str], list[dict]]  # (maker key, folded name) -> catalogue rows
    regions: dict[str, int]  # code -> id
    establishments: dict[str, tuple[int, int]]  # UAI -> (id, region id), only those in scope


# Reading the file -------------------------------------------------------------------------


def _header(line: int, cells: list[str]) -> tuple[dict[str, int], list[LineError]]:
    return read_header(line, cells, COLUMNS + EXPORT_ONLY, REQUIRED, ", ".join(COLUMNS))


def _values(row: _Row, record: list[str], positions: dict[str, int]) -> None:
    for name, position in positions.items():
        if name in EXPORT_ONLY:  # derived from the open loan: read nowhere
            continue
        value = unprotect_cell(record[position]) if position < len(record) else ""
        row.values[name] = value if name == "notes" else value.strip()
    refuse_control_characters(row.values, row.errors)
    used = set(positions.values())
    if any(cell.strip() for i, cell in enumerate(record) if i not in used):
        row.errors[""] = f"{len(record)} valeurs pour {len(positions)} colonnes dans l'en-tête"


# Checking rows -----------------------------------------------------------------------------


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


async def _lookups(scope: Scope, rows: list[_Row]) -> _Lookups:
    models: dict[tuple[str, str], list[dict]] = {}
    for model in await DeviceModel.select(
        DeviceModel.id, DeviceModel.manufacturer, DeviceModel.name
    ):
        models.setdefault(
            (manufacturer_key(model["manufacturer"]), _fold(model["name"])), []
        ).append(model)
    regions = {r["code"]: r["id"] for r in await Region.select(Region.id, Region.code)}
    uais = sorted({normalise_uai(u) for r in rows if (u := r.values.get("establishment_uai"))})
    establishments = {}
    for chunk in _chunks(uais):
        query = Establishment.select(Establishment.id, Establishment.uai, Establishment.region)
        for e in await query.where(Establishment.uai.is_in(list(chunk))):
            if scope.sees_establishment(e["id"], e["region"]):
                establishments[e["uai"]] = (e["id"], e["region"])
    return _Lookups(models=models, regions=regions, establishments=establishments)


def _check_fields(row: _Row) -> None:
    """The plain fields, through the same check as a single create."""
    values = row.values
    fields: dict = {
        "tag": values["tag"],
        "serial": values["serial"],
        "state": values.get("state") or "in_stock",
        "condition": values.get("condition") or "A",
        "notes": values.get("notes", ""),
    }
    for name in ("acquired_on", "warranty_end"):
        try:
            fields[name] = parse_date(values.get(name, ""))
        except ValueError as error:
            fields[name] = None
            row.errors[name] = str(error)
    if len(fields["notes"]) > MAX_NOTES:
        row.errors["notes"] = f"{MAX_NOTES} caractères au plus"
    try:
        check_asset_fields(fields)  # normalises tag and serial in place before raising
    except Invalid as invalid:
        row.errors.update(invalid.errors)
    row.fields = fields


def _check_model(row: _Row, lookups: _Lookups) -> None:
    maker, name = row.values["manufacturer"], row.values["model"]
    for column, value in (("manufacturer", maker), ("model", name)):
        if not value:
            row.errors[column] = "ce champ est obligatoire"
    row.maker_key = manufacturer_key(maker)
    if not (maker and name):
        return
    found = lookups.models.get((row.maker_key, _fold(name)), [])
    exact = [m for m in found if (m["manufacturer"], m["name"]) == (maker, name)]
    if len(found) == 1 or len(exact) == 1:
        row.fields["model"] = (exact or found)[0]["id"]
    elif found:
        row.errors["model"] = f"modèle « {maker} {name} » ambigu : écrivez-le comme au catalogue"
    else:
        row.errors["model"] = f"modèle « {maker} {name} » inconnu du catalogue"


def _check_placement(row: _Row, scope: Scope, lookups: _Lookups) -> None:
    """The rules of `inventory.assets._placement`, against the preloaded lookups."""
    uai, code = row.values.get("establishment_uai", ""), row.values.get("region_code", "")
    if code.isdigit() and len(code) == 1:
        code = code.zfill(2)  # a spreadsheet turned "01" (Guadeloupe) into 1
    region_id = lookups.regions.get(code) if code else None
    if uai:
        uai = normalise_uai(uai)
        if uai not in lookups.establishments:
            row.errors["establishment_uai"] = (
                f"établissement {uai} inconnu ou hors de votre périmètre"
            )
            return
        row.establishment_id, row.region_id = lookups.establishments[uai]
        if code and region_id != row.region_id:
            row.errors["region_code"] = "l'établissement n'appartient pas à cette région"
        return
    if not code:
        row.errors["establishment_uai"] = (
            "indiquez l'établissement (ou la région pour le stock régional)"
        )
    elif region_id is None or not scope.manages_region(region_id):
        row.errors["region_code"] = f"région {code} inconnue ou hors de votre périmètre"
    else:
        row.region_id = region_id


class _Duplicates:
    """Tags and (manufacturer, serial) pairs seen earlier in the file, then in the database."""

    def __init__(self) -> None:
        self.tags: dict[str, int] = {}
        self.serials: dict[tuple[str, str], int] = {}

    def check_in_file(self, row: _Row) -> None:
        tag, serial = row.fields["tag"], row.fields["serial"]
        if "tag" not in row.errors and (first := self.tags.setdefault(tag, row.line)) != row.line:
            row.errors["tag"] = (
                f"numéro d'inventaire {tag} en double dans le fichier (ligne {first})"
            )
        if "serial" not in row.errors and row.maker_key:
            first = self.serials.setdefault((row.maker_key, serial), row.line)
            if first != row.line:
                row.errors["serial"] = (
                    f"numéro de série {serial} en double pour ce fabricant dans le fichier "
                    f"(ligne {first})"
                )


async def _check_database(rows: Sequence[_Row]) -> None:
    """Mark rows whose tag, or serial for the same manufacturer, already exists. One query for
    the tags and one per manufacturer, whatever the number of rows."""
    by_tag = {r.fields["tag"]: r for r in rows if "tag" not in r.errors}
    if by_tag:
        for found in await Asset.select(Asset.tag).where(Asset.tag.is_in(list(by_tag))):
            by_tag[found["tag"]].errors["tag"] = (
                f"le numéro d'inventaire {found['tag']} existe déjà"
            )
    by_maker: dict[str, dict[str, _Row]] = {}
    for r in rows:
        if "serial" not in r.errors and r.maker_key:
            by_maker.setdefault(r.maker_key, {})[r.fields["serial"]] = r
    for maker_key, by_serial in by_maker.items():
        query = Asset.select(Asset.serial).where(
            (Asset.manufacturer_key == maker_key) & Asset.serial.is_in(list(by_serial))
        )
        for found in await query:
            by_serial[found["serial"]].errors["serial"] = (
                f"le numéro de série {found['serial']} existe déjà pour ce fabricant"
            )


def _planned(rows: list[_Row]) -> list[PlannedAsset]:
    return [
        PlannedAsset(
            line=row.line,
            tag=row.fields["tag"],
            serial=row.fields["serial"],
            manufacturer=row.values["manufacturer"],
            model=row.values["model"],
            establishment_uai=normalise_uai(row.values.get("establishment_uai") or ""),
            region_code=row.values.get("region_code", ""),
        )
        for row in rows[:PREVIEW_ROWS]
    ]


def _line_errors(rows: list[_Row]) -> list[LineError]:
    return line_errors(rows, COLUMNS)


# Writing ----------------------------------------------------------------------------------


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


ASSET_COLUMNS = (
    "tag",
    "serial",
    "manufacturer_key",
    "model",
    "region",
    "establishment",
    "state",
    "condition",
    "acquired_on",
    "warranty_end",
    "notes",
    "created_at",
    "updated_at",
)
EVENT_COLUMNS = ("asset", "at", "actor_id", "actor_name", "action", "changes", "establishment_id")


def _asset(row: _Row, now: dt.datetime) -> tuple:
    f = row.fields
    return (
        *(f[name] for name in ("tag", "serial")),
        row.maker_key,
        f["model"],
        row.region_id,
        row.establishment_id,
        *(f[name] for name in ("state", "condition", "acquired_on", "warranty_end", "notes")),
        now,
        now,
    )


async def _insert(
    rows: list[_Row], actor: Actor, now: dt.datetime, tick: Callable[[int], None]
) -> None:
    """Plain multi-row INSERTs (`inventory.bulk`), the assets then their "imported" events:
    Piccolo objects cost two thirds of the writing."""
    async with bulk_write_transaction():
        for chunk in _chunks(rows):
            inserted = await insert_many(
                Asset, ASSET_COLUMNS, [_asset(r, now) for r in chunk], returning=("id", "tag")
            )
            ids = {found["tag"]: found["id"] for found in inserted}
            events = [
                (
                    ids[r.fields["tag"]],
                    now,
                    actor.id,
                    actor.name,
                    ACTION,
                    json_text(creation_changes(r.fields)),
                    r.establishment_id,
                )
                for r in chunk
            ]
            await insert_many(AssetEvent, EVENT_COLUMNS, events)
            tick(len(chunk))


# The use-case -----------------------------------------------------------------------------


def _read(data: bytes) -> tuple[int, list[_Row], list[LineError]]:
    """(number of data rows, the rows, file-level errors)."""

    def make_row(line: int, record: list[str], positions: dict[str, int]) -> _Row:
        row = _Row(line=line, values={name: "" for name in COLUMNS})
        _values(row, record, positions)
        return row

    return read_file(data, _header, MAX_ROWS, make_row)


async def import_assets(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    data: bytes,
    dry_run: bool = True,
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row of a CSV file of assets; unless `dry_run`, create them all in one
    transaction with an "imported" history event each. Any error and nothing is written.

    `progress(done, total)` is called after each chunk: validating a row counts one step, and
    inserting it one more in a real run (total = rows, or 2 x rows).
    """
    count, rows, file_errors = _read(data)
    if file_errors:
        return ImportReport(rows=count, created=0, errors=file_errors)
    total, done = len(rows) * (1 if dry_run else 2), 0

    def tick(steps: int) -> None:
        nonlocal done
        done += steps
        if progress is not None:
            progress(done, total)

    lookups = await _lookups(scope, rows)
    duplicates = _Duplicates()
    for chunk in _chunks(rows):
        for row in chunk:
            _check_fields(row)
            _check_model(row, lookups)
            _check_placement(row, scope, lookups)
            duplicates.check_in_file(row)
        await _check_database(chunk)
        tick(len(chunk))
    if any(row.errors for row in rows):
        return ImportReport(rows=count, created=0, errors=_line_errors(rows))
    if dry_run or not rows:
        return ImportReport(rows=count, created=len(rows), errors=[], planned=_planned(rows))
    try:
        await _insert(rows, actor, now, tick)
    except Exception as error:
        if not is_unique_violation(error):
            raise
        # Another import took some of these tags or serials since the check: say which.
        for chunk in _chunks(rows):
            await _check_database(chunk)
        if not any(row.errors for row in rows):
            raise Conflict(
                "Un autre enregistrement a pris ces numéros entre-temps ; relancez l'import."
            ) from error
        return ImportReport(rows=count, created=0, errors=_line_errors(rows))
    await after_bulk_write(
        len(rows), "asset", "asset_event"
    )  # inventory.statistics: plans of what follows
    return ImportReport(rows=count, created=len(rows), errors=[])
