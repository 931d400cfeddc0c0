"""Regions and establishments: the places devices belong to."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from inventory import reference_history as history
from inventory.db import is_unique_violation, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.history import creation_changes
from inventory.scope import Actor, Scope
from inventory.tables import Establishment, Region
from inventory.uai import normalise_uai, uai_problem
from inventory.views import EstablishmentView, RegionView

_ESTABLISHMENT_COLUMNS = (
    Establishment.id,
    Establishment.uai,
    Establishment.name,
    Establishment.city,
    Establishment.region.code.as_alias("region_code"),
    Establishment.contact_email,
    Establishment.contact_phone,
    Establishment.head_name,
)


async def list_regions(scope: Scope) -> list[RegionView]:
    query = Region.select(Region.id, Region.code, Region.name).order_by(Region.code)
    # Staff of a school read their region's name (as `get_region` does).
    if (where := scope.restrict(Region.id, staff_see_region=True)) is not None:
        query = query.where(where)
    return [RegionView(**row) for row in await query]


async def get_region(scope: Scope, code: str) -> RegionView:
    row = (
        await Region.select(Region.id, Region.code, Region.name).where(Region.code == code).first()
    )
    if row is None or not scope.sees_region(row["id"]):
        raise NotFound(f"Région {code} introuvable.")
    return RegionView(**row)


def _check_region_fields(code: str | None, name: str | None) -> None:
    errors = {}
    if code is not None and not (code.isdigit() and 1 <= len(code) <= 3):
        errors["code"] = "le code INSEE de région s'écrit avec 2 ou 3 chiffres, par exemple 24"
    if name is not None and not name.strip():
        errors["name"] = "le nom est obligatoire"
    if errors:
        raise Invalid(errors)


async def create_region(
    scope: Scope,
    code: str,
    name: str,
    *,
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> RegionView:
    if not scope.everything:
        raise NotFound("Seul un administrateur de la plateforme peut créer une région.")
    _check_region_fields(code, name)
    try:
        async with write_transaction():
            row = (await Region.insert(Region(code=code, name=name.strip())).returning(Region.id))[
                0
            ]
            created = creation_changes({"code": code, "name": name.strip()})
            await history.record(history.REGION, code, row["id"], "created", created, actor, now)
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(f"La région {code} existe déjà.", field="code") from error
        raise
    return RegionView(id=row["id"], code=code, name=name.strip())


async def rename_region(
    scope: Scope,
    code: str,
    name: str,
    *,
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> RegionView:
    region = await get_region(scope, code)
    if not scope.everything:
        raise NotFound(f"Région {code} introuvable.")
    _check_region_fields(None, name)
    async with write_transaction():
        await Region.update({Region.name: name.strip()}).where(Region.id == region.id)
        changes = history.differences({"name": region.name}, {"name": name.strip()})
        await history.record(history.REGION, code, region.id, "changed", changes, actor, now)
    return RegionView(id=region.id, code=code, name=name.strip())


async def region_id_for_code(code: str) -> int | None:
    row = await Region.select(Region.id).where(Region.code == code).first()
    return None if row is None else row["id"]


async def list_establishments(
    scope: Scope, region_code: str | None = None
) -> list[EstablishmentView]:
    query = Establishment.select(*_ESTABLISHMENT_COLUMNS).order_by(Establishment.name)
    if (where := scope.restrict(Establishment.region, Establishment.id)) is not None:
        query = query.where(where)
    if region_code:
        query = query.where(Establishment.region.code == region_code)
    return [EstablishmentView(**row) for row in await query]


async def establishment_row(scope: Scope, uai: str) -> dict:
    """The establishment's id and region id, or NotFound outside the scope."""
    uai = normalise_uai(uai)
    row = (
        await Establishment.select(Establishment.id, Establishment.region)
        .where(Establishment.uai == uai)
        .first()
    )
    if row is None or not scope.sees_establishment(row["id"], row["region"]):
        raise NotFound(f"Établissement {uai} introuvable.")
    return row


class EstablishmentKey(msgspec.Struct, frozen=True):
    """Which establishment a UAI names, for the use-cases of other packages."""

    id: int
    region_id: int


async def establishment_key(scope: Scope, uai: str) -> EstablishmentKey:
    """The establishment's id and region id, or NotFound outside the scope."""
    row = await establishment_row(scope, uai)
    return EstablishmentKey(id=row["id"], region_id=row["region"])


async def get_establishment(scope: Scope, uai: str) -> EstablishmentView:
    row = await establishment_row(scope, uai)
    full = (
        await Establishment.select(*_ESTABLISHMENT_COLUMNS)
        .where(Establishment.id == row["id"])
        .first()
    )
    assert full is not None  # the row just read
    return EstablishmentView(**full)


def _check_establishment_fields(fields: dict) -> None:
    errors = {}
    if "uai" in fields and (problem := uai_problem(fields["uai"])):
        errors["uai"] = problem
    for name in ("name", "city"):
        if name in fields and not fields[name].strip():
            errors[name] = "ce champ est obligatoire"
    if fields.get("contact_email") and "@" not in fields["contact_email"]:
        errors["contact_email"] = "adresse électronique invalide"
    if errors:
        raise Invalid(errors)


async def create_establishment(
    scope: Scope,
    *,
    uai: str,
    name: str,
    city: str,
    region_code: str,
    contact_email: str = "",
    contact_phone: str = "",
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> EstablishmentView:
    uai = normalise_uai(uai)
    fields: dict[str, Any] = dict(
        uai=uai, name=name, city=city, contact_email=contact_email, contact_phone=contact_phone
    )
    _check_establishment_fields(fields)
    region_id = await region_id_for_code(region_code)
    if region_id is None or not scope.manages_region(region_id):
        raise Invalid({"region_code": f"région {region_code} inconnue ou hors de votre périmètre"})
    try:
        async with write_transaction():
            await Establishment.insert(Establishment(region=region_id, **fields))
            created = creation_changes({**fields, "region": region_code})
            await history.record(
                history.ESTABLISHMENT, uai, region_id, "created", created, actor, now
            )
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(f"L'établissement {uai} existe déjà.", field="uai") from error
        raise
    return await get_establishment(scope, uai)


async def update_establishment(
    scope: Scope,
    uai: str,
    changes: dict,
    *,
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> EstablishmentView:
    row = await establishment_row(scope, uai)
    if not scope.manages_region(row["region"]):
        raise NotFound(f"Établissement {normalise_uai(uai)} introuvable.")
    _check_establishment_fields(changes)
    if changes:
        before = msgspec.structs.asdict(await get_establishment(scope, uai))
        async with write_transaction():
            await Establishment.update(changes).where(Establishment.id == row["id"])
            await history.record(
                history.ESTABLISHMENT,
                before["uai"],
                row["region"],
                "changed",
                history.differences(before, changes),
                actor,
                now,
            )
    return await get_establishment(scope, uai)
