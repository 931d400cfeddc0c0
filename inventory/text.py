"""Which characters text may hold, the same rule for every entrance and both engines.

PostgreSQL cannot store NUL in text where SQLite can; other control characters are stored by
both but mean nothing in a name, a serial or a note, and break CSV exports and pages. So they
are refused where the text comes in. Tab, line feed and carriage return are the exception in
free text (multi-line notes, a CSV cell); a single line (a path, a query value) has none.
"""

from __future__ import annotations

import re

_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_IN_LINE = re.compile("[\x00-\x1f\x7f]")
_NUL_ONLY = re.compile("\x00")


def forbidden_character(text: str, *, single_line: bool = False) -> str | None:
    """The first forbidden character of `text` as U+XXXX, or None."""
    match = (_IN_LINE if single_line else _IN_TEXT).search(text)
    return f"U+{ord(match.group()):04X}" if match else None


def nul_character(text: str) -> str | None:
    """For text typed by a barcode scanner, whose control characters (a GS1 separator) the
    reader itself removes: only NUL, which one engine cannot store, is refused."""
    return "U+0000" if _NUL_ONLY.search(text) else None


def forbidden_character_message(code: str) -> str:
    return f"caractère de contrôle interdit ({code})"
