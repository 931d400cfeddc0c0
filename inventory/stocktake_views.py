"""What stocktake use-cases return, and the reads that build it (counts, lists, messages)."""

from __future__ import annotations

import datetime as dt

import msgspec
from piccolo.query.functions.aggregate import Count

from inventory.assets import STATES
from inventory.tables import Asset, Stocktake, StocktakeExpected, StocktakeScan
from inventory.views import EstablishmentRef

# A device in one of these states is not expected on the shelves.
NOT_EXPECTED = ("lost", "stolen", "retired", "ceded")
# The outcomes that count a device; a partial unique index allows one per device.
COUNTED = ("found", "unexpected")
OUTCOMES = {
    "found": "trouvé",
    "duplicate": "déjà scanné",
    "unexpected": "inattendu",
    "unknown": "code inconnu",
}


class Counts(msgspec.Struct, frozen=True):
    expected: int
    found: int
    missing: int
    unexpected: int


class StocktakeView(msgspec.Struct, frozen=True):
    id: int
    establishment: EstablishmentRef
    location: str  # "": the whole establishment; a location's name, or old free text
    is_open: bool
    opened_at: dt.datetime
    opened_by: str
    closed_at: dt.datetime | None
    closed_by: str | None
    counts: Counts
    # The location counted (only its devices are expected); None: the whole establishment, or a
    # stocktake opened before locations existed, named by free text only.
    location_id: int | None = None


class StocktakePage(msgspec.Struct, frozen=True):
    items: list[StocktakeView]
    total: int  # COUNT_CAP when not `total_exact`: "more than" it
    limit: int
    next_cursor: str | None = None
    previous_cursor: str | None = None
    total_exact: bool = True


class FoundLine(msgspec.Struct, frozen=True):
    tag: str
    serial: str
    model: str
    scanned_at: dt.datetime
    scanned_by: str


class MissingLine(msgspec.Struct, frozen=True):
    tag: str
    serial: str
    model: str
    state_at_opening: str
    state: str  # now: "lost" once declared lost


class ScannedLine(msgspec.Struct, frozen=True):
    """A scanned device and where it belongs; `reason` says why it was not expected here."""

    tag: str
    serial: str
    model: str
    state: str
    home: EstablishmentRef | None  # None: the region's own stock
    home_region_code: str
    reason: str
    scanned_at: dt.datetime
    scanned_by: str


class UnknownLine(msgspec.Struct, frozen=True):
    code: str
    scanned_at: dt.datetime
    scanned_by: str


class StocktakeStatus(msgspec.Struct, frozen=True):
    stocktake: StocktakeView
    found: list[FoundLine]  # newest scan first
    missing: list[MissingLine]  # by tag
    unexpected: list[ScannedLine]  # newest scan first
    unknown: list[UnknownLine]  # newest scan first


class ScanResult(msgspec.Struct, frozen=True):
    id: int
    outcome: str  # found, duplicate, unexpected, unknown
    code: str
    message: str  # French, for the person scanning
    at: dt.datetime
    by: str
    device: ScannedLine | None
    counts: Counts


class Skipped(msgspec.Struct, frozen=True):
    tag: str
    reason: str


class DeclareResult(msgspec.Struct, frozen=True):
    declared: list[str]
    skipped: list[Skipped]
    counts: Counts


def aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def stocktake_rows():
    return Stocktake.select(
        Stocktake.id,
        Stocktake.location,
        Stocktake.place.as_alias("location_id"),
        Stocktake.opened_at,
        Stocktake.opened_by_name,
        Stocktake.closed_at,
        Stocktake.closed_by_name,
        Stocktake.events_watermark,
        Stocktake.establishment.id.as_alias("establishment_id"),
        Stocktake.establishment.uai.as_alias("establishment_uai"),
        Stocktake.establishment.name.as_alias("establishment_name"),
        Stocktake.establishment.region.as_alias("region_id"),
    )


def view_of(row: dict, counts: Counts) -> StocktakeView:
    closed = row["closed_at"] is not None
    return StocktakeView(
        id=row["id"],
        establishment=EstablishmentRef(
            uai=row["establishment_uai"], name=row["establishment_name"]
        ),
        location=row["location"],
        is_open=not closed,
        opened_at=aware(row["opened_at"]),
        opened_by=row["opened_by_name"],
        closed_at=aware(row["closed_at"]) if closed else None,
        closed_by=row["closed_by_name"] if closed else None,
        counts=counts,
        location_id=row["location_id"],
    )


async def counts_of(ids: list[int]) -> dict[int, Counts]:
    """The counts of each stocktake, in two grouped queries whatever the number."""
    if not ids:
        return {}
    expected = {
        row["stocktake"]: row["n"]
        for row in await StocktakeExpected.select(StocktakeExpected.stocktake, Count(alias="n"))
        .where(StocktakeExpected.stocktake.is_in(ids))
        .group_by(StocktakeExpected.stocktake)
    }
    counted: dict[tuple[int, str], int] = {
        (row["stocktake"], row["outcome"]): row["n"]
        for row in await StocktakeScan.select(
            StocktakeScan.stocktake, StocktakeScan.outcome, Count(alias="n")
        )
        .where(StocktakeScan.stocktake.is_in(ids) & StocktakeScan.outcome.is_in(list(COUNTED)))
        .group_by(StocktakeScan.stocktake, StocktakeScan.outcome)
    }
    result = {}
    for stocktake_id in ids:
        total, found = expected.get(stocktake_id, 0), counted.get((stocktake_id, "found"), 0)
        result[stocktake_id] = Counts(
            expected=total,
            found=found,
            missing=total - found,
            unexpected=counted.get((stocktake_id, "unexpected"), 0),
        )
    return result


async def device_rows(ids: list[int]) -> list[dict]:
    """Devices by id, unscoped: a device found on the shelves is shown with its home."""
    if not ids:
        return []
    rows = await Asset.select(
        Asset.id,
        Asset.tag,
        Asset.serial,
        Asset.state,
        Asset.model.manufacturer.as_alias("manufacturer"),
        Asset.model.name.as_alias("model_name"),
        Asset.establishment.id.as_alias("establishment_id"),
        Asset.establishment.uai.as_alias("establishment_uai"),
        Asset.establishment.name.as_alias("establishment_name"),
        Asset.region.code.as_alias("region_code"),
    ).where(Asset.id.is_in(ids))
    by_id = {row["id"]: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def _model(row: dict) -> str:
    return f"{row['manufacturer']} {row['model_name']}"


def _reason(row: dict, take: dict, expected: bool) -> str:
    if expected:
        return ""
    if row["establishment_id"] is None:
        return f"relève du stock régional (région {row['region_code']})"
    if row["establishment_id"] != take["establishment_id"]:
        return f"appartient à {row['establishment_name']} (UAI {row['establishment_uai']})"
    if row["state"] in NOT_EXPECTED:
        return f"enregistré comme {STATES.get(row['state'], row['state'])}"
    return "arrivé dans l'établissement après l'ouverture de l'inventaire"


def device_line(
    row: dict, take: dict, at: dt.datetime, by: str, expected: bool = False
) -> ScannedLine:
    home = None
    if row["establishment_id"] is not None:
        home = EstablishmentRef(uai=row["establishment_uai"], name=row["establishment_name"])
    return ScannedLine(
        tag=row["tag"],
        serial=row["serial"],
        model=_model(row),
        state=row["state"],
        home=home,
        home_region_code=row["region_code"],
        reason=_reason(row, take, expected),
        scanned_at=aware(at),
        scanned_by=by,
    )


def message(outcome: str, code: str, device: ScannedLine | None, unbound: bool) -> str:
    """What the person scanning reads (and hears, through the live region)."""
    if device is None:
        if unbound:
            return f"Étiquette « {code} » pas encore attribuée à un appareil : non comptée."
        return f"Code « {code} » inconnu : aucun appareil ne correspond."
    if outcome == "found":
        return f"{device.tag} trouvé."
    if outcome == "unexpected":
        return f"{device.tag} inattendu ici : {device.reason}."
    if device.reason:
        return f"{device.tag} déjà scanné (inattendu ici : {device.reason}) : compté une fois."
    return f"{device.tag} déjà scanné : compté une seule fois."


async def status_of(take: dict) -> StocktakeStatus:
    stocktake_id = take["id"]
    expected = await (
        StocktakeExpected.select(
            StocktakeExpected.asset.as_alias("asset_id"),
            StocktakeExpected.state.as_alias("state_at_opening"),
            StocktakeExpected.asset.tag.as_alias("tag"),
            StocktakeExpected.asset.serial.as_alias("serial"),
            StocktakeExpected.asset.state.as_alias("state"),
            StocktakeExpected.asset._.model._.manufacturer.as_alias("manufacturer"),
            StocktakeExpected.asset._.model._.name.as_alias("model_name"),
        )
        .where(StocktakeExpected.stocktake == stocktake_id)
        .order_by(StocktakeExpected.asset.tag)
    )
    scans = await (
        StocktakeScan.select(
            StocktakeScan.asset,
            StocktakeScan.outcome,
            StocktakeScan.raw,
            StocktakeScan.at,
            StocktakeScan.actor_name,
        )
        .where((StocktakeScan.stocktake == stocktake_id) & (StocktakeScan.outcome != "duplicate"))
        .order_by(StocktakeScan.id, ascending=False)
    )
    by_asset = {row["asset_id"]: row for row in expected}
    found = [
        FoundLine(
            tag=by_asset[s["asset"]]["tag"],
            serial=by_asset[s["asset"]]["serial"],
            model=_model(by_asset[s["asset"]]),
            scanned_at=aware(s["at"]),
            scanned_by=s["actor_name"],
        )
        for s in scans
        if s["outcome"] == "found" and s["asset"] in by_asset
    ]
    found_tags = {line.tag for line in found}
    missing = [
        MissingLine(
            tag=row["tag"],
            serial=row["serial"],
            model=_model(row),
            state_at_opening=row["state_at_opening"],
            state=row["state"],
        )
        for row in expected
        if row["tag"] not in found_tags
    ]
    odd = [s for s in scans if s["outcome"] == "unexpected"]
    devices = {row["id"]: row for row in await device_rows([s["asset"] for s in odd])}
    unexpected = [
        device_line(devices[s["asset"]], take, s["at"], s["actor_name"])
        for s in odd
        if s["asset"] in devices
    ]
    unknown = [
        UnknownLine(code=s["raw"], scanned_at=aware(s["at"]), scanned_by=s["actor_name"])
        for s in scans
        if s["outcome"] == "unknown"
    ]
    counts = Counts(
        expected=len(expected),
        found=len(found),
        missing=len(missing),
        unexpected=len(unexpected),
    )
    return StocktakeStatus(
        stocktake=view_of(take, counts),
        found=found,
        missing=missing,
        unexpected=unexpected,
        unknown=unknown,
    )
