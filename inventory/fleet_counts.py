"""How many devices an establishment holds, status by status: lent (an open loan, see
`inventory.lending`) then each stored state of the devices not lent. Two grouped queries; the
counts add up to the list filtered by the same status (`/appareils?state=...`)."""

from __future__ import annotations

from piccolo.query.functions.aggregate import Count

from inventory.assets import STATUSES
from inventory.lending import LENT, lent_clause, not_lent_clause
from inventory.regions import establishment_row
from inventory.scope import Scope
from inventory.tables import Asset

# A ceded device was given to its student: it left the fleet, its history stays.
LEFT_FLEET = frozenset({"ceded"})


def fleet_total(counts: dict[str, int]) -> int:
    """Devices the establishment still holds for the region, whatever their state."""
    return sum(n for state, n in counts.items() if state not in LEFT_FLEET)


async def count_by_state(scope: Scope, establishment_uai: str) -> dict[str, int]:
    """Every status of `STATUSES` ("lent" first, then the states), in that order, with its
    number of assets (0 included). NotFound when the establishment is outside the scope."""
    establishment = await establishment_row(scope, establishment_uai)
    where = scope.restrict(Asset.region, Asset.establishment)

    def grouped(lent):
        query = Asset.select(Asset.state, Count(alias="n")).where(
            Asset.establishment == establishment["id"], lent
        )
        return (query.where(where) if where is not None else query).group_by(Asset.state)

    found = {row["state"]: row["n"] for row in await grouped(not_lent_clause())}
    found[LENT] = sum(row["n"] for row in await grouped(lent_clause()))
    counts = {status: found.pop(status, 0) for status in STATUSES}
    counts.update(found)  # a state unknown to this version still counts
    return counts
