"""Append-only history of assets."""

from __future__ import annotations

import datetime as dt

from inventory.scope import Actor
from inventory.tables import AssetEvent
from inventory.views import AssetEventView


async def record_event(
    asset_id: int,
    actor: Actor,
    now: dt.datetime,
    action: str,
    changes: dict,
    establishment_id: int | None,
) -> None:
    """Write one event. Call it inside the transaction that makes the change."""
    await AssetEvent.insert(
        AssetEvent(
            asset=asset_id,
            at=now,
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            changes=changes,
            establishment_id=establishment_id,
        )
    )


async def events_of(asset_id: int) -> list[AssetEventView]:
    rows = await (
        AssetEvent.select(AssetEvent.at, AssetEvent.actor_name, AssetEvent.action, AssetEvent.changes)
        .where(AssetEvent.asset == asset_id)
        .order_by(AssetEvent.at, ascending=False)
        .order_by(AssetEvent.id, ascending=False)
        .output(load_json=True)
    )
    return [AssetEventView(**row) for row in rows]
