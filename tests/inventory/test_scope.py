"""Scope.restrict: the one where clause of tenancy, on the columns that place a row."""

from __future__ import annotations

import pytest

from inventory.scope import Scope
from inventory.tables import Asset, Establishment, Region
from tests.factories import UAI_A, UAI_B, UAI_C, World, make_asset, scope_of

PERSONAS = ("admin", "manager_24", "manager_44", "it_a", "it_b", "it_ab", "head_a")
EMPTY = Scope()


@pytest.fixture
async def fleet(world: World) -> World:
    """One asset in each school (A-1, B-1, C-1) and one in region 24's own stock (R-1)."""
    for tag, uai in (("A-1", UAI_A), ("B-1", UAI_B), ("C-1", UAI_C)):
        await make_asset(tag, uai, world.model_id)
    await make_asset("R-1", None, world.model_id, region_code="24")
    return world


async def tags(scope: Scope, region=Asset.region, establishment=Asset.establishment, **options):
    query = Asset.select(Asset.tag).order_by(Asset.tag)
    if (where := scope.restrict(region, establishment, **options)) is not None:
        query = query.where(where)
    return [row["tag"] for row in await query]


async def test_the_platform_scope_restricts_nothing():
    assert Scope.platform().restrict(Asset.region, Asset.establishment) is None
    assert Scope.platform().restrict(Region.id) is None


async def test_an_empty_scope_sees_no_row(fleet):
    assert await tags(EMPTY) == []
    assert await tags(EMPTY, staff_see_region=True) == []
    assert await Region.select().where(EMPTY.restrict(Region.id)) == []


async def test_a_region_manager_sees_every_row_of_their_region(fleet):
    assert await tags(scope_of(fleet, "manager_24")) == ["A-1", "B-1", "R-1"]
    assert await tags(scope_of(fleet, "manager_44")) == ["C-1"]


async def test_establishment_staff_see_only_the_rows_of_their_establishments(fleet):
    assert await tags(scope_of(fleet, "it_a")) == ["A-1"]
    assert await tags(scope_of(fleet, "it_ab")) == ["A-1", "B-1"]


async def test_staff_see_the_rows_of_their_region_when_asked(fleet):
    """`staff_see_region`: the rows of their schools' regions too (as a region's name)."""
    assert await tags(scope_of(fleet, "it_a"), staff_see_region=True) == ["A-1", "B-1", "R-1"]


async def test_a_table_of_regional_rows_is_read_by_managers_and_if_asked_by_staff(fleet):
    async def codes(scope: Scope, **options) -> list[str]:
        query = Region.select(Region.code).order_by(Region.code)
        return [r["code"] for r in await query.where(scope.restrict(Region.id, **options))]

    assert await codes(scope_of(fleet, "manager_24")) == ["24"]
    assert await codes(scope_of(fleet, "it_a")) == []
    assert await codes(scope_of(fleet, "it_a"), staff_see_region=True) == ["24"]


async def test_the_columns_may_be_reached_through_joins(fleet):
    """Placed by their school's region, the region's own stock (no school) is nobody's."""
    manager = scope_of(fleet, "manager_24")
    joined = await tags(manager, Asset.establishment.region, Asset.establishment)
    assert joined == ["A-1", "B-1"]


@pytest.mark.parametrize("persona", PERSONAS)
async def test_the_clause_keeps_exactly_the_rows_sees_establishment_accepts(fleet, persona):
    scope = scope_of(fleet, persona)
    rows = await Establishment.select(Establishment.id, Establishment.region, Establishment.uai)
    expected = sorted(r["uai"] for r in rows if scope.sees_establishment(r["id"], r["region"]))
    query = Establishment.select(Establishment.uai).order_by(Establishment.uai)
    if (where := scope.restrict(Establishment.region, Establishment.id)) is not None:
        query = query.where(where)
    assert [r["uai"] for r in await query] == expected
