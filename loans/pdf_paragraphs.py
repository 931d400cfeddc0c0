"""Paragraphs laid out once per process: the terms are the same words in every convention.

A region's terms are most of a convention's text, and identical in every convention of a
batch (and of a campaign). reportlab parses a paragraph's markup when it is made and breaks
it into lines each time it is wrapped; for the same text, style and width the result is the
same, so `SharedParagraph` keeps both, keyed by those, and reuses them. Only what reportlab
only reads afterwards is shared (parsed fragments, the broken lines); every convention gets
its own flowable objects, so concurrent renderings in threads share no mutable state.
"""

from __future__ import annotations

import threading
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

CACHE_LIMIT = 4_096  # entries per cache: the terms of many regions, well under 100 MB

_lock = threading.Lock()
_frags: dict[tuple[str, str, Any], Any] = {}
_lines: dict[tuple[Any, ...], Any] = {}


def _remember(cache: dict, key: Any, value: Any) -> None:
    with _lock:
        if len(cache) >= CACHE_LIMIT:
            cache.clear()  # rare: simpler than an LRU, and the next batch refills it
        cache[key] = value


def clear_caches() -> None:
    with _lock:
        _frags.clear()
        _lines.clear()


class SharedParagraph(Paragraph):
    """A paragraph whose parsing and line breaking are shared with its identical twins
    (same text, same style, same bullet): use it for the texts every convention repeats."""

    def __init__(
        self, text: str, style: ParagraphStyle, bulletText: Any = None, frags: Any = None, **kw: Any
    ) -> None:
        self._key: tuple[str, str, Any] | None = None
        if frags is not None:  # a piece of a split paragraph (reportlab's call): not shared
            super().__init__(text, style, bulletText=bulletText, frags=frags, **kw)
            return
        key = (text, f"{style.name}@{id(style)}", bulletText)  # our styles live as long
        frags = _frags.get(key)
        super().__init__(text, style, bulletText=bulletText, frags=frags, **kw)
        if frags is None:
            _remember(_frags, key, self.frags)
        self._key = key

    def breakLines(self, width: Any) -> Any:
        if self._key is None:
            return super().breakLines(width)
        key = (*self._key, tuple(width))
        lines = _lines.get(key)
        if lines is None:
            lines = super().breakLines(width)
            _remember(_lines, key, lines)
        return lines
