"""Embedded fonts for the documents ordipret prints, and text made printable with them.

The standard PDF fonts (Helvetica…) are not embedded: how their accents print is left to the
reader's viewer or printer. Bitstream Vera ships with reportlab (no new dependency, a free
licence that allows embedding) and holds every character French needs: é è ê à â ç ô û ù ï
î œ Œ « » ’ “ ” … – — € and the no-break space. reportlab embeds only the glyphs a document
uses (a TrueType subset, /FontFile2), so each PDF carries its own font, a few kilobytes.

Vera lacks the narrow no-break space (U+202F) some French keyboards and word processors put
before « ; : ! ? » and inside « »: it becomes a no-break space. Any other character outside
the font becomes its closest covered letters (NFKD, keeping the accents the font has: ễ
prints ê) or "?", so nothing prints as an empty box.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

import reportlab
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from loans.pdf_font_cache import cache_encodings, cache_font_programs

FONT_DIR = Path(reportlab.__file__).parent / "fonts"
REGULAR, BOLD, ITALIC, BOLD_ITALIC = (
    "OrdipretSans",
    "OrdipretSans-Bold",
    "OrdipretSans-Italic",
    "OrdipretSans-BoldItalic",
)
_FILES = {REGULAR: "Vera.ttf", BOLD: "VeraBd.ttf", ITALIC: "VeraIt.ttf", BOLD_ITALIC: "VeraBI.ttf"}

_REPLACEMENTS = {
    "\u202f": "\u00a0",  # narrow no-break space -> no-break space
    "\u2011": "-",  # non-breaking hyphen
    "\u2212": "-",  # minus sign
}


@cache
def register_fonts() -> str:
    """Register the family once per process (reportlab's registry is global); returns the
    regular face's name. `<b>` and `<i>` in paragraphs pick the matching faces."""
    for name, file in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, ITALIC)
    addMapping(REGULAR, 1, 1, BOLD_ITALIC)
    cache_font_programs(list(_FILES))
    cache_encodings(list(_FILES))
    return REGULAR


@cache
def _covered() -> frozenset[str]:
    register_fonts()
    faces = [pdfmetrics.getFont(name).face for name in _FILES]  # type: ignore[attr-defined]
    common = set.intersection(*(set(face.charToGlyph) for face in faces))
    return frozenset(map(chr, common))


@cache
def _substitute(char: str) -> str:
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    covered = _covered()
    # Keep as many of the accents as the font has a letter for: ễ (e, circumflex, tilde)
    # becomes ê rather than e; ﬁ becomes fi.
    letters: list[str] = []
    for part in unicodedata.normalize("NFKD", char):
        if unicodedata.combining(part) and letters:
            composed = unicodedata.normalize("NFC", letters[-1] + part)
            if len(composed) == 1 and composed in covered:
                letters[-1] = composed
        elif part in covered:
            letters.append(part)
    return "".join(letters) or "?"


def printable(text: str) -> str:
    """`text` with every character the fonts cannot draw replaced (see the module's note)."""
    covered = _covered()
    if covered.issuperset(text):  # the usual case, at C speed
        return text
    return "".join(char if char in covered else _substitute(char) for char in text)
