"""Who is acting, and which rows they may see.

Guards in the API decide roles; a Scope decides rows. Every domain query takes one, so that
tenancy holds by construction: a row outside the scope is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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

    def sees_region(self, region_id: int) -> bool:
        return (
            self.everything
            or region_id in self.region_ids
            or region_id in self.establishment_region_ids
        )

    def manages_region(self, region_id: int) -> bool:
        """Whole-region rights: region-wide stock, establishments of the region."""
        return self.everything or region_id in self.region_ids

    def sees_establishment(self, establishment_id: int | None, region_id: int) -> bool:
        return self.manages_region(region_id) or (
            establishment_id is not None and establishment_id in self.establishment_ids
        )
