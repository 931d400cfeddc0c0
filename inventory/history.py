"""Append-only history of assets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import msgspec

from inventory.scope import Actor
from inventory.tables import Asset, AssetEvent
from inventory.views import AssetEventView


def jsonable(value):
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def creation_changes(fields: dict) -> dict:
    """A creation event records every filled-in field as `[None, value]`."""
    return {
        key: [None, jsonable(value)] for key, value in fields.items() if value not in (None, "")
    }


def new_event(
    asset_id: int,
    actor: Actor,
    now: dt.datetime,
    action: str,
    changes: dict,
    establishment_id: int | None,
) -> AssetEvent:
    return AssetEvent(
        asset=asset_id,
        at=now,
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        changes=changes,
        establishment_id=establishment_id,
    )


async def record_events(events: Iterable[AssetEvent]) -> None:
    """Write events. Call it inside the transaction that makes the changes."""
    events = list(events)
    if events:
        await AssetEvent.insert(*events)


async def record_event(
    asset_id: int,
    actor: Actor,
    now: dt.datetime,
    action: str,
    changes: dict,
    establishment_id: int | None,
) -> None:
    await record_events([new_event(asset_id, actor, now, action, changes, establishment_id)])


class AssetChange(msgspec.Struct, frozen=True):
    """What one asset's history event says of a change: `{field: [before, after]}`, filed
    under the establishment the asset ends up in."""

    asset_id: int
    changes: dict
    establishment_id: int | None


async def change_assets(
    changes: Sequence[AssetChange], values: dict, actor: Actor, now: dt.datetime, action: str
) -> None:
    """The one writer of an existing asset's columns, and so of `Asset.state` (the loan
    lifecycle, a stocktake's declared losses and an edit of the record all come here): the same
    `values` on every listed asset, then each asset's event. Call it inside the transaction
    that decides the change; with no `values`, only the events are written."""
    if not changes:
        return
    if values:
        ids = [change.asset_id for change in changes]
        await Asset.update({**values, "updated_at": now}).where(Asset.id.is_in(ids))
    await record_events(
        new_event(c.asset_id, actor, now, action, c.changes, c.establishment_id) for c in changes
    )


async def events_of(asset_id: int) -> list[AssetEventView]:
    rows = await (
        AssetEvent.select(
            AssetEvent.at, AssetEvent.actor_name, AssetEvent.action, AssetEvent.changes
        )
        .where(AssetEvent.asset == asset_id)
        # Append order, newest first: `at` is when the request came, which can precede the
        # moment a concurrent change got the lock and was written.
        .order_by(AssetEvent.id, ascending=False)
        .output(load_json=True)
    )
    return [AssetEventView(**row) for row in rows]
