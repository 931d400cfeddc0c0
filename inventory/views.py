"""What the inventory use-cases return: plain, serialisable values."""

from __future__ import annotations

import datetime as dt

import msgspec

from inventory.lending import LoanStatus


class RegionView(msgspec.Struct, frozen=True):
    id: int
    code: str
    name: str


class EstablishmentView(msgspec.Struct, frozen=True):
    id: int
    uai: str
    name: str
    city: str
    region_code: str
    contact_email: str
    contact_phone: str
    head_name: str = ""  # the chef d'établissement, printed on agreements


class DeviceModelView(msgspec.Struct, frozen=True):
    id: int
    manufacturer: str
    name: str
    category: str
    accessories: list[str]


class EstablishmentRef(msgspec.Struct, frozen=True):
    uai: str
    name: str


class LocationRef(msgspec.Struct, frozen=True):
    """Where in its school a device is kept (`inventory.locations`)."""

    id: int
    name: str


class AssetView(msgspec.Struct, frozen=True):
    tag: str
    serial: str
    model: DeviceModelView
    region_code: str
    establishment: EstablishmentRef | None
    state: str
    condition: str
    acquired_on: dt.date | None
    warranty_end: dt.date | None
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime
    # Derived, never stored: "lent" while a loan of the device is open, else `state`.
    status: str = "in_stock"
    loan: LoanStatus | None = None  # the open loan, when lent
    location: LocationRef | None = None


class AssetEventView(msgspec.Struct, frozen=True):
    at: dt.datetime
    actor_name: str
    action: str
    changes: dict[str, list[object]]


class Page(msgspec.Struct, frozen=True):
    items: list[AssetView]
    total: int  # COUNT_CAP when not `total_exact`: "more than" it
    limit: int
    offset: int
    next_cursor: str | None = None
    previous_cursor: str | None = None
    total_exact: bool = True
