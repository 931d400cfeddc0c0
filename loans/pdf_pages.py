"""Small A4 documents (a return receipt, the signature and evidence pages of a sealed record):
the embedded fonts, a footer on every page, and the same bytes for the same data.

The convention itself has its own page furniture (`loans.agreement_canvas`: a QR code on
every page); these documents only need a line at the bottom of each page, so they share this
simpler builder.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from labels.qr import QrMatrix, qr_matrix
from loans.minors import PARIS
from loans.pdf_fonts import BOLD, REGULAR, printable, register_fonts

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN  # of the text frame
GRID = colors.Color(0.6, 0.6, 0.6)
SHADE = colors.Color(0.93, 0.93, 0.93)
QUIET_ZONE = 4  # light modules the QR standard asks for around the symbol


def paris_minute(moment: datetime) -> str:
    """JJ/MM/AAAA HH:MM in Europe/Paris."""
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def text(value: str) -> str:
    """Data as paragraph markup: characters the fonts lack replaced, markup escaped."""
    return escape(printable(value))


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=13.5, spaceAfter=4)
    return {
        "body": body,
        "title": ParagraphStyle(
            "title", body, fontName=BOLD, fontSize=16, leading=20, alignment=TA_CENTER
        ),
        "meta": ParagraphStyle("meta", body, fontSize=9, alignment=TA_CENTER, spaceAfter=10),
        "section": ParagraphStyle(
            "section", body, fontName=BOLD, fontSize=12, leading=15, spaceBefore=8, spaceAfter=4
        ),
        "cell": ParagraphStyle("cell", body, fontSize=9, leading=11.5, spaceAfter=0),
        "label": ParagraphStyle("label", body, fontName=BOLD, fontSize=9, leading=11.5),
        "small": ParagraphStyle("small", body, fontSize=8, leading=10.5),
        # A SHA-256 in hex (64 characters) on one line of the value column of `facts`.
        "hash": ParagraphStyle("hash", body, fontSize=7.5, leading=11.5, spaceAfter=0),
    }


def para(value: str, style: str = "body") -> Paragraph:
    return Paragraph(text(value), styles()[style])


def facts(rows: Sequence[tuple[str, str | Flowable]], label_width: float = 48 * mm) -> Table:
    """A two-column table: a shaded label, then its value (data, escaped; or a flowable)."""
    cells = [
        [
            Paragraph(text(label), styles()["label"]),
            value if isinstance(value, Flowable) else Paragraph(text(value), styles()["cell"]),
        ]
        for label, value in rows
    ]
    return table(
        cells,
        [label_width, WIDTH - label_width],
        [
            ("GRID", (0, 0), (-1, -1), 0.5, GRID),
            ("BACKGROUND", (0, 0), (0, -1), SHADE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ],
    )


def table(rows: Sequence[list[Any]], widths: list[float], style: list[Any]) -> Table:
    # A table sets its cells' font even when every cell is a paragraph: name ours, or
    # reportlab names Helvetica, a standard font that is not embedded.
    built = Table(rows, colWidths=widths, hAlign="LEFT")
    built.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR), *style]))
    return built


class Box(Flowable):
    """An empty frame, to sign in by hand."""

    def __init__(self, width: float, height: float) -> None:
        super().__init__()
        self.width, self.height = width, height

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setLineWidth(0.8)
        self.canv.setStrokeGray(0)
        self.canv.rect(0, 0, self.width, self.height)


def qr_path(qr: QrMatrix, x: float, y: float, side: float) -> str:
    """The symbol as one PDF path in a module-unit coordinate system, y downwards from its
    top-left corner (like the matrix): each horizontal run is `col row length 1 re`."""
    module = side / (qr.size + 2 * QUIET_ZONE)
    left, top = x + QUIET_ZONE * module, y + side - QUIET_ZONE * module
    runs = "".join(f"{c} {r} {n} 1 re\n" for r, c, n in qr.dark_runs())
    return f"q 0 g {module:.4f} 0 0 {-module:.4f} {left:.3f} {top:.3f} cm\n{runs}f Q"


class QrCode(Flowable):
    """A QR code of `text` as vector rectangles, `side` wide with its quiet zone."""

    def __init__(self, text: str, side: float) -> None:
        super().__init__()
        self.qr = qr_matrix(text)
        self.width = self.height = side

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.addLiteral(qr_path(self.qr, 0, 0, self.width))


class _Stamp:
    """The creation date reportlab writes in the Info dictionary, taken from the data rather
    than the clock (with `invariant`: same data, same bytes)."""

    def __init__(self, moment: datetime) -> None:
        self.YMDhms = (moment.year, moment.month, moment.day, moment.hour, moment.minute, 0)
        self.dhh = self.dmm = 0
        self.tzname = "UTC"
        self.t = 0.0


class _FooterCanvas(Canvas):
    def __init__(
        self, *args: Any, footer: str, issued: datetime, title: str, first_page: int, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self._footer = printable(footer)
        self._first_page = first_page
        self._doc._timeStamp = _Stamp(issued)  # type: ignore[attr-defined]
        self.setTitle(printable(title))
        self.setAuthor("ordipret")
        self.setCreator("ordipret")
        self.setSubject(printable(title))

    def showPage(self) -> None:
        width = self._pagesize[0]  # type: ignore[attr-defined]
        self.setStrokeGray(0.6)
        self.setLineWidth(0.5)
        self.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
        self.setFillGray(0)
        self.setFont(REGULAR, 7.5)
        self.drawString(MARGIN, 10 * mm, self._footer)
        self.drawRightString(
            width - MARGIN, 10 * mm, f"Page {self.getPageNumber() + self._first_page - 1}"
        )
        super().showPage()

    def save(self) -> None:
        # Compressed streams without ASCII85, as the conventions and labels are written.
        saved = rl_config.useA85
        rl_config.useA85 = 0
        try:
            super().save()
        finally:
            rl_config.useA85 = saved


def build(
    flowables: list[Flowable], *, title: str, footer: str, issued: datetime, first_page: int = 1
) -> bytes:
    """An A4 PDF of `flowables`, `footer` and the page number (from `first_page`, for pages
    that follow others) at the bottom of each page; `issued` is written as the creation date
    (an aware datetime, read in UTC)."""
    register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        invariant=1,
        pageCompression=1,
        initialFontName=REGULAR,  # else reportlab names Helvetica in every page's preamble
        lang="fr-FR",
    )
    utc = issued.astimezone(UTC) if issued.tzinfo else issued
    canvasmaker = functools.partial(
        _FooterCanvas, footer=footer, issued=utc, title=title, first_page=first_page
    )
    document.build(flowables, canvasmaker=canvasmaker)
    return buffer.getvalue()
