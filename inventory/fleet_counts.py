"""How many devices an establishment holds, state by state, in one grouped query."""

from __future__ import annotations

from piccolo.query.functions.aggregate import Count

from inventory.assets import STATES
from inventory.regions import establishment_row
from inventory.scope import Scope
from inventory.tables import Asset

# A ceded device was given to its student: it left the fleet, its history stays.
LEFT_FLEET = frozenset({"ceded"})


def fleet_total(counts: dict[str, int]) -> int:
    """Devices the establishment still holds for the region, whatever their state."""
    return sum(n for state, n in counts.items() if state not in LEFT_FLEET)


async def count_by_state(scope: Scope, establishment_uai: str) -> dict[str, int]:
    """Every state of `STATES`, in that order, with its number of assets (0 included).
    NotFound when the establishment is outside the scope."""
    establishment = await establishment_row(scope, establishment_uai)
    query = (
        Asset.select(Asset.state, Count(alias="n"))
        .where(Asset.establishment == establishment["id"])
        .group_by(Asset.state)
    )
    if (where := scope.restrict(Asset.region, Asset.establishment)) is not None:
        query = query.where(where)
    found = {row["state"]: row["n"] for row in await query}
    counts = {state: found.pop(state, 0) for state in STATES}
    counts.update(found)  # a state unknown to this version still counts
    return counts
