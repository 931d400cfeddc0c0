"""Pages of a long list by cursor (`inventory.keyset`): the addresses of the first, previous
and next pages with the filters kept, and the count line « 1 à 50 sur 12 345 » or « sur plus
de 10 000 » when the count stopped at its cap. The template side is the `cursor_pagination`
macro of `pages/macros/cursor_pagination.html`.

A cursor says where a page starts, not its rank: the rank of its first row travels beside it
(`rang`), for display only, so that a hand-edited one can only change the count line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import urlencode

from api.pages.formatting import number_fr

CURSOR = "curseur"  # the query parameter of a page's address
RANK = "rang"
CURSOR_ERROR = (
    "Lien de page invalide (paramètre « curseur ») : reprenez la liste depuis la première page."
)
_LAST_RANK = 100_000_000


class Listed(Protocol):
    """A page of a list as the use-cases answer it."""

    @property
    def items(self) -> Sequence[Any]: ...
    @property
    def next_cursor(self) -> str | None: ...
    @property
    def previous_cursor(self) -> str | None: ...


def page_cursor(raw: str | None) -> str | None:
    """The cursor of a page address; a bad one is refused by the list itself (400)."""
    return (raw or "").strip() or None


def rank(raw: str | None) -> int:
    """The rank of a page's first row, 1 when absent or not a sensible whole number."""
    text = (raw or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= _LAST_RANK else 1


def _url(path: str, query: Mapping[str, str], extra: dict[str, str], fragment: str) -> str:
    kept = {name: value for name, value in query.items() if value} | extra
    return path + ("?" + urlencode(kept) if kept else "") + fragment


@dataclasses.dataclass(frozen=True)
class CursorPages:
    """Where a page sits in its list: the rows it shows, their count and its neighbours."""

    first_shown: int
    last_shown: int
    total: int
    total_exact: bool
    previous_url: str | None
    next_url: str | None
    first_url: str

    @property
    def total_text(self) -> str:
        return number_fr(self.total) if self.total_exact else f"plus de {number_fr(self.total)}"

    @property
    def shown_text(self) -> str:
        """The count line, as a table caption reads it."""
        return self.label

    @property
    def label(self) -> str:
        """« 1 à 50 sur 12 345 », « 51 à 100 sur plus de 10 000 »."""
        if self.last_shown == 0:
            return f"aucun sur {self.total_text}"
        shown = f"{number_fr(self.first_shown)} à {number_fr(self.last_shown)}"
        return f"{shown} sur {self.total_text}"

    @classmethod
    def of(
        cls,
        listed: Listed,
        *,
        first_rank: int,
        total: int,
        total_exact: bool,
        path: str,
        query: Mapping[str, str],
        per_page: int,
        fragment: str = "",
    ) -> CursorPages:
        """The page `listed`, its first row ranked `first_rank` (as its address said: the
        count line only); `query` keeps the filters."""
        shown = len(listed.items)
        if listed.previous_cursor is None:
            first_rank = 1  # no page before this one: it starts the list
        if total_exact:
            first_rank = min(first_rank, max(1, total - shown + 1))
        previous_rank = str(max(1, first_rank - per_page))
        return cls(
            first_shown=first_rank if shown else 0,
            last_shown=first_rank + shown - 1 if shown else 0,
            total=total,
            total_exact=total_exact,
            previous_url=_url(
                path, query, {CURSOR: listed.previous_cursor, RANK: previous_rank}, fragment
            )
            if listed.previous_cursor
            else None,
            next_url=_url(
                path, query, {CURSOR: listed.next_cursor, RANK: str(first_rank + shown)}, fragment
            )
            if listed.next_cursor
            else None,
            first_url=_url(path, query, {}, fragment),
        )

    @classmethod
    def of_result(
        cls, result, first_rank: int, per_page: int, path: str, query: Mapping[str, str]
    ) -> CursorPages:
        """A page answered with its own count (`total`, `total_exact`), as the lists of
        devices, loans, students and overdue loans are."""
        return cls.of(
            result,
            first_rank=first_rank,
            total=result.total,
            total_exact=result.total_exact,
            path=path,
            query=query,
            per_page=per_page,
        )
