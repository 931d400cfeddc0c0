"""Reading the PDF report back in tests: its text (pypdf), a key figure, its fonts."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def figure(text: str, label: str) -> str:
    """The value printed right after `label` in the key figures' table."""
    found = re.search(re.escape(label) + r"\s+([^\n]+)", text)
    assert found, f"{label!r} not in the report"
    return found.group(1).strip()


def number(french: str) -> float:
    """A number as the report prints it: decimal comma, spaces between thousands."""
    return float(french.replace("\u00a0", "").replace(" ", "").replace(",", "."))


def assert_fonts_embedded(data: bytes) -> None:
    reader = PdfReader(io.BytesIO(data))
    seen = 0
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                assert descriptor is not None, font["/BaseFont"]
                assert "/FontFile2" in descriptor.get_object(), font["/BaseFont"]
                seen += 1
    assert seen
