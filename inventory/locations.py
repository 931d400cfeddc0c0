"""Locations inside a school (a room, a cart, a storage) and moving devices between them.

A school keeps a short list, named by its staff. A device has at most one location, always of
its own school (a device that changes school leaves its location behind). Every move is an
`moved` event in the device's history, with the locations' names before and after.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from piccolo.query.functions.aggregate import Count

from inventory.assets import normalise_tag
from inventory.db import for_update, is_unique_violation, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.history import AssetChange, change_assets
from inventory.regions import establishment_row
from inventory.scope import Actor, Scope
from inventory.stocktake_views import aware
from inventory.tables import Asset, AssetEvent, Location

KINDS = {"room": "salle", "cart": "chariot", "storage": "réserve"}
MAX_NAME = 80
MAX_PER_SCHOOL = 200  # a short list: a select shows them all


class LocationView(msgspec.Struct, frozen=True):
    id: int
    establishment_uai: str
    establishment_name: str
    name: str
    kind: str
    devices: int = 0  # devices kept there now


class Move(msgspec.Struct, frozen=True):
    """One device moved (or already there: `moved` False, nothing written)."""

    tag: str
    model: str
    before: str | None  # the location's name it left (None: it had none)
    after: str
    moved: bool
    at: dt.datetime | None = None  # when and by whom, for the running list (None: not moved)
    by: str = ""


_COLUMNS = (
    Location.id,
    Location.name,
    Location.kind,
    Location.establishment.id.as_alias("establishment_id"),
    Location.establishment.uai.as_alias("establishment_uai"),
    Location.establishment.name.as_alias("establishment_name"),
    Location.establishment.region.as_alias("region_id"),
)


def _view(row: dict, devices: int = 0) -> LocationView:
    return LocationView(
        id=row["id"],
        establishment_uai=row["establishment_uai"],
        establishment_name=row["establishment_name"],
        name=row["name"],
        kind=row["kind"],
        devices=devices,
    )


async def _device_counts(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = await (
        Asset.select(Asset.location, Count(alias="n"))
        .where(Asset.location.is_in(ids))
        .group_by(Asset.location)
    )
    return {row["location"]: row["n"] for row in rows}


async def location_row(scope: Scope, location_id: int) -> dict:
    """The location with its establishment's id and region; NotFound outside the scope."""
    row = await Location.select(*_COLUMNS).where(Location.id == location_id).first()
    if row is None or not scope.sees_establishment(row["establishment_id"], row["region_id"]):
        raise NotFound(f"Emplacement n° {location_id} introuvable.")
    return row


async def get_location(scope: Scope, location_id: int) -> LocationView:
    row = await location_row(scope, location_id)
    return _view(row, (await _device_counts([row["id"]])).get(row["id"], 0))


async def list_locations(scope: Scope, establishment_uai: str | None = None) -> list[LocationView]:
    """The locations of one school (NotFound outside the scope), or of every school in scope,
    by school then name, with the number of devices each holds."""
    query = Location.select(*_COLUMNS)
    if establishment_uai:
        establishment = await establishment_row(scope, establishment_uai)
        query = query.where(Location.establishment == establishment["id"])
    where = scope.restrict(Location.establishment.region, Location.establishment)
    if where is not None:
        query = query.where(where)
    rows = await query.order_by(Location.establishment.name).order_by(Location.name)
    counts = await _device_counts([row["id"] for row in rows])
    return [_view(row, counts.get(row["id"], 0)) for row in rows]


def _check(name: str, kind: str) -> str:
    name = " ".join(name.split())
    errors = {}
    if not name:
        errors["name"] = "indiquez le nom de l'emplacement (par exemple « Chariot 1 »)"
    elif len(name) > MAX_NAME:
        errors["name"] = f"{MAX_NAME} caractères au plus"
    if kind not in KINDS:
        errors["kind"] = "type inconnu ; valeurs possibles : " + ", ".join(KINDS)
    if errors:
        raise Invalid(errors)
    return name


async def create_location(
    scope: Scope, actor: Actor, now: dt.datetime, establishment_uai: str, name: str, kind: str
) -> LocationView:
    """A new location of the school. `actor` is taken for symmetry with the other use-cases:
    a location has no history of its own, the devices' moves are its history."""
    name = _check(name, kind)
    establishment = await establishment_row(scope, establishment_uai)  # NotFound: a 404
    duplicate = Conflict(f"L'emplacement « {name} » existe déjà dans cet établissement.", "name")
    try:
        async with write_transaction():
            existing = await Location.select(Location.name).where(
                Location.establishment == establishment["id"]
            )
            if any(row["name"].casefold() == name.casefold() for row in existing):
                raise duplicate
            if len(existing) >= MAX_PER_SCHOOL:
                raise Conflict(f"{MAX_PER_SCHOOL} emplacements au plus par établissement.", "name")
            row = (
                await Location.insert(
                    Location(
                        establishment=establishment["id"], name=name, kind=kind, created_at=now
                    )
                ).returning(Location.id)
            )[0]
    except Exception as error:
        if is_unique_violation(error):  # a concurrent creation of the same name
            raise duplicate from error
        raise
    return await get_location(scope, row["id"])


async def resolve_location(scope: Scope, establishment_id: int, wanted: int | str) -> dict:
    """A location of this establishment, by id or by name (without regard to case); Invalid
    naming `location` otherwise, with the names it could be."""
    rows = await Location.select(*_COLUMNS).where(Location.establishment == establishment_id)
    for row in rows:
        if (isinstance(wanted, int) and row["id"] == wanted) or (
            isinstance(wanted, str) and row["name"].casefold() == wanted.casefold()
        ):
            return row
    names = ", ".join(f"« {row['name']} »" for row in rows) or "aucun pour l'instant"
    raise Invalid(
        {"location": f"emplacement inconnu dans cet établissement ; emplacements : {names}"}
    )


async def move_asset(
    scope: Scope, actor: Actor, now: dt.datetime, location_id: int, tag: str
) -> Move:
    """Put the device `tag` in the location: one `moved` event. A device of another school
    (or outside the scope) is refused; one already there is left as it is."""
    tag = normalise_tag(tag)
    async with write_transaction():
        place = await location_row(scope, location_id)
        query = Asset.select(
            Asset.id,
            Asset.tag,
            Asset.region,
            Asset.establishment,
            Asset.location.name.as_alias("location_name"),
            Asset.location,
            Asset.model.manufacturer.as_alias("manufacturer"),
            Asset.model.name.as_alias("model_name"),
        ).where(Asset.tag == tag)
        asset = await for_update(query, Asset).first()
        if asset is None or not scope.sees_establishment(asset["establishment"], asset["region"]):
            raise NotFound(f"Appareil {tag} introuvable.")
        if asset["establishment"] != place["establishment_id"]:
            raise Conflict(
                f"L'appareil {tag} n'est pas de cet établissement : changez d'abord son "
                "établissement sur sa fiche.",
                field="code",
            )
        model = f"{asset['manufacturer']} {asset['model_name']}"
        if asset["location"] == place["id"]:
            return Move(tag, model, place["name"], place["name"], moved=False)
        change = AssetChange(
            asset["id"],
            {"location": [asset["location_name"], place["name"]]},
            place["establishment_id"],
        )
        await change_assets([change], {"location": place["id"]}, actor, now, "moved")
    return Move(tag, model, asset["location_name"], place["name"], True, now, actor.name)


class MoveLine(msgspec.Struct, frozen=True):
    """A device moved into a location, still there: the page's running list."""

    tag: str
    model: str
    before: str | None
    at: dt.datetime
    by: str


async def recent_moves(scope: Scope, location_id: int, limit: int = 30) -> list[MoveLine]:
    """The last devices moved into the location and still kept there, the latest first (read
    from their history: the moves are their `moved` events)."""
    await location_row(scope, location_id)
    rows = await (
        AssetEvent.select(
            AssetEvent.asset.tag.as_alias("tag"),
            AssetEvent.asset._.model._.manufacturer.as_alias("manufacturer"),
            AssetEvent.asset._.model._.name.as_alias("model_name"),
            AssetEvent.changes,
            AssetEvent.at,
            AssetEvent.actor_name,
        )
        .where((AssetEvent.action == "moved") & (AssetEvent.asset.location == location_id))
        .order_by(AssetEvent.id, ascending=False)
        .limit(limit * 2)  # a device moved here twice shows once
        .output(load_json=True)
    )
    lines: dict[str, MoveLine] = {}
    for row in rows:
        if row["tag"] not in lines and len(lines) < limit:
            lines[row["tag"]] = MoveLine(
                tag=row["tag"],
                model=f"{row['manufacturer']} {row['model_name']}",
                before=(row["changes"].get("location") or [None])[0],
                at=aware(row["at"]),
                by=row["actor_name"],
            )
    return list(lines.values())
