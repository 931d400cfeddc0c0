"""The PDF report's furniture: French numbers and dates, its paragraph styles, the key
figures' table and the data tables (a header repeated on every page a long table runs on:
a region's 150 establishments take several pages).

Cells are plain strings drawn in the embedded font, except text that may be long (names),
which wraps as a paragraph.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from loans import pdf_pages
from loans.pdf_fonts import BOLD, REGULAR, printable


def count(n: int) -> str:
    """1 234 567: thousands grouped by a (narrow, printed as plain) no-break space."""
    return f"{n:,}".replace(",", "\u00a0")


def decimal(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".").replace(".", ",") or "0"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{decimal(rate, 1)}\u00a0%"


def day(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    base = pdf_pages.styles()
    return {
        **base,
        "cover": ParagraphStyle(
            "cover", base["body"], fontName=BOLD, fontSize=13, leading=17, alignment=TA_CENTER
        ),
        "subsection": ParagraphStyle(
            "subsection", base["body"], fontName=BOLD, fontSize=10, spaceBefore=6, spaceAfter=3
        ),
        "tiny": ParagraphStyle("tiny", base["body"], fontSize=7, leading=8.5, spaceAfter=0),
    }


def para(value: str, style: str = "body") -> Paragraph:
    return Paragraph(pdf_pages.text(value), styles()[style])


def key_figures(rows: Sequence[tuple[str, str]]) -> Table:
    return pdf_pages.facts(rows, label_width=80 * mm)


def place_columns() -> list[str]:
    return ["Rég.", "UAI", "Établissement"]


def place_cells(region: str, uai: str | None, name: str) -> list[object]:
    return [region, uai or "", para(name, "tiny")]


def grid(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths_mm: Sequence[float],
    *,
    small: bool = False,
) -> Table:
    """A data table: a shaded header repeated on each page, numbers aligned right (every
    column after the first that holds text), the font embedded."""
    size = 7 if small else 8.5
    head = [Paragraph(pdf_pages.text(h), styles()["tiny" if small else "label"]) for h in header]
    body = [[printable(c) if isinstance(c, str) else c for c in row] for row in rows]
    table = Table([head, *body], colWidths=[w * mm for w in widths_mm], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("FONTSIZE", (0, 0), (-1, -1), size),
                ("LEADING", (0, 0), (-1, -1), size + 2),
                ("GRID", (0, 0), (-1, -1), 0.4, pdf_pages.GRID),
                ("BACKGROUND", (0, 0), (-1, 0), pdf_pages.SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (_first_number(rows), 1), (-1, -1), "RIGHT"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _first_number(rows: Sequence[Sequence[object]]) -> int:
    """The first of the last columns whose cells all read as numbers (right-aligned)."""
    if not rows:
        return 1
    first = len(rows[0])
    while first > 1 and all(_numeric(r[first - 1]) for r in rows):
        first -= 1
    return first


def _numeric(cell: object) -> bool:
    if not isinstance(cell, str):
        return False
    stripped = cell.replace("\u00a0", "").replace(",", "").replace("%", "").replace("/", "")
    return stripped.replace(" ", "").replace("—", "0").isdigit()
