"""Moving a scanned device into a location: what the scanner typed designates the device (its
label, inventory number or serial, as on /scan), then inventory moves it, with its event."""

from __future__ import annotations

import datetime as dt

from inventory.errors import Invalid
from inventory.locations import Move, move_asset
from inventory.scope import Actor, Scope
from labels.scan import resolve_scan


async def move_scanned(
    scope: Scope, actor: Actor, now: dt.datetime, location_id: int, raw: str
) -> Move:
    """Raises Invalid / NotFound / Conflict naming `code`, as the scan does; a blank label
    designates no device and is refused."""
    found = await resolve_scan(scope, raw)
    if found.asset is None:
        raise Invalid(
            {
                "code": f"l'étiquette {found.unbound_code} n'est collée sur aucun appareil : "
                "associez-la d'abord depuis la page Scanner"
            }
        )
    return await move_asset(scope, actor, now, location_id, found.asset.tag)
