"""A paper scanner, simulated: printed conventions in, one scanned PDF out, as a school's
copier would make it after the families have signed.

Each page of the printed PDF is rasterised in grey by pdfium (the scanner's sensor), then
handled as paper is: turned a few degrees on the glass, fed upside down, its QR code smudged
(a white box painted over it), blank sheets slipped into the stack. The paper is not white
and the ink not black (a scanner's levels), and each page is stored as a JPEG, the way
copiers make PDFs. Used by the tests of `loans.scan_stack` and by `bench.scan_stack`.
"""

from __future__ import annotations

import io
import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import pypdfium2
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from loans.agreement_canvas import MARGIN, QR_SIDE

SCAN_DPI = 200
JPEG_QUALITY = 60
INK, PAPER = 28, 244  # what the scanner makes of black and of white paper


@dataclass(frozen=True, slots=True)
class Handling:
    """What happened to one sheet on its way through the scanner."""

    angle: float = 0.0  # degrees, counter-clockwise, as it lay on the glass
    upside_down: bool = False
    smudged_qr: bool = False  # the footer's QR code unreadable (coffee, a signature over it)


def _levels(value: int) -> int:
    return INK + value * (PAPER - INK) // 255


_LEVELS = [_levels(v) for v in range(256)]


def _qr_box(dpi: int, page_height: float, page_width: float) -> tuple[int, int, int, int]:
    """The footer QR code of an A4 convention page (`loans.agreement_canvas`), in pixels, a
    millimetre wider on each side."""
    scale = dpi / 72
    left = (page_width - MARGIN - QR_SIDE - 1 * mm) * scale
    top = (page_height - 5 * mm - QR_SIDE - 1 * mm) * scale
    side = (QR_SIDE + 2 * mm) * scale
    return round(left), round(top), round(left + side), round(top + side)


def _sheet(page: pypdfium2.PdfPage, dpi: int, handling: Handling) -> Image.Image:
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    try:
        image = bitmap.to_pil().copy()
    finally:
        bitmap.close()
    if handling.smudged_qr:
        width, height = page.get_size()
        ImageDraw.Draw(image).rectangle(_qr_box(dpi, height, width), fill=255)
    image = image.point(_LEVELS)
    if handling.angle:
        image = image.rotate(handling.angle, resample=Image.Resampling.BICUBIC, fillcolor=PAPER)
    if handling.upside_down:
        image = image.rotate(180)
    return image


def _blank(dpi: int, seed: int) -> Image.Image:
    """A blank sheet as scanned: paper tone and a few specks of dust."""
    width, height = round(A4[0] * dpi / 72), round(A4[1] * dpi / 72)
    image = Image.new("L", (width, height), PAPER)
    draw, rnd = ImageDraw.Draw(image), random.Random(seed)
    for _ in range(12):
        x, y, r = rnd.randrange(width), rnd.randrange(height), rnd.randrange(1, 3)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rnd.randrange(INK, 160))
    return image


def _add(canvas: Canvas, image: Image.Image, quality: int) -> None:
    jpeg = io.BytesIO()
    image.save(jpeg, format="JPEG", quality=quality)
    jpeg.seek(0)
    # A JPEG file goes into the PDF as is (DCTDecode), as a copier's scan does.
    canvas.drawImage(ImageReader(jpeg), 0, 0, width=A4[0], height=A4[1])
    canvas.showPage()


def scan(
    printed: bytes,
    handling: Mapping[int, Handling] | None = None,
    *,
    blank_before: Collection[int] = (),
    dpi: int = SCAN_DPI,
    quality: int = JPEG_QUALITY,
) -> bytes:
    """The scanned PDF of the printed A4 pages of `printed`, in order. `handling` says what
    happened to some of them (by printed page index); a blank sheet is slipped in before
    each printed page index of `blank_before` (`len(pages)` for one at the end). One page
    image in memory at a time."""
    handling = handling or {}
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1)
    document = pypdfium2.PdfDocument(printed)
    try:
        count = len(document)
        for index in range(count + 1):
            if index in blank_before:
                _add(canvas, _blank(dpi, seed=index), quality)
            if index == count:
                break
            page = document[index]
            try:
                _add(canvas, _sheet(page, dpi, handling.get(index, Handling())), quality)
            finally:
                page.close()
    finally:
        document.close()
    canvas.save()
    return out.getvalue()
