"""Label drawing: PDF sheets for printing, and one label as PNG or SVG.

Everything is placed by `labels.layout` (one computation, which `content_boxes` and the
tests read too); this module only draws. The QR is vector: its horizontal runs of dark
modules become rectangles of one filled path, written as raw PDF operators in a coordinate
system of one unit per module, so that a label costs about 300 compressed bytes and no image.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas

from labels.layout import (
    BOLD,
    PT,
    QUIET_ZONE,
    REGULAR,
    LabelContent,
    PlacedLabel,
    check_calibration,
    layout_label,
    layout_sheet,
)
from labels.qr import QrMatrix
from labels.stocks import Box, LabelStock

__all__ = [
    "LabelContent",
    "PlacedLabel",
    "check_calibration",
    "content_boxes",
    "layout_sheet",
    "render_png",
    "render_sheet",
    "render_svg",
]

POINTS_PER_MM = 1 / PT


# The QR's rectangles are looked up rather than computed: for each 8-module span of each row
# and each of the 256 patterns it can hold, the `x y w 1 re` of its runs, prepared once per
# symbol size. A label then costs one parse of its modules into bytes and one C-level
# look-up per span. A run crossing a span boundary becomes two abutting rectangles of the
# same path, which fill exactly alike. Big symbols (never an app URL) skip the tables.
SPAN = 8
TABLE_SIZE_LIMIT = 45  # version 7: 45 rows × 6 spans × 256 patterns ≈ 69,000 strings


@cache
def _span_tables(size: int) -> tuple[tuple[str, ...], ...]:
    runs_in = [  # (first column, length) of the runs of each pattern, leftmost bit first
        [(m.start(), len(m.group())) for m in re.finditer("1+", format(p, "08b"))]
        for p in range(256)
    ]
    return tuple(
        tuple("".join(f"{x + c} {row} {n} 1 re\n" for c, n in runs) for runs in runs_in)
        for row in range(size)
        for x in range(0, size, SPAN)
    )


def _rectangles(qr: QrMatrix) -> str:
    if qr.size > TABLE_SIZE_LIMIT:
        return "".join(f"{c} {r} {n} 1 re\n" for r, c, n in qr.dark_runs())
    pad = "0" * (-qr.size % SPAN)  # light modules up to a whole number of spans per row
    bits = pad.join(qr.rows) + pad
    spans = int(bits, 2).to_bytes(len(bits) // SPAN, "big")
    return "".join(map(tuple.__getitem__, _span_tables(qr.size), spans))


# Text for the standard fonts, which reportlab declares with WinAnsiEncoding: cp1252 bytes,
# the PDF string delimiters escaped, the rest of the bytes outside ASCII as octal escapes.
_PDF_STRING_BYTES = tuple(
    "\\" + chr(b) if chr(b) in "()\\" else chr(b) if 32 <= b < 127 else f"\\{b:03o}"
    for b in range(256)
)


def _pdf_string(text: str) -> str:
    data = text.encode("cp1252", errors="replace")
    return "".join(map(_PDF_STRING_BYTES.__getitem__, data))


def _qr_operators(label: PlacedLabel, page_height: float) -> str:
    """The QR as one PDF path: `cm` maps one unit to one module, origin at the symbol's
    top-left corner and y downwards (like the matrix), so each run is `col row length 1 re`
    in small integers; one `f` fills them all, so no seam shows between abutting rows."""
    module = label.module * POINTS_PER_MM
    left = (label.qr_box.x + QUIET_ZONE * label.module) * POINTS_PER_MM
    top = (page_height - label.qr_box.y - QUIET_ZONE * label.module) * POINTS_PER_MM
    cm = f"q 0 g {module:.4f} 0 0 {-module:.4f} {left:.3f} {top:.3f} cm\n"
    return f"{cm}{_rectangles(label.qr)}f Q"


def _label_operators(label: PlacedLabel, page_height: float, fonts: dict[str, str]) -> str:
    """The label's QR and text lines, as one piece of the page's content stream."""
    parts = [_qr_operators(label, page_height)]
    for line in label.lines:
        x, y = line.x * POINTS_PER_MM, (page_height - line.baseline) * POINTS_PER_MM
        parts.append(
            f"BT {fonts[line.font]} {line.size:.2f} Tf {x:.2f} {y:.2f} Td "
            f"({_pdf_string(line.text)}) Tj ET"
        )
    return "\n".join(parts)


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """Compressed page streams without the ASCII85 wrapping reportlab adds by default: 25 %
    smaller, and without reportlab's C accelerator that encoding is pure Python and cost more
    than the rest of a large sheet. reportlab reads the setting when it writes the file, so
    it is set around `save()` only (binary streams are what every PDF tool writes). Two
    threads saving at once could see each other's value: harmless, both are valid PDF."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def _pdf(
    pages: list[list[PlacedLabel]],
    width: float,
    height: float,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    buffer = io.BytesIO()
    # invariant: no creation date in the file, so the same labels give the same bytes.
    pdf = Canvas(
        buffer,
        pagesize=(width * POINTS_PER_MM, height * POINTS_PER_MM),
        pageCompression=1,
        invariant=1,
    )
    pdf.setCreator("ordipret")
    pdf.setAuthor("ordipret")
    pdf.setTitle("Étiquettes ordipret")
    # The resource names (/F1 …) reportlab gives the fonts; asking registers them.
    doc = pdf._doc  # type: ignore[attr-defined]  # the canvas's document: not in the stubs
    fonts = {name: doc.getInternalFontName(name) for name in (REGULAR, BOLD)}
    total, drawn = sum(len(labels) for labels in pages), 0
    for labels in pages:
        for label in labels:
            pdf.addLiteral(_label_operators(label, height, fonts))
        pdf.showPage()
        drawn += len(labels)
        if progress is not None:
            progress(drawn, total)
    with _binary_streams():
        pdf.save()
    return buffer.getvalue()


def render_sheet(
    labels: Sequence[LabelContent],
    stock: LabelStock,
    offset: int = 0,
    calibration_mm: tuple[float, float] = (0.0, 0.0),
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """A PDF of `labels` on `stock`, as many pages as needed. `offset` cells of the first
    sheet are already used and stay blank; `calibration_mm` = (dx, dy) moves all content
    right and down by that many millimetres (negative: left and up). A shift that would put
    content outside the printable area raises ValueError (French message, for the user).
    `progress(labels drawn, labels)` is told after each page."""
    placed = layout_sheet(labels, stock, offset, calibration_mm)
    pages: list[list[PlacedLabel]] = [[] for _ in range(placed[-1].page + 1)]
    for label in placed:
        pages[label.page].append(label)
    return _pdf(pages, stock.page_width, stock.page_height, progress)


def content_boxes(
    labels: Sequence[LabelContent],
    stock: LabelStock,
    offset: int = 0,
    calibration_mm: tuple[float, float] = (0.0, 0.0),
) -> list[list[Box]]:
    """For each label `render_sheet` would print, in order, what it prints, in millimetres
    from the top-left of its page: the QR with its quiet zone, then each line of text. (The
    page and cell of each are in `layout_sheet`, the computation both use.)"""
    return [label.boxes for label in layout_sheet(labels, stock, offset, calibration_mm)]


def _single(label: LabelContent, stock: LabelStock) -> PlacedLabel:
    return layout_label(label, stock, Box(0.0, 0.0, stock.label_width, stock.label_height))


def render_png(label: LabelContent, stock: LabelStock, dpi: int = 300) -> bytes:
    """One label, alone, as a greyscale PNG: the same drawing as the PDF, rasterised by
    pdfium. The QR is drawn without anti-aliasing (crisp module edges, for label printers
    that threshold the image); the text keeps it."""
    import pypdfium2  # only this function needs it

    placed = _single(label, stock)
    document = pypdfium2.PdfDocument(_pdf([[placed]], stock.label_width, stock.label_height))
    try:
        bitmap = document[0].render(scale=dpi / 72, grayscale=True, no_smoothpath=True)
        # pdfium rounds the page up to whole pixels; keep the label's own size in pixels.
        size = (round(stock.label_width / 25.4 * dpi), round(stock.label_height / 25.4 * dpi))
        image = bitmap.to_pil().crop((0, 0, *size))
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def render_svg(label: LabelContent, stock: LabelStock) -> str:
    """One label as SVG, in millimetres (viewBox = the label). The QR is one path in module
    units; text names Helvetica with metric-compatible fallbacks, and `textLength` holds each
    line to its measured Helvetica width, so the layout holds whatever font the viewer has."""
    placed = _single(label, stock)
    w, h = stock.label_width, stock.label_height
    origin = QUIET_ZONE * placed.module
    path = "".join(f"M{c} {r}h{n}v1h-{n}z" for r, c, n in placed.qr.dark_runs())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(w)}mm" height="{_num(h)}mm" '
        f'viewBox="0 0 {_num(w)} {_num(h)}">',
        f"<title>{escape(label.caption)}</title>",
        f'<rect width="{_num(w)}" height="{_num(h)}" fill="#fff"/>',
        f'<path transform="translate({_num(placed.qr_box.x + origin)} '
        f'{_num(placed.qr_box.y + origin)}) scale({placed.module:.5f})" '
        f'shape-rendering="crispEdges" fill="#000" d="{path}"/>',
    ]
    for line in placed.lines:
        weight = ' font-weight="bold"' if line.font == BOLD else ""
        parts.append(
            f'<text x="{_num(line.x)}" y="{_num(line.baseline)}" '
            f"font-family=\"Helvetica, Arial, 'Liberation Sans', sans-serif\"{weight} "
            f'font-size="{_num(line.size * PT)}" textLength="{_num(line.box.width)}" '
            f'lengthAdjust="spacingAndGlyphs" fill="#000">{escape(line.text)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
