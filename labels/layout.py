"""Where everything goes on a label: the one layout computation that the PDF, PNG and SVG
drawings and the geometry tests all read.

Positions are millimetres from the top-left of the page (see `labels.stocks`); font sizes
are points. Text is measured with reportlab's metrics of the standard Helvetica fonts, the
fonts the PDF uses without embedding anything.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from reportlab.pdfbase.pdfmetrics import stringWidth

from labels.qr import QrMatrix, qr_matrix
from labels.stocks import Box, LabelStock

REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
PT = 25.4 / 72  # millimetres per point
QUIET_ZONE = 4  # modules of light margin the QR standard requires around the symbol
QR_SHARE = 0.5  # at most this share of the label's width goes to the QR, the rest to text
# The quiet zone already sets the text apart from the QR; on its right the text keeps this
# much more than the padding, so that a bold caption does not run to the label's edge.
TEXT_RIGHT_GAP = 1.0

CAPTION_MAX, CAPTION_MIN = 20.0, 6.0  # the caption is the largest text, and stays readable
SMALL_MAX, SMALL_MIN = 8.0, 5.5  # owner and serial lines
SMALL_RATIO = 0.7  # owner and serial lines stay visibly smaller than the caption
# Height of a line, in font sizes, and of the ink in it: Helvetica's glyphs span 0.931 above
# the baseline (accented capitals: "Île") to 0.225 below it (cedilla), per the font's bbox.
LEADING, ASCENT_MAX, ASCENT, DESCENT = 1.25, 0.931, 0.74, 0.225
BASELINE = (LEADING + ASCENT_MAX - DESCENT) / 2  # centres the tallest ink in its line
SERIAL_CHARS = 8


@dataclass(frozen=True, slots=True)
class LabelContent:
    url: str  # what the QR encodes, upper-cased by the caller for the alphanumeric mode
    caption: str  # asset tag, or the short code of a blank pre-printed label
    serial: str  # manufacturer's serial number, may be empty
    region_name: str  # "Centre-Val de Loire"


class TextLine(NamedTuple):
    text: str
    font: str
    size: float  # points
    x: float  # left end of the text
    baseline: float
    box: Box  # the ink: text width by the font's ascent and descent


class PlacedLabel(NamedTuple):
    page: int
    slot: int  # position on its page, counted across then down from 0
    cell: Box  # the label on the sheet, as printed without calibration
    content: LabelContent
    qr: QrMatrix
    qr_box: Box  # the QR symbol with its quiet zone
    module: float  # millimetres per module
    lines: tuple[TextLine, ...]

    @property
    def boxes(self) -> list[Box]:
        """Everything this label prints: the QR with its quiet zone, then each text line."""
        return [self.qr_box, *(line.box for line in self.lines)]


def short_serial(serial: str) -> str:
    """The end of the serial, which is what differs between devices of one delivery."""
    serial = serial.strip()
    return f"S/N {serial[-SERIAL_CHARS:]}" if serial else ""


# Every label of a sheet repeats the owner lines, and most captions ("CVL-000123") have the
# same width: measures and size choices are cached, keyed by text or by widths.
@lru_cache(maxsize=4096)
def _em_width(text: str, font: str) -> float:
    """Width of `text` at 1 pt, in millimetres."""
    return stringWidth(text, font, 1) * PT


@lru_cache(maxsize=1024)
def _ascent(text: str) -> float:
    tall = not text.isascii() and any(c.isupper() and unicodedata.decomposition(c) for c in text)
    return ASCENT_MAX if tall else ASCENT


OWNER, CAPTION, SERIAL = "owner", "caption", "serial"
FONTS = {OWNER: REGULAR, CAPTION: BOLD, SERIAL: REGULAR}
Plan = tuple[tuple[str, str], ...]  # (text, role) of each line, top to bottom


def _plans(content: LabelContent) -> list[list[Plan]]:
    """Groups of plans, the most complete group first. The owner notice goes on one line or
    on two (whichever prints larger); the serial is shortened before the owner notice is
    dropped, and dropped last."""
    owner = "Propriété de la Région"
    region = content.region_name.strip()
    caption = ((content.caption.strip(), CAPTION),)
    groups: list[list[Plan]] = []
    owners: list[Plan] = []
    if region:
        owners = [((f"{owner} {region}", OWNER),), ((owner, OWNER), (region, OWNER))]
    serials: list[Plan] = serial_plans(content.serial) or [()]
    if owners:
        groups += [[lines + caption + serial for lines in owners] for serial in serials]
    groups += [[caption + serial] for serial in serials if serial]
    groups.append([caption])
    return groups


def serial_plans(serial: str) -> list[Plan]:
    """The serial as printed, the most complete first: whole on one line, whole on two lines
    (the font shrinks or the line wraps before anything is cut), then only its end."""
    serial = serial.strip()
    if not serial:
        return []
    whole: Plan = ((f"S/N {serial}", SERIAL),)
    if len(serial) <= SERIAL_CHARS:
        return [whole]
    half = (len(serial) + 1) // 2
    wrapped: Plan = ((f"S/N {serial[:half]}", SERIAL), (serial[half:], SERIAL))
    return [whole, wrapped, ((short_serial(serial), SERIAL),)]


@lru_cache(maxsize=1024)
def _sizes(
    lines: tuple[tuple[str, float], ...], width: float, height: float
) -> tuple[float, ...] | None:
    """The font size of each line, given its (role, width at 1 pt), or None if they cannot
    all be readable: each as large as the width allows up to its maximum (one size for all
    the lines of a role), then all scaled down together if too tall for the column."""
    caption = min(CAPTION_MAX, *(width / em for role, em in lines if role == CAPTION))
    largest = min(SMALL_MAX, caption * SMALL_RATIO)
    by_role = {CAPTION: caption}
    for role, em in lines:
        if role != CAPTION:
            by_role[role] = min(by_role.get(role, largest), width / em)
    natural = [by_role[role] for role, _ in lines]
    scale = min(1.0, height / (LEADING * PT * sum(natural)))
    sizes = tuple(size * scale for size in natural)
    smallest = {CAPTION: CAPTION_MIN, OWNER: SMALL_MIN, SERIAL: SMALL_MIN}
    if any(size < smallest[role] for size, (role, _) in zip(sizes, lines, strict=True)):
        return None
    return sizes


def _text_lines(content: LabelContent, column: Box) -> tuple[TextLine, ...]:
    if not content.caption.strip():
        raise ValueError("Une étiquette doit porter un numéro d'inventaire ou un code.")
    for group in _plans(content):
        fitting = []
        for plan in group:
            widths = tuple((role, _em_width(text, FONTS[role])) for text, role in plan)
            sizes = _sizes(widths, column.width, column.height)
            if sizes:
                fitting.append((plan, sizes))
        if fitting:
            # The larger smallest text, then the larger caption; the first plan on a tie.
            plan, sizes = max(fitting, key=lambda fit: (min(fit[1]), max(fit[1])))
            break
    else:
        raise ValueError(
            f"Le texte « {content.caption} » est trop long pour ce format d'étiquette : "
            "choisissez un format plus grand."
        )
    # The block of lines is centred in the column, each line's tallest ink centred in it.
    top = column.y + (column.height - LEADING * PT * sum(sizes)) / 2
    lines = []
    for (text, role), size in zip(plan, sizes, strict=True):
        font = FONTS[role]
        baseline = top + BASELINE * size * PT
        ascent = _ascent(text) * size * PT
        width = _em_width(text, font) * size
        box = Box(column.x, baseline - ascent, width, ascent + DESCENT * size * PT)
        lines.append(TextLine(text, font, size, column.x, baseline, box))
        top += LEADING * size * PT
    return tuple(lines)


def layout_label(
    content: LabelContent,
    stock: LabelStock,
    cell: Box,
    page: int = 0,
    slot: int = 0,
    shift: tuple[float, float] = (0.0, 0.0),
) -> PlacedLabel:
    """One label in `cell`, its content moved by `shift` (a calibration): the QR on the left,
    as tall as the label allows but at most `QR_SHARE` of its width, the text on its right."""
    area = cell.shifted(*shift).inset(stock.padding)
    qr = qr_matrix(content.url)
    side = min(area.height, area.width * QR_SHARE)
    qr_box = Box(area.x, area.y + (area.height - side) / 2, side, side)
    column = Box(qr_box.right, area.y, area.right - TEXT_RIGHT_GAP - qr_box.right, area.height)
    module = side / (qr.size + 2 * QUIET_ZONE)
    lines = _text_lines(content, column)
    return PlacedLabel(page, slot, cell, content, qr, qr_box, module, lines)


def _mm(value: float, sign: str = "") -> str:
    return f"{value:{sign}.1f} mm".replace(".", ",")


def check_calibration(stock: LabelStock, calibration_mm: tuple[float, float]) -> None:
    """Refuse a shift that would push any label's content out of the printable area of the
    page: the printer would clip it, and a clipped QR does not scan. Checked on every cell
    of the stock, so a shift good for one sheet is good for every sheet of that stock."""
    dx, dy = calibration_mm
    if not (math.isfinite(dx) and math.isfinite(dy)):
        raise ValueError("Le décalage d'impression doit être un nombre de millimètres.")
    for index in range(stock.per_page):
        content = stock.cell_box(index).shifted(dx, dy).inset(stock.padding)
        if not stock.printable_area.contains(content):
            raise ValueError(
                f"Le décalage d'impression ({_mm(dx, '+')} horizontalement, "
                f"{_mm(dy, '+')} verticalement) ferait sortir l'étiquette n° {index + 1} "
                f"de la zone imprimable du format {stock.key} (marge de "
                f"{_mm(stock.printable_margin)}) : réduisez-le."
            )


def layout_sheet(
    labels: Sequence[LabelContent],
    stock: LabelStock,
    offset: int = 0,
    calibration_mm: tuple[float, float] = (0.0, 0.0),
) -> list[PlacedLabel]:
    """Every label of a print run, in order, on as many pages as needed. `offset` labels of
    the first sheet are already used and stay blank; `calibration_mm` (dx, dy) moves all the
    content right and down, for a printer that prints off-centre."""
    if not labels:
        raise ValueError("Aucune étiquette à imprimer.")
    if not 0 <= offset < stock.per_page:
        raise ValueError(
            "Le nombre d'étiquettes déjà utilisées doit être compris entre 0 et "
            f"{stock.per_page - 1} pour le format {stock.key}."
        )
    check_calibration(stock, calibration_mm)
    placed = []
    for position, content in enumerate(labels, start=offset):
        page, slot = divmod(position, stock.per_page)
        cell = stock.cell_box(slot)
        placed.append(layout_label(content, stock, cell, page, slot, calibration_mm))
    return placed
