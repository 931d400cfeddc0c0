"""Finding loans: filters, scope, pages, the open loan of a device, borrowers for the desk, and
what a return receipt shows."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory.errors import Invalid
from inventory.tables import Asset
from loans import lifecycle, listing
from loans.listing import LoanFilters
from loans.tables import Campaign
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    active_loan,
    make_asset,
    make_student,
    scope_of,
)

TODAY = NOW.date()


async def prepared(world, tag: str, student: int, uai: str = UAI_A) -> int:
    await make_asset(tag, uai, world.model_id)
    return await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag=tag, student_id=student, max_open_per_category=3
    )


async def tags(scope, filters=LoanFilters(), today=TODAY, **kwargs) -> list[str]:
    page = await listing.list_loans(scope, filters, today, **kwargs)
    return [loan.asset_tag for loan in page.items]


async def test_it_staff_list_the_loans_of_their_school_only(world):
    await active_loan(world, "A-1", UAI_A, (await make_student("A")).id)
    await active_loan(world, "B-1", UAI_B, (await make_student("B")).id)
    assert await tags(scope_of(world, "it_a")) == ["A-1"]
    assert await tags(scope_of(world, "it_ab")) == ["B-1", "A-1"]


async def test_a_region_manager_lists_the_whole_region_and_nothing_of_another(world):
    await active_loan(world, "A-1", UAI_A, (await make_student("A")).id)
    await active_loan(world, "B-1", UAI_B, (await make_student("B")).id)
    assert sorted(await tags(scope_of(world, "manager_24"))) == ["A-1", "B-1"]
    assert await tags(scope_of(world, "manager_44")) == []


async def test_loans_are_listed_newest_first_page_by_page(world):
    for n in range(5):
        await prepared(world, f"A-{n}", (await make_student()).id)
    page = await listing.list_loans(PLATFORM, LoanFilters(), TODAY, limit=2, offset=2)
    assert (page.total, [loan.asset_tag for loan in page.items]) == (5, ["A-2", "A-1"])


async def test_the_state_filter_takes_one_state_or_every_open_one(world):
    student = (await make_student()).id
    await active_loan(world, "A-1", UAI_A, student)
    awaiting = await prepared(world, "A-2", student)
    cancelled = await prepared(world, "A-3", student)
    await lifecycle.cancel(PLATFORM, ACTOR, NOW, cancelled)
    assert await tags(PLATFORM, LoanFilters(state="active")) == ["A-1"]
    assert await tags(PLATFORM, LoanFilters(state="cancelled")) == ["A-3"]
    assert await tags(PLATFORM, LoanFilters(state="open")) == ["A-2", "A-1"]
    assert awaiting


async def test_pending_means_prepared_and_not_handed_over_yet_drafts_included(world):
    student = (await make_student()).id
    await active_loan(world, "A-1", UAI_A, student)
    await prepared(world, "A-2", student)
    await make_asset("A-3", UAI_A, world.model_id)
    await lifecycle.prepare_loan(
        PLATFORM,
        ACTOR,
        NOW,
        asset_tag="A-3",
        student_id=student,
        max_open_per_category=3,
        draft=True,
    )
    assert await tags(PLATFORM, LoanFilters(state="pending")) == ["A-3", "A-2"]
    with pytest.raises(Invalid):
        await tags(PLATFORM, LoanFilters(state="pending", overdue=True))


async def test_ended_loans_are_found_by_period_condition_and_model(world):
    returned = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    later = NOW + dt.timedelta(days=10)
    await lifecycle.take_back(
        PLATFORM, ACTOR, later, returned, accessories_returned=[], condition="C"
    )
    await active_loan(world, "A-2", UAI_A, (await make_student()).id)
    in_period = LoanFilters(ended_from=later, ended_before=later + dt.timedelta(days=1))
    assert await tags(PLATFORM, in_period) == ["A-1"]
    assert await tags(PLATFORM, LoanFilters(ended_before=later)) == []
    assert await tags(PLATFORM, LoanFilters(return_condition="C")) == ["A-1"]
    assert await tags(PLATFORM, LoanFilters(return_condition="A")) == []
    assert await tags(PLATFORM, LoanFilters(model_id=world.model_id)) == ["A-2", "A-1"]
    assert await tags(PLATFORM, LoanFilters(model_id=world.model_id + 1)) == []
    with pytest.raises(Invalid):
        await tags(PLATFORM, LoanFilters(return_condition="Z"))


async def test_overdue_means_still_with_the_student_after_the_due_day(world):
    student = (await make_student()).id
    await active_loan(world, "A-1", UAI_A, student)  # due 4 July 2027
    returned = await active_loan(world, "A-2", UAI_A, (await make_student()).id)
    await lifecycle.take_back(
        PLATFORM, ACTOR, NOW, returned, accessories_returned=[], condition="A"
    )
    assert await tags(PLATFORM, LoanFilters(overdue=True), today=dt.date(2027, 7, 4)) == []
    overdue = await listing.list_loans(PLATFORM, LoanFilters(overdue=True), dt.date(2027, 7, 5))
    assert [(loan.asset_tag, loan.overdue) for loan in overdue.items] == [("A-1", True)]


async def test_overdue_loans_come_longest_overdue_first(world):
    for tag, due in (("A-1", dt.date(2026, 9, 20)), ("A-2", dt.date(2026, 9, 10))):
        loan_id = await prepared(world, tag, (await make_student()).id)
        await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan_id, TODAY)
        await lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan_id, [], due)
    assert await tags(PLATFORM, LoanFilters(overdue=True), today=dt.date(2026, 10, 1)) == [
        "A-2",
        "A-1",
    ]


async def test_filters_by_student_school_class_device_and_campaign(world):
    first = (await make_student(class_name="1G2")).id
    second = (await make_student(class_name="2NDE3")).id
    await prepared(world, "A-1", first)
    await prepared(world, "A-2", second)
    await prepared(world, "B-1", (await make_student("B")).id, UAI_B)
    campaign = await Campaign.insert(
        Campaign(
            establishment=world.establishment_ids["A"],
            kind="distribution",
            name="Rentrée 2026",
            starts_on=TODAY,
            created_at=NOW,
            created_by="test",
        )
    ).returning(Campaign.id)
    await make_asset("A-3", UAI_A, world.model_id)
    await lifecycle.prepare_loan(
        PLATFORM,
        ACTOR,
        NOW,
        asset_tag="A-3",
        student_id=first,
        max_open_per_category=3,
        campaign_id=campaign[0]["id"],
    )
    assert await tags(PLATFORM, LoanFilters(student_id=first)) == ["A-3", "A-1"]
    assert await tags(PLATFORM, LoanFilters(establishment_uai=UAI_B.lower())) == ["B-1"]
    assert await tags(PLATFORM, LoanFilters(class_name="2nde 3")) == ["B-1", "A-2"]
    assert await tags(PLATFORM, LoanFilters(asset_tag="a-2")) == ["A-2"]
    assert await tags(PLATFORM, LoanFilters(campaign_id=campaign[0]["id"])) == ["A-3"]


@pytest.mark.parametrize(
    ("filters", "limit", "offset", "field"),
    [
        (LoanFilters(state="borrowed"), 50, 0, "state"),
        (LoanFilters(state="returned", overdue=True), 50, 0, "overdue"),
        (LoanFilters(), 0, 0, "limit"),
        (LoanFilters(), 501, 0, "limit"),
        (LoanFilters(), 50, -1, "offset"),
    ],
)
async def test_a_wrong_filter_is_named(world, filters, limit, offset, field):
    with pytest.raises(Invalid) as refused:
        await listing.list_loans(PLATFORM, filters, TODAY, limit=limit, offset=offset)
    assert field in refused.value.errors


# The open loan of a device -------------------------------------------------------------------


async def _asset_id(tag: str) -> int:
    return (await Asset.select(Asset.id).where(Asset.tag == tag).first())["id"]


async def test_the_open_loan_of_a_device_is_found_until_it_is_returned(world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    asset_id = await _asset_id("A-1")
    found = await listing.open_loan_for_asset(scope_of(world, "it_a"), asset_id, TODAY)
    assert (found.id, found.state) == (loan_id, "active")
    await lifecycle.take_back(PLATFORM, ACTOR, NOW, loan_id, accessories_returned=[], condition="A")
    assert await listing.open_loan_for_asset(PLATFORM, asset_id) is None


async def test_the_open_loan_of_another_schools_device_is_not_shown(world):
    await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    assert (
        await listing.open_loan_for_asset(scope_of(world, "it_b"), await _asset_id("A-1")) is None
    )
    assert await listing.open_loan_for_tag(scope_of(world, "it_b"), "A-1") is None
    assert (
        await listing.open_loan_for_tag(scope_of(world, "manager_24"), "a-1")
    ).asset_tag == "A-1"


async def test_a_device_never_lent_has_no_open_loan(world):
    await make_asset("A-1", UAI_A, world.model_id)
    assert await listing.open_loan_for_tag(PLATFORM, "A-1") is None


# Borrowers for the desk -------------------------------------------------------------------------


async def test_a_scanned_ent_identifier_designates_that_student_alone(world):
    wanted = (await make_student(ent_id="ent-4242", last_name="Durand")).id
    await make_student(last_name="Durand")
    found = await listing.find_borrowers(scope_of(world, "it_a"), UAI_A, " ent-4242 ")
    assert [s.id for s in found] == [wanted]


async def test_borrowers_are_found_by_the_start_of_their_name_or_by_their_class(world):
    durand = (await make_student(last_name="Durand", class_name="1G2")).id
    dupont = (await make_student(last_name="Dupont", class_name="2NDE3")).id
    scope = scope_of(world, "it_a")
    assert {s.id for s in await listing.find_borrowers(scope, UAI_A, "du")} == {durand, dupont}
    assert [s.id for s in await listing.find_borrowers(scope, UAI_A, "1g 2")] == [durand]


async def test_borrowers_exclude_students_who_left_and_those_of_other_schools(world):
    await make_student(last_name="Martin", left_on=dt.date(2026, 7, 1))
    await make_student("B", last_name="Martin")
    assert await listing.find_borrowers(scope_of(world, "it_ab"), UAI_A, "martin") == []
    assert await listing.find_borrowers(scope_of(world, "it_b"), UAI_A, "martin") == []


async def test_an_empty_search_finds_nobody(world):
    await make_student()
    assert await listing.find_borrowers(PLATFORM, UAI_A, "   ") == []


# The return receipt ------------------------------------------------------------------------------


async def test_the_receipt_tells_what_came_back_and_where_the_device_went(world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    assert await listing.return_receipt(PLATFORM, loan_id, TODAY) is None
    await lifecycle.take_back(PLATFORM, ACTOR, NOW, loan_id, accessories_returned=[], condition="D")
    receipt = await listing.return_receipt(scope_of(world, "it_a"), loan_id, TODAY)
    assert (receipt.device_state, receipt.received_by, receipt.photo_count) == (
        "in_repair",
        ACTOR.name,
        0,
    )
    assert receipt.loan.missing_accessories == ["chargeur"]


async def test_the_receipt_of_a_good_return_says_back_in_stock(world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    await lifecycle.take_back(
        PLATFORM, ACTOR, NOW, loan_id, accessories_returned=["chargeur"], condition="A"
    )
    assert (await listing.return_receipt(PLATFORM, loan_id, TODAY)).device_state == "in_stock"
