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
