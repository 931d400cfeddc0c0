"""Long lists shown a page at a time: reading the page number, the rows to fetch, and the
addresses of the neighbouring pages with the filters kept. The template side is the
`pagination` macro of `pages/macros/pagination.html`.

Long lists page by cursor (`CursorPagination`, the `cursor_pagination` macro): a page's
address carries the position of its first row (inventory/keyset.py), so that the thousandth
page costs what the first does; the page number-based `Pagination` stays for short lists."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from urllib.parse import urlencode

from api.pages.formatting import number_fr

PAGE_NUMBER_ERROR = "Numéro de page invalide : un nombre entier à partir de 1 est attendu."
# Far beyond any list, and (page - 1) * 50 still fits PostgreSQL's 32-bit integers.
_LAST_PAGE = 9_999_999


def page_number(raw: str | None) -> int | None:
    """1 when absent or blank, None when not a whole number from 1."""
    text = (raw or "").strip()
    if not text:
        return 1
    return int(text) if text.isdigit() and 0 < int(text) <= _LAST_PAGE else None


def offset(number: int, per_page: int) -> int:
    """How many rows come before page `number`."""
    return (number - 1) * per_page


def page_url(path: str, query: Mapping[str, str], number: int = 1, fragment: str = "") -> str:
    """The address of one page; empty parameters and page 1 are left out to keep it short."""
    kept = {name: value for name, value in query.items() if value}
    if number > 1:
        kept["page"] = str(number)
    return path + ("?" + urlencode(kept) if kept else "") + fragment


@dataclasses.dataclass(frozen=True)
class Pagination:
    """Where a page sits in its list: its rank, the rows it shows and its neighbours."""

    number: int
    count: int
    first_shown: int
    last_shown: int
    previous_url: str | None
    next_url: str | None
    first_url: str

    @classmethod
    def of(
        cls,
        number: int,
        per_page: int,
        total: int,
        shown: int,
        path: str,
        query: Mapping[str, str],
        fragment: str = "",
    ) -> Pagination:
        """Page `number` of `total` rows, `shown` of them on it; `query` keeps the filters."""
        count = max(1, -(-total // per_page))
        start = offset(number, per_page)

        def url(rank: int) -> str:
            return page_url(path, query, rank, fragment)

        return cls(
            number=number,
            count=count,
            first_shown=min(start + 1, total),
            last_shown=start + shown,
            previous_url=url(number - 1) if number > 1 else None,
            next_url=url(number + 1) if number < count else None,
            first_url=url(1),
        )


CURSOR = "cursor"  # the page's position, as the API's parameter
RANK = "rang"  # the rank of the page's first row: shown only ("51 à 100"), never trusted


def page_cursor(raw: str | None) -> str | None:
    """The cursor of a page address; a bad one is refused by the list itself (400)."""
    return (raw or "").strip() or None


def page_rank(raw: str | None, cursor: str | None) -> int | None:
    """The rank of the first row shown: 1 without a cursor, None when unknown."""
    if cursor is None:
        return 1
    text = (raw or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= _LAST_PAGE * 500 else None


def cursor_url(path: str, query: Mapping[str, str], cursor: str, rank: int | None) -> str:
    moved = {**query, CURSOR: cursor}
    if rank is not None:
        moved[RANK] = str(rank)
    return page_url(path, moved)


@dataclasses.dataclass(frozen=True)
class CursorPagination:
    """A page of a list paged by cursor: the rows it shows, its count, its neighbours."""

    first_shown: int | None  # None when the address did not say (a hand-made one)
    last_shown: int | None
    total: int
    total_exact: bool
    previous_url: str | None
    next_url: str | None
    first_url: str

    @classmethod
    def of(cls, result, rank: int | None, per_page: int, path: str, query: Mapping[str, str]):
        """`result` has `items`, `total`, `total_exact`, `next_cursor`, `previous_cursor`;
        `query` keeps the filters (without the cursor)."""
        shown = len(result.items)
        previous_rank = max(1, rank - per_page) if rank is not None else None
        return cls(
            first_shown=rank if rank is not None and shown else None,
            last_shown=rank + shown - 1 if rank is not None and shown else None,
            total=result.total,
            total_exact=result.total_exact,
            previous_url=(
                cursor_url(path, query, result.previous_cursor, previous_rank)
                if result.previous_cursor
                else None
            ),
            next_url=(
                cursor_url(path, query, result.next_cursor, rank + shown if rank else None)
                if result.next_cursor
                else None
            ),
            first_url=page_url(path, query),
        )

    @property
    def of_total(self) -> str:
        """« sur 12 345 », or « sur plus de 10 000 » when the count stopped there."""
        if self.total_exact:
            return f"sur {number_fr(self.total)}"
        return f"sur plus de {number_fr(self.total)}"

    @property
    def shown_text(self) -> str:
        """« 51 à 100 sur 12 345 » (« sur plus de 10 000 »); without the ranks when the
        address did not give them."""
        if self.first_shown is None:
            return self.of_total
        return f"{number_fr(self.first_shown)} à {number_fr(self.last_shown or 0)} {self.of_total}"
