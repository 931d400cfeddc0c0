"""A region's loan terms, versioned: the default as version 1, a new version per edit with
its author and date, versions never changed, numbers never shared, tenancy."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Actor
from loans import terms_versions
from loans.default_terms import DEFAULT_TERMS_VERSION, default_terms
from loans.tables import TermsVersion
from loans.terms import Heading, Items, Paragraph
from loans.terms_versions import (
    current_terms,
    list_terms_versions,
    publish_terms,
    stored_terms,
    terms_for_agreement,
    terms_version,
)
from tests.factories import NOW, scope_of

LATER = NOW + dt.timedelta(days=30)
MANAGER = Actor(id=7, name="Claire Martin")


def edited(title: str = "Conditions de la Région") -> list:
    return [Heading(title), Paragraph("Le matériel reste à la Région."), Items(["un", "deux"])]


async def publish(world, blocks, persona: str = "manager_24", when: dt.datetime = NOW):
    return await publish_terms(scope_of(world, persona), MANAGER, when, "24", blocks)


# The default ------------------------------------------------------------------------------


async def test_a_region_that_never_edited_reads_the_default_terms_as_version_1(world):
    terms = await current_terms(world.region_ids["24"])
    assert (terms.version, terms.is_default) == (DEFAULT_TERMS_VERSION, True) == (1, True)
    assert terms.blocks == default_terms()
    assert (terms.author_id, terms.created_at) == (None, None)
    assert await TermsVersion.count() == 0  # reading stores nothing


async def test_the_default_terms_are_listed_alone_until_the_first_edit(world):
    listed = await list_terms_versions(scope_of(world, "it_a"), "24")
    assert [(v.version, v.is_default, v.created_at) for v in listed] == [(1, True, None)]
    assert (await terms_version(scope_of(world, "it_a"), "24", 1)).blocks == default_terms()


async def test_a_version_beyond_the_default_does_not_exist_before_the_first_edit(world):
    with pytest.raises(NotFound):
        await terms_version(scope_of(world, "admin"), "24", 2)


# Publishing -------------------------------------------------------------------------------


async def test_the_first_edit_is_version_2_and_stores_the_default_as_version_1(world):
    published = await publish(world, edited())
    assert (published.version, published.is_default) == (2, False)
    assert (published.author_id, published.author_name, published.created_at) == (
        7,
        "Claire Martin",
        NOW,
    )
    listed = await list_terms_versions(scope_of(world, "manager_24"), "24")
    assert [(v.version, v.author_name, v.is_default) for v in listed] == [
        (2, "Claire Martin", False),
        (1, terms_versions.DEFAULT_AUTHOR, True),
    ]
    assert (await stored_terms(world.region_ids["24"], 1)).blocks == default_terms()
    assert (await current_terms(world.region_ids["24"])).blocks == edited()


async def test_every_edit_is_a_new_version_and_the_previous_ones_stay_as_they_were(world):
    await publish(world, edited("Première"))
    await publish(world, edited("Seconde"), when=LATER)
    scope = scope_of(world, "it_b")
    assert (await terms_version(scope, "24", 2)).blocks == edited("Première")
    third = await terms_version(scope, "24", 3)
    assert (third.blocks, third.created_at, third.author_name) == (
        edited("Seconde"),
        LATER,
        "Claire Martin",
    )
    assert [v.version for v in await list_terms_versions(scope, "24")] == [3, 2, 1]
    assert (await current_terms(world.region_ids["24"])).version == 3


async def test_publishing_the_current_text_again_is_refused_as_no_change(world):
    with pytest.raises(Conflict, match="Aucune modification") as refused:
        await publish(world, default_terms())
    assert refused.value.fields.keys() == {"terms"}
    await publish(world, edited())
    with pytest.raises(Conflict, match="version 2"):
        await publish(world, edited())
    assert await TermsVersion.count() == 2


async def test_going_back_to_an_earlier_text_is_a_new_version(world):
    await publish(world, edited())
    back = await publish(world, default_terms())
    assert (back.version, back.is_default) == (3, False)


async def test_invalid_blocks_are_refused_and_nothing_is_written(world):
    with pytest.raises(Invalid) as refused:
        await publish(world, [Heading("Titre"), Paragraph("  ")])
    assert "bloc 2" in refused.value.errors["terms"]
    with pytest.raises(Invalid):
        await publish(world, [])
    assert await TermsVersion.count() == 0


async def test_each_region_numbers_its_own_versions(world):
    await publish(world, edited())
    other = await publish_terms(scope_of(world, "manager_44"), MANAGER, NOW, "44", edited())
    assert other.version == 2
    assert (await current_terms(world.region_ids["24"])).version == 2


@pytest.mark.parametrize("publishes", [2, 8])
async def test_concurrent_publishes_take_distinct_consecutive_versions(world, publishes):
    results = await asyncio.gather(
        *(publish(world, edited(f"Version {n}")) for n in range(publishes)),
        return_exceptions=True,
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    numbers = sorted(r.version for r in results)
    assert numbers == list(range(2, publishes + 2))
    stored = await TermsVersion.select(TermsVersion.version).order_by(TermsVersion.version)
    assert [row["version"] for row in stored] == list(range(1, publishes + 2))


async def test_concurrent_identical_publishes_give_one_version_and_conflicts(world):
    results = await asyncio.gather(
        *(publish(world, edited()) for _ in range(5)), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict"] * 4 + ["TermsVersionView"]
    assert await TermsVersion.count() == 2  # the default and the one edit


# Agreements -------------------------------------------------------------------------------


async def test_an_agreement_made_from_the_default_stores_it_as_version_1_once(world):
    region_id = world.region_ids["24"]
    first = await terms_for_agreement(region_id, NOW)
    again = await terms_for_agreement(region_id, LATER)
    assert (first.version, first.is_default, first.created_at) == (1, True, NOW)
    assert again == first
    assert await TermsVersion.count() == 1
    assert (await publish(world, edited())).version == 2


async def test_concurrent_agreements_on_the_default_store_it_once(world):
    region_id = world.region_ids["24"]
    results = await asyncio.gather(*(terms_for_agreement(region_id, NOW) for _ in range(6)))
    assert {r.version for r in results} == {1}
    assert await TermsVersion.count() == 1


async def test_an_agreement_after_an_edit_gets_the_edited_version(world):
    await publish(world, edited())
    terms = await terms_for_agreement(world.region_ids["24"], LATER)
    assert (terms.version, terms.blocks) == (2, edited())


# Who ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["it_a", "it_b", "head_a", "manager_24", "admin"])
async def test_the_staff_of_the_region_read_its_versions(world, persona):
    scope = scope_of(world, persona)
    assert (await terms_versions.current_terms_of(scope, "24")).version == 1
    assert len(await list_terms_versions(scope, "24")) == 1


async def test_the_versions_of_another_region_are_not_found(world):
    scope = scope_of(world, "manager_44")
    with pytest.raises(NotFound):
        await list_terms_versions(scope, "24")
    with pytest.raises(NotFound):
        await terms_version(scope, "24", 1)
    with pytest.raises(NotFound):
        await terms_versions.current_terms_of(scope, "24")


@pytest.mark.parametrize("persona", ["manager_44", "it_a", "head_a"])
async def test_only_the_regions_manager_or_an_admin_publishes(world, persona):
    with pytest.raises(NotFound):
        await publish(world, edited(), persona=persona)
    assert await TermsVersion.count() == 0


async def test_an_admin_publishes_for_any_region(world):
    assert (await publish(world, edited(), persona="admin")).version == 2
