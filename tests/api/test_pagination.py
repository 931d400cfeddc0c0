"""The pagination helper shared by the asset list, the loan list and a campaign's to-do table."""

from __future__ import annotations

import dataclasses

import pytest

from api.pages.cursor_pages import CursorPages, page_cursor, rank
from api.pages.formatting import NARROW_NBSP
from api.pages.pagination import Pagination, page_number, page_url
from inventory.errors import Conflict, DomainError, Invalid, NotFound


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        (None, 1),
        ("", 1),
        ("  ", 1),
        ("3", 3),
        (" 2 ", 2),
        ("0", None),
        ("deux", None),
        ("-1", None),
    ],
)
def test_a_page_number_is_a_whole_number_from_one(raw, number):
    assert page_number(raw) == number


def test_an_address_keeps_the_filters_and_leaves_out_page_one_and_empty_values():
    assert page_url("/prets", {"state": "open", "classe": ""}) == "/prets?state=open"
    assert page_url("/prets", {"state": "open"}, 2) == "/prets?state=open&page=2"
    assert page_url("/c/1", {}, 3, "#a-faire") == "/c/1?page=3#a-faire"


def test_a_middle_page_knows_its_rows_and_neighbours():
    pages = Pagination.of(2, 50, 120, 50, "/appareils", {"q": "R24"})
    assert (pages.number, pages.count, pages.first_shown, pages.last_shown) == (2, 3, 51, 100)
    assert pages.previous_url == "/appareils?q=R24"
    assert pages.next_url == "/appareils?q=R24&page=3"
    assert pages.first_url == "/appareils?q=R24"


def test_an_empty_list_is_one_page_with_no_neighbours():
    pages = Pagination.of(1, 50, 0, 0, "/prets", {})
    assert (pages.count, pages.first_shown, pages.previous_url, pages.next_url) == (
        1,
        0,
        None,
        None,
    )


def test_each_domain_error_carries_its_status_and_title():
    assert [(kind.status, kind.title) for kind in (DomainError, NotFound, Conflict, Invalid)] == [
        (400, "Requête invalide"),
        (404, "Introuvable"),
        (409, "Conflit"),
        (422, "Données invalides"),
    ]
    assert Conflict("pris", field="tag").fields == {"tag": "pris"}
    assert Conflict("pris").fields == {}
    assert Invalid({"tag": "vide"}).fields == {"tag": "vide"}


# Lists paged by cursor ----------------------------------------------------------------------


@dataclasses.dataclass
class _Result:
    items: list
    total: int = 12_345
    total_exact: bool = True
    next_cursor: str | None = "N"
    previous_cursor: str | None = "P"


def test_a_page_by_cursor_links_its_neighbours_with_the_filters_and_their_ranks():
    pages = CursorPages.of_result(_Result(items=[1] * 50), 51, 50, "/appareils", {"q": "R24"})
    assert pages.next_url == "/appareils?q=R24&curseur=N&rang=101"
    assert pages.previous_url == "/appareils?q=R24&curseur=P&rang=1"
    assert pages.first_url == "/appareils?q=R24"
    assert pages.shown_text == f"51 à 100 sur 12{NARROW_NBSP}345"


def test_a_count_that_stopped_at_the_cap_says_more_than():
    result = _Result(items=[1] * 50, total=10_000, total_exact=False, previous_cursor=None)
    pages = CursorPages.of_result(result, 1, 50, "/prets", {})
    assert pages.shown_text == f"1 à 50 sur plus de 10{NARROW_NBSP}000"
    assert pages.previous_url is None


@pytest.mark.parametrize("raw", [None, "", "zéro", "0"])
def test_a_rank_the_address_does_not_give_counts_from_the_start(raw):
    assert rank(raw) == 1
    pages = CursorPages.of_result(_Result(items=[1, 2]), rank(raw), 50, "/eleves", {})
    assert pages.shown_text == f"1 à 2 sur 12{NARROW_NBSP}345"
    assert pages.next_url == "/eleves?curseur=N&rang=3"


def test_a_blank_cursor_is_none_and_the_first_page_has_no_previous_link():
    assert page_cursor("  ") is None
    result = _Result(items=[1, 2], previous_cursor=None)
    assert CursorPages.of_result(result, 7, 50, "/eleves", {}).first_shown == 1
