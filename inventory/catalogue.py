"""Device models: reference data shared by every region."""

from __future__ import annotations

import datetime as dt

import msgspec

from inventory import reference_history as history
from inventory.db import is_unique_violation, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.history import creation_changes
from inventory.scope import Actor, Scope
from inventory.tables import DeviceModel
from inventory.views import DeviceModelView

CATEGORIES = {
    "laptop": "ordinateur portable",
    "tablet": "tablette",
    "hotspot": "clé 4G / point d'accès",
    "desktop": "ordinateur fixe",
    "other": "autre",
}

_COLUMNS = (
    DeviceModel.id,
    DeviceModel.manufacturer,
    DeviceModel.name,
    DeviceModel.category,
    DeviceModel.accessories,
)


def manufacturer_key(manufacturer: str) -> str:
    """Serial numbers are unique per manufacturer whatever the spelling of its name."""
    return " ".join(manufacturer.split()).casefold()


def _check(fields: dict) -> dict:
    errors = {}
    for name in ("manufacturer", "name"):
        if name in fields:
            fields[name] = " ".join(fields[name].split())
            if not fields[name]:
                errors[name] = "ce champ est obligatoire"
    if "category" in fields and fields["category"] not in CATEGORIES:
        errors["category"] = "catégorie inconnue ; valeurs possibles : " + ", ".join(CATEGORIES)
    if "accessories" in fields:
        fields["accessories"] = [a.strip() for a in fields["accessories"] if a.strip()]
        if any(len(a) > 60 for a in fields["accessories"]):
            errors["accessories"] = "un accessoire se décrit en 60 caractères au plus"
    if errors:
        raise Invalid(errors)
    return fields


async def list_device_models() -> list[DeviceModelView]:
    rows = (
        await DeviceModel.select(*_COLUMNS)
        .order_by(DeviceModel.manufacturer)
        .order_by(DeviceModel.name)
    )
    return [DeviceModelView(**row) for row in rows]


async def get_device_model(model_id: int) -> DeviceModelView:
    row = await DeviceModel.select(*_COLUMNS).where(DeviceModel.id == model_id).first()
    if row is None:
        raise NotFound(f"Modèle {model_id} introuvable.")
    return DeviceModelView(**row)


def _may_edit_catalogue(scope: Scope) -> bool:
    return scope.everything or bool(scope.region_ids)


async def create_device_model(
    scope: Scope,
    *,
    manufacturer: str,
    name: str,
    category: str,
    accessories: list[str],
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> DeviceModelView:
    if not _may_edit_catalogue(scope):
        raise NotFound("Catalogue réservé aux gestionnaires de région.")
    fields = _check(
        dict(manufacturer=manufacturer, name=name, category=category, accessories=accessories)
    )
    try:
        async with write_transaction():
            row = (await DeviceModel.insert(DeviceModel(**fields)).returning(DeviceModel.id))[0]
            created = creation_changes(fields)
            key = str(row["id"])
            await history.record(history.DEVICE_MODEL, key, None, "created", created, actor, now)
    except Exception as error:
        if is_unique_violation(error):  # unique index on (manufacturer, name)
            raise Conflict(
                f"Le modèle {fields['manufacturer']} {fields['name']} existe déjà.", field="name"
            ) from error
        raise
    return await get_device_model(row["id"])


async def update_device_model(
    scope: Scope,
    model_id: int,
    changes: dict,
    *,
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> DeviceModelView:
    if not _may_edit_catalogue(scope):
        raise NotFound("Catalogue réservé aux gestionnaires de région.")
    before = msgspec.structs.asdict(await get_device_model(model_id))
    # The manufacturer is fixed once created: assets copy it to keep serials unique per maker.
    fields = _check({k: v for k, v in changes.items() if k in ("name", "category", "accessories")})
    if fields:
        async with write_transaction():
            await DeviceModel.update(fields).where(DeviceModel.id == model_id)
            changes = history.differences(before, fields)
            key = str(model_id)
            await history.record(history.DEVICE_MODEL, key, None, "changed", changes, actor, now)
    return await get_device_model(model_id)
