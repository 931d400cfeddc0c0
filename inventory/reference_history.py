"""Append-only history of reference data: regions, establishments, device models.

Written in the transaction of each change, with an actor snapshot and `{field: [before,
after]}`. A caller without a clock of its own (fixtures, seeding) passes no `now`: the column's
default stamps the row, so that no change goes unrecorded.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from inventory.history import jsonable
from inventory.scope import SYSTEM, Actor, Scope
from inventory.tables import ReferenceEvent

REGION, ESTABLISHMENT, DEVICE_MODEL = "region", "establishment", "device_model"


class ReferenceEventView(msgspec.Struct, frozen=True):
    at: dt.datetime
    actor_name: str
    action: str
    changes: dict[str, list[object]]


def differences(before: dict, after: dict) -> dict[str, list[object]]:
    """The fields whose value changed, as `[before, after]`."""
    return {
        key: [jsonable(before.get(key)), jsonable(value)]
        for key, value in after.items()
        if before.get(key) != value
    }


async def record(
    subject: str,
    key: str,
    region_id: int | None,
    action: str,
    changes: dict,
    actor: Actor | None,
    now: dt.datetime | None,
) -> None:
    if not changes:
        return
    actor = actor or SYSTEM
    event = ReferenceEvent(
        actor_id=actor.id,
        actor_name=actor.name,
        subject=subject,
        subject_key=key,
        region_id=region_id,
        action=action,
        changes={k: [jsonable(a), jsonable(b)] for k, (a, b) in changes.items()},
    )
    if now is not None:
        event.at = now
    await ReferenceEvent.insert(event)


async def reference_events(
    scope: Scope, subject: str, key: str, region_id: int | None, *, limit: int = 50
) -> list[ReferenceEventView]:
    """Newest first. A region's rows (its own, its establishments') are read by those who
    manage it; the shared catalogue's by everyone."""
    if region_id is not None and not scope.manages_region(region_id):
        return []
    rows = await (
        ReferenceEvent.select(
            ReferenceEvent.at,
            ReferenceEvent.actor_name,
            ReferenceEvent.action,
            ReferenceEvent.changes,
        )
        .where((ReferenceEvent.subject == subject) & (ReferenceEvent.subject_key == key))
        .order_by(ReferenceEvent.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )
    return [ReferenceEventView(**row) for row in rows]
