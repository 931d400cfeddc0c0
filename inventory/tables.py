"""Piccolo tables of the fleet.

The database guards the invariants the code relies on: unique tags, one serial per
manufacturer, one UAI per establishment. History rows are only ever inserted.
"""

from piccolo.columns import (
    JSON,
    Array,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Region(Table, tablename="region"):
    id: Serial  # the primary key Piccolo adds to every table, named for the type checker
    code = Varchar(length=3, unique=True, index=True)  # INSEE region code, e.g. "24"
    name = Varchar(length=120)


class Establishment(Table, tablename="establishment"):
    id: Serial
    uai = Varchar(length=8, unique=True, index=True)
    name = Varchar(length=200)
    city = Varchar(length=120)
    region = ForeignKey(references=Region, on_delete=OnDelete.restrict, index=True)
    contact_email = Varchar(length=200, default="")
    contact_phone = Varchar(length=40, default="")
    head_name = Varchar(length=200, default="")  # the chef d'établissement, signs agreements


class DeviceModel(Table, tablename="device_model"):
    id: Serial
    manufacturer = Varchar(length=100)
    name = Varchar(length=150)
    category = Varchar(length=20)
    accessories = Array(base_column=Varchar(length=60))


class Location(Table, tablename="location"):
    """A place inside a school where devices are kept: a room, a cart, a storage. A short
    list per school, named by its staff; unique by name within the school (raw migration)."""

    id: Serial
    establishment = ForeignKey(
        references=Establishment, on_delete=OnDelete.restrict, null=False, index=True
    )
    name = Varchar(length=80)
    kind = Varchar(length=20, default="room")  # room, cart, storage
    created_at = Timestamptz()


class Asset(Table, tablename="asset"):
    id: Serial
    tag = Varchar(length=40, unique=True, index=True)
    serial = Varchar(length=80)
    # Copied from the model at write time so that the database itself can refuse a second
    # asset with the same serial from the same manufacturer, even under concurrent imports.
    manufacturer_key = Varchar(length=100)
    model = ForeignKey(references=DeviceModel, on_delete=OnDelete.restrict, index=True)
    region = ForeignKey(references=Region, on_delete=OnDelete.restrict, index=True)
    establishment = ForeignKey(
        references=Establishment, on_delete=OnDelete.restrict, null=True, index=True
    )
    # Where in its school the device is kept (None: not placed). Cleared when it changes school.
    location = ForeignKey(references=Location, on_delete=OnDelete.restrict, null=True, index=True)
    state = Varchar(length=20, default="in_stock", index=True)
    condition = Varchar(length=1, default="A")
    acquired_on = Date(null=True, default=None)
    warranty_end = Date(null=True, default=None)
    notes = Text(default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class AssetEvent(Table, tablename="asset_event"):
    """One change of an asset, append-only. The actor is a snapshot, not a foreign key,
    so that history survives the deletion of an account."""

    id: Serial
    asset = ForeignKey(references=Asset, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz()
    actor_id = Integer(null=True, default=None)
    actor_name = Varchar(length=200)
    action = Varchar(length=40)
    changes = JSON(default={})
    establishment_id = Integer(null=True, default=None)  # where it happened, for scoping


class ReferenceEvent(Table, tablename="reference_event"):
    """One change of reference data (a region, an establishment, a device model), append-only,
    with an actor snapshot. `subject_key` names the row as people do (region code, UAI, model
    id); `region_id` places it for scoping (None: the shared catalogue of models)."""

    id: Serial
    at = Timestamptz()
    actor_id = Integer(null=True, default=None)
    actor_name = Varchar(length=200)
    subject = Varchar(length=20)  # region, establishment, device_model
    subject_key = Varchar(length=20, index=True)
    region_id = Integer(null=True, default=None)
    action = Varchar(length=40)
    changes = JSON(default={})


class Stocktake(Table, tablename="stocktake"):
    """An inventory session (inventaire) of an establishment, or of one room or cart of it.

    At most one is open per establishment and location: a partial unique index (raw migration)
    over (establishment, location) where closed_at is null. Actors are snapshots, as in history.
    """

    id: Serial
    establishment = ForeignKey(
        references=Establishment, on_delete=OnDelete.restrict, null=False, index=True
    )
    # The location's name, as it was when opened ("": the whole establishment). Free text in
    # stocktakes opened before locations existed (their `place` is None).
    location = Varchar(length=80, default="")
    # The location counted: only its devices are expected (None: the whole establishment).
    place = ForeignKey(references=Location, on_delete=OnDelete.restrict, null=True, index=True)
    opened_at = Timestamptz()
    opened_by_id = Integer(null=True, default=None)
    opened_by_name = Varchar(length=200)
    closed_at = Timestamptz(null=True, default=None)
    closed_by_id = Integer(null=True, default=None)
    closed_by_name = Varchar(length=200, default="")
    # The highest asset_event id when the stocktake opened: an asset with a later event has
    # changed since, and is no longer declared lost on the strength of this stocktake.
    events_watermark = Integer(default=0)


class StocktakeExpected(Table, tablename="stocktake_expected"):
    """The devices expected, frozen at opening: one row per asset, never updated."""

    id: Serial
    stocktake = ForeignKey(references=Stocktake, on_delete=OnDelete.cascade, null=False, index=True)
    asset = ForeignKey(references=Asset, on_delete=OnDelete.restrict, null=False, index=True)
    state = Varchar(length=20)  # the asset's state at opening


class StocktakeScan(Table, tablename="stocktake_scan"):
    """One scan, append-only: what was read, what it designated, the outcome, who and when.

    A partial unique index over (stocktake, asset) where the outcome is found or unexpected
    makes a device count once even when two scans of it race; later scans are duplicates.
    """

    id: Serial
    stocktake = ForeignKey(references=Stocktake, on_delete=OnDelete.cascade, null=False, index=True)
    # Shadows Piccolo's Table.raw() classmethod on this table only (never called on it).
    raw = Varchar(length=200)  # type: ignore[assignment]
    asset = ForeignKey(references=Asset, on_delete=OnDelete.restrict, null=True, index=True)
    outcome = Varchar(length=12)  # found, duplicate, unexpected, unknown
    at = Timestamptz()
    actor_id = Integer(null=True, default=None)
    actor_name = Varchar(length=200)
