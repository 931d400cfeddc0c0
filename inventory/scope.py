"""Who is acting, and which rows they may see.

Guards in the API decide roles; a Scope decides rows. Every domain query takes one, so that
tenancy holds by construction: a row outside the scope is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from piccolo.columns import Column
from piccolo.columns.combination import Or


@dataclass(frozen=True, slots=True)
class Actor:
    """A snapshot of who did something, kept in history rows."""

    id: int | None
    name: str


SYSTEM = Actor(id=None, name="système")


@dataclass(frozen=True, slots=True)
class Scope:
    everything: bool = False
    region_ids: frozenset[int] = field(default_factory=frozenset)
    establishment_ids: frozenset[int] = field(default_factory=frozenset)
    # Regions of the establishments above: staff of a school may read its region's name.
    establishment_region_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def platform(cls) -> Scope:
        return cls(everything=True)

    @classmethod
    def region(cls, region_id: int) -> Scope:
        return cls(region_ids=frozenset({region_id}))

    @classmethod
    def establishments(cls, ids: dict[int, int]) -> Scope:
        """`ids` maps establishment id -> its region id."""
        return cls(
            establishment_ids=frozenset(ids),
            establishment_region_ids=frozenset(ids.values()),
        )

    @property
    def seen_region_ids(self) -> frozenset[int]:
        """Regions whose own rows (name, blank labels) the scope may read: those it manages
        and those of its establishments."""
        return self.region_ids | self.establishment_region_ids

    def sees_region(self, region_id: int) -> bool:
        return self.everything or region_id in self.seen_region_ids

    def manages_region(self, region_id: int) -> bool:
        """Whole-region rights: region-wide stock, establishments of the region."""
        return self.everything or region_id in self.region_ids

    def sees_establishment(self, establishment_id: int | None, region_id: int) -> bool:
        return self.manages_region(region_id) or (
            establishment_id is not None and establishment_id in self.establishment_ids
        )

    def restrict(
        self, region: Column, establishment: Column | None = None, *, staff_see_region: bool = False
    ):
        """The rows of a query the scope may see, as a Piccolo where clause; None: every row.

        `region` and `establishment` are the columns of the query's table that place a row,
        possibly through joins (`Loan.establishment.region`, `Loan.establishment`). A region
        manager sees every row whose region is theirs; establishment staff the rows whose
        establishment is theirs. A table of regional rows only passes no `establishment`.
        `staff_see_region` lets establishment staff see every row of their schools' regions
        too (a region's own row: staff may read its name). An empty scope sees nothing.

        The query version of `sees_establishment` (or of `sees_region` with
        `staff_see_region`, or `manages_region` for a table of regional rows)."""
        if self.everything:
            return None
        region_ids = self.seen_region_ids if staff_see_region else self.region_ids
        clauses = []
        if region_ids:
            clauses.append(region.is_in(sorted(region_ids)))
        if establishment is not None and self.establishment_ids:
            clauses.append(establishment.is_in(sorted(self.establishment_ids)))
        if not clauses:
            return _nothing(region)
        return clauses[0] if len(clauses) == 1 else Or(clauses[0], clauses[1])


def _nothing(column: Column):
    """A clause no row matches, on the primary key of the query's own table (no join)."""
    chain = column._meta.call_chain
    table = chain[0]._meta.table if chain else column._meta.table
    return table._meta.primary_key == -1
