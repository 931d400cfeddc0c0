"""Receiving a delivery (arrivage): staff pick the model and the school, then scan a blank
label and the device's serial, again and again; the last pair can be undone.

Each receipt registers the device with its label (`labels.intake.register_device`) and writes
its `delivery_item` row in the same transaction. Undoing the last one deletes the device and
blanks its label again, while nothing else has happened to it: no loan (hence here, in
`loans`), no stocktake, no history beyond its receipt. The item row keeps who received and
who undid it, and when: the device's own history goes with it.

A place for locations: when devices get a location inside their school, a delivery will
carry the one its devices are put in, and `receive_device` pass it on to the asset.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from piccolo.query.functions.aggregate import Count

from inventory import keyset, regions
from inventory.db import for_update, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Actor, Scope
from inventory.tables import Asset as AssetTable
from inventory.tables import AssetEvent, DeviceModel, StocktakeExpected, StocktakeScan
from labels.intake import register_device
from labels.tables import LabelCode
from loans.tables import Delivery, DeliveryItem, Loan

# What a just-received device's history holds; anything else and its receipt stands.
RECEIPT_ACTIONS = ("created", "label_bound")
MAX_ITEMS_PAGE = 200


class DeliveryView(msgspec.Struct, frozen=True):
    id: int
    establishment_uai: str
    establishment_name: str
    model_id: int
    model_name: str  # manufacturer and name
    opened_at: dt.datetime
    opened_by: str
    received: int  # devices received and not undone


class DeliveryItemView(msgspec.Struct, frozen=True):
    id: int
    code: str
    tag: str
    serial: str
    received_at: dt.datetime
    received_by: str
    undone_at: dt.datetime | None
    undone_by: str


class ItemPage(msgspec.Struct, frozen=True):
    items: list[DeliveryItemView]
    total: int  # at most keyset.COUNT_CAP: `total_exact` false means "more than"
    next_cursor: str | None = None
    previous_cursor: str | None = None
    total_exact: bool = True


# Latest first, by id (ids grow with time). Deliveries: primary key; items: their delivery's
# index then the primary key (index delivery_item_delivery_id).
SORT, KEYS = "deliveries", (keyset.Key(Delivery.id, descending=True),)
ITEM_SORT, ITEM_KEYS = "delivery_items", (keyset.Key(DeliveryItem.id, descending=True),)


def _scoped(query, scope: Scope):
    where = scope.restrict(Delivery.establishment.region, Delivery.establishment)
    return query if where is None else query.where(where)


async def open_delivery(
    scope: Scope, actor: Actor, now: dt.datetime, model_id: int | None, establishment_uai: str
) -> DeliveryView:
    """Start receiving devices of `model_id` at the school `establishment_uai`."""
    errors = {}
    if not establishment_uai.strip():
        errors["establishment_uai"] = "choisissez l'établissement qui reçoit les appareils"
    if model_id is None:
        errors["model_id"] = "choisissez le modèle des appareils reçus"
    elif not await DeviceModel.exists().where(DeviceModel.id == model_id):
        errors["model_id"] = f"modèle {model_id} inconnu"
    school = None
    if establishment_uai.strip():
        try:
            school = await regions.establishment_row(scope, establishment_uai)
        except NotFound:
            errors["establishment_uai"] = "établissement inconnu ou hors de votre périmètre"
    if errors or school is None:
        raise Invalid(errors)
    row = (
        await Delivery.insert(
            Delivery(
                establishment=school["id"],
                model=model_id,
                opened_at=now,
                opened_by_id=actor.id,
                opened_by_name=actor.name,
            )
        ).returning(Delivery.id)
    )[0]
    return await get_delivery(scope, row["id"])


def _select():
    school, model = Delivery.establishment, Delivery.model
    return Delivery.select(
        Delivery.id,
        school.uai.as_alias("uai"),
        school.name.as_alias("school"),
        model.id.as_alias("model_id"),
        model.manufacturer.as_alias("manufacturer"),
        model.name.as_alias("model"),
        Delivery.opened_at,
        Delivery.opened_by_name,
    )


def _view(row: dict, received: int) -> DeliveryView:
    return DeliveryView(
        id=row["id"],
        establishment_uai=row["uai"],
        establishment_name=row["school"],
        model_id=row["model_id"],
        model_name=f"{row['manufacturer']} {row['model']}",
        opened_at=row["opened_at"],
        opened_by=row["opened_by_name"],
        received=received,
    )


async def _received(delivery_ids: list[int]) -> dict[int, int]:
    """Devices received and not undone, per delivery."""
    if not delivery_ids:
        return {}
    rows = (
        await DeliveryItem.select(DeliveryItem.delivery, Count(alias="n"))
        .where(DeliveryItem.delivery.is_in(delivery_ids) & DeliveryItem.undone_at.is_null())
        .group_by(DeliveryItem.delivery)
    )
    return dict.fromkeys(delivery_ids, 0) | {row["delivery"]: row["n"] for row in rows}


async def get_delivery(scope: Scope, delivery_id: int) -> DeliveryView:
    row = await _scoped(_select().where(Delivery.id == delivery_id), scope).first()
    if row is None:
        raise NotFound(f"Arrivage {delivery_id} introuvable.")
    return _view(row, (await _received([delivery_id]))[delivery_id])


class DeliveryPage(msgspec.Struct, frozen=True):
    items: list[DeliveryView]
    total: int  # at most keyset.COUNT_CAP: `total_exact` false means "more than"
    next_cursor: str | None = None
    previous_cursor: str | None = None
    total_exact: bool = True


async def list_deliveries(
    scope: Scope, limit: int = 20, offset: int = 0, cursor: str | None = None
) -> DeliveryPage:
    """The deliveries the scope sees, latest first, to go back to one; a page after (or
    before) `cursor`, or `offset` rows in (deprecated)."""
    after = keyset.decode(cursor, SORT, KEYS)
    limit = max(1, min(limit, MAX_ITEMS_PAGE))
    skip = max(0, offset) if after is None else 0
    found = await keyset.fetch_page(
        lambda: _scoped(_select(), scope).offset(skip), SORT, KEYS, after, limit
    )
    total, exact = await keyset.capped_count(_scoped(Delivery.select(Delivery.id), scope))
    received = await _received([row["id"] for row in found.rows])
    return DeliveryPage(
        items=[_view(row, received[row["id"]]) for row in found.rows],
        total=total,
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
        total_exact=exact,
    )


async def list_items(
    scope: Scope, delivery_id: int, limit: int = 50, offset: int = 0, cursor: str | None = None
) -> ItemPage:
    """The receipts of a delivery, latest first, undone ones included (struck through); a
    page after (or before) `cursor`, or `offset` rows in (deprecated)."""
    after = keyset.decode(cursor, ITEM_SORT, ITEM_KEYS)
    await get_delivery(scope, delivery_id)
    limit = max(1, min(limit, MAX_ITEMS_PAGE))
    skip = max(0, offset) if after is None else 0

    def select():
        return DeliveryItem.select(
            DeliveryItem.id,
            DeliveryItem.code,
            DeliveryItem.tag,
            DeliveryItem.serial,
            DeliveryItem.received_at,
            DeliveryItem.received_by_name.as_alias("received_by"),
            DeliveryItem.undone_at,
            DeliveryItem.undone_by_name.as_alias("undone_by"),
        ).where(DeliveryItem.delivery == delivery_id)

    found = await keyset.fetch_page(
        lambda: select().offset(skip), ITEM_SORT, ITEM_KEYS, after, limit
    )
    total, exact = await keyset.capped_count(
        DeliveryItem.select(DeliveryItem.id).where(DeliveryItem.delivery == delivery_id)
    )
    return ItemPage(
        items=[DeliveryItemView(**row) for row in found.rows],
        total=total,
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
        total_exact=exact,
    )


async def receive_device(
    scope: Scope, actor: Actor, now: dt.datetime, delivery_id: int, label: str, serial: str
) -> DeliveryItemView:
    """Register one device of the delivery: the blank label scanned, then its serial.
    A label already used, or a serial this manufacturer already has, is refused naming the
    field (`code`, `serial`), and nothing is written."""
    delivery = await get_delivery(scope, delivery_id)
    fields = {
        "serial": serial,
        "model_id": delivery.model_id,
        "establishment_uai": delivery.establishment_uai,
    }
    async with write_transaction():
        labelled = await register_device(scope, actor, now, fields, label)
        asset_id = (
            await AssetTable.select(AssetTable.id).where(AssetTable.tag == labelled.asset.tag)
        )[0]["id"]
        row = (
            await DeliveryItem.insert(
                DeliveryItem(
                    delivery=delivery_id,
                    asset=asset_id,
                    code=labelled.code,
                    tag=labelled.asset.tag,
                    serial=labelled.asset.serial,
                    received_at=now,
                    received_by_id=actor.id,
                    received_by_name=actor.name,
                )
            ).returning(DeliveryItem.id)
        )[0]
    return DeliveryItemView(
        id=row["id"],
        code=labelled.code,
        tag=labelled.asset.tag,
        serial=labelled.asset.serial,
        received_at=now,
        received_by=actor.name,
        undone_at=None,
        undone_by="",
    )


async def _check_untouched(asset_id: int, tag: str) -> None:
    used = (
        await Loan.exists().where(Loan.asset == asset_id)
        or await StocktakeExpected.exists().where(StocktakeExpected.asset == asset_id)
        or await StocktakeScan.exists().where(StocktakeScan.asset == asset_id)
        or await AssetEvent.exists().where(
            (AssetEvent.asset == asset_id) & AssetEvent.action.not_in(list(RECEIPT_ACTIONS))
        )
    )
    if used:
        raise Conflict(
            f"L'appareil {tag} a déjà servi (prêt, inventaire ou modification) : sa réception "
            "ne peut plus être annulée.",
            field="undo",
        )


async def undo_last_receipt(
    scope: Scope, actor: Actor, now: dt.datetime, delivery_id: int
) -> DeliveryItemView:
    """Undo the delivery's latest receipt still standing: delete its device (and with it the
    device's history) and make its label blank again, recording who undid it and when."""
    await get_delivery(scope, delivery_id)
    async with write_transaction():
        item = await for_update(
            DeliveryItem.select(*DeliveryItem.all_columns())
            .where((DeliveryItem.delivery == delivery_id) & DeliveryItem.undone_at.is_null())
            .order_by(DeliveryItem.id, ascending=False),
            DeliveryItem,
        ).first()
        if item is None:
            raise Conflict("Aucune réception à annuler dans cet arrivage.", field="undo")
        asset_id = item["asset"]
        if asset_id is not None:
            # Locked first: a loan or a stocktake starting on it now waits for the outcome.
            await for_update(
                AssetTable.select(AssetTable.id).where(AssetTable.id == asset_id), AssetTable
            )
            await _check_untouched(asset_id, item["tag"])
            # The label's sticker is peeled off or moved: it is blank again, not retired.
            await LabelCode.update({LabelCode.asset: None, LabelCode.bound_at: None}).where(
                LabelCode.asset == asset_id
            )
            await DeliveryItem.update({DeliveryItem.asset: None}).where(
                DeliveryItem.id == item["id"]
            )
            # Explicitly, not through the foreign key's cascade: the same on both engines.
            await AssetEvent.delete().where(AssetEvent.asset == asset_id)
            await AssetTable.delete().where(AssetTable.id == asset_id)
        await DeliveryItem.update(
            {
                DeliveryItem.undone_at: now,
                DeliveryItem.undone_by_id: actor.id,
                DeliveryItem.undone_by_name: actor.name,
            }
        ).where(DeliveryItem.id == item["id"])
    return DeliveryItemView(
        id=item["id"],
        code=item["code"],
        tag=item["tag"],
        serial=item["serial"],
        received_at=item["received_at"],
        received_by=item["received_by_name"],
        undone_at=now,
        undone_by=actor.name,
    )
