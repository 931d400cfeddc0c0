"""Font programs made once per process, not once per document.

reportlab embeds in each PDF a TrueType subset of each font it uses: the glyphs the document
uses, numbered in the order it first uses them, then deflated. Making and deflating the two
subsets of a convention is about a fifth of its cost, and two documents whose glyphs were
met in the same order embed exactly the same bytes.

So a convention first reserves its fonts' usual characters, in a fixed order
(`reserve_repertoire`: ASCII, the letters and signs of French), before anything is drawn;
conventions whose texts stay within them (nearly all: names outside it only add glyphs after
it) number their glyphs alike, and their font programs are made and deflated once per
process (`cache_font_programs`), then copied. The cost: a convention embeds the whole
repertoire (about 140 glyphs per face) rather than only the glyphs it prints, a few
kilobytes. The output stays reproducible: the same data still gives the same bytes.
"""

from __future__ import annotations

import functools
import string
import weakref
import zlib
from typing import Any

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC

# Every character the conventions' fixed texts use and the usual ones of names and places.
REPERTOIRE = (
    string.printable[:95]  # digits, ASCII letters, punctuation, space
    + "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ"
    + "«»’‘“”…–—€°§·×\u00a0"
)
PROGRAMS_KEPT = 256  # font programs kept per process: ~30 kB each
TEXTS_KEPT = 32_768  # texts kept encoded per process: a few MB


class _Numbered:
    """The document the cache numbers the repertoire in, as every reserving document does."""


_NUMBERED = _Numbered()


class _Deflated:
    """reportlab's FlateDecode filter for a stream deflated beforehand: the PDF names the
    filter, and there is nothing left to encode."""

    pdfname = "FlateDecode"

    def encode(self, data: bytes) -> bytes:
        return data

    def decode(self, data: bytes) -> bytes:
        return zlib.decompress(data)


_DEFLATED = _Deflated()


@functools.lru_cache(maxsize=PROGRAMS_KEPT)
def _font_program(face: Any, subset: tuple[int, ...]) -> tuple[bytes, int]:
    program = face.makeSubset(list(subset))
    return zlib.compress(program), len(program)


def _add_subset_objects(face: Any, doc: Any, fontname: str, subset: list[int]) -> Any:
    """reportlab's `TTFontFace.addSubsetObjects` (4.x), the font program from the cache."""
    deflated, length = _font_program(face, tuple(subset))
    font_file = pdfdoc.PDFStream()
    font_file.content = deflated if doc.compression else zlib.decompress(deflated)
    font_file.dictionary["Length1"] = length
    if doc.compression:
        font_file.filters = [_DEFLATED]
    reference = doc.Reference(font_file, f"fontFile:{face.filename}({fontname})")
    descriptor = pdfdoc.PDFDictionary(
        {
            "Type": "/FontDescriptor",
            "Ascent": face.ascent,
            "CapHeight": face.capHeight,
            "Descent": face.descent,
            "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
            "FontBBox": pdfdoc.PDFArray(face.bbox),
            "FontName": pdfdoc.PDFName(fontname),
            "ItalicAngle": face.italicAngle,
            "StemV": face.stemV,
            "FontFile2": reference,
            "MissingWidth": face.defaultWidth,
        }
    )
    return doc.Reference(descriptor, "fontDescriptor:" + fontname)


def cache_font_programs(font_names: list[str]) -> None:
    """Make these registered TrueType fonts take their programs from the cache."""
    for name in font_names:
        face = pdfmetrics.getFont(name).face  # type: ignore[attr-defined]
        face.addSubsetObjects = functools.partial(_add_subset_objects, face)


_REPERTOIRE_SET = frozenset(REPERTOIRE)
_reserved: weakref.WeakSet[Any] = weakref.WeakSet()  # documents numbered from the repertoire


@functools.lru_cache(maxsize=TEXTS_KEPT)
def _encoded(font: Any, text: str) -> tuple[tuple[int, bytes], ...]:
    return tuple(font.__class__.splitString(font, text, _NUMBERED))


def _split_string(font: Any, text: str, doc: Any, encoding: str = "utf-8") -> list:
    """reportlab's `TTFont.splitString` (a text as glyph numbers, by subset), taken from the
    cache for a text within the repertoire in a document that reserved it: its glyphs are
    numbered alike in every such document."""
    if doc in _reserved and isinstance(text, str) and _REPERTOIRE_SET.issuperset(text):
        return list(_encoded(font, text))
    return font.__class__.splitString(font, text, doc, encoding)


def cache_encodings(font_names: list[str]) -> None:
    """Make these registered TrueType fonts encode texts through the cache above."""
    for name in font_names:
        font: Any = pdfmetrics.getFont(name)
        font.splitString = functools.partial(_split_string, font)
        font.__class__.splitString(font, REPERTOIRE, _NUMBERED)


def reserve_repertoire(doc: Any, font_names: list[str]) -> None:
    """Number the repertoire's glyphs first in this document (`canvas._doc`), in a fixed
    order, for each of these fonts (only fonts the document draws with: each is embedded)."""
    for name in font_names:
        font: Any = pdfmetrics.getFont(name)
        font.__class__.splitString(font, REPERTOIRE, doc)
    _reserved.add(doc)
