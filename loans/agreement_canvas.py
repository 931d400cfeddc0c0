"""The page furniture of printed conventions: a footer with the loan's QR code on every page.

A batch (a class, a whole campaign) prints many conventions in one PDF. Each page must be
matched to its loan once it is signed on paper and scanned, so each page carries the QR of
its own loan's verification URL, the loan reference and « Page N / M » counted within its
convention. M is only known once the convention is laid out, so the canvas keeps each
finished page and draws the footers when the document is saved (the usual reportlab recipe
for « page N of M », extended to several documents in one file).

The QR is the project's own vector drawing (`labels.qr`): one filled path of rectangles, one
unit per module, as on the labels; no image.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus.flowables import Flowable

from labels.qr import QrMatrix, qr_matrix
from loans.pdf_font_cache import reserve_repertoire
from loans.pdf_fonts import BOLD, REGULAR, printable
from loans.pdf_pages import qr_path

QR_SIDE = 22 * mm  # the symbol with its quiet zone: ~0.5 mm modules for a version-4 URL
MARGIN = 15 * mm
FOOTER_HEIGHT = QR_SIDE + 6 * mm  # what the frame leaves free at the bottom of each page


@dataclass(frozen=True, slots=True)
class Footer:
    """What the footer of every page of one convention prints."""

    reference: str
    student: str
    document_version: int
    verification_url: str


class StartAgreement(Flowable):
    """Invisible, first on the first page of a convention: marks the pages that follow as
    that convention's, until the next marker."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index
        self.width = self.height = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._ordipret_agreement = self.index  # type: ignore[attr-defined]


class _IssueDay:
    """The creation date reportlab writes in the file's Info dictionary, fixed to a day of
    the data instead of the clock: same data, same bytes (with `invariant`)."""

    def __init__(self, day: date) -> None:
        self.YMDhms = (day.year, day.month, day.day, 0, 0, 0)
        self.dhh = self.dmm = 0
        self.tzname = "UTC"
        self.t = 0.0


class AgreementCanvas(Canvas):
    """A canvas that holds its pages until `save`, then draws each page's footer."""

    def __init__(
        self, *args: Any, footers: list[Footer], issued: date, title: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # See loans.pdf_font_cache (`_doc` is reportlab's own, not in the stubs).
        reserve_repertoire(self._doc, [REGULAR, BOLD])  # type: ignore[attr-defined]
        self._footers = footers
        self._pages: list[dict[str, Any]] = []
        self._ordipret_agreement = 0
        self._doc._timeStamp = _IssueDay(issued)  # type: ignore[attr-defined]
        self.setTitle(title)
        self.setAuthor("ordipret")
        self.setCreator("ordipret")
        self.setSubject("Convention de prêt de matériel numérique")

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # reportlab's own, not in the stubs

    def save(self) -> None:
        totals = Counter(page["_ordipret_agreement"] for page in self._pages)
        numbers: Counter[int] = Counter()
        qrs: dict[int, QrMatrix] = {}
        for page in self._pages:
            self.__dict__.update(page)
            index = self._ordipret_agreement
            numbers[index] += 1
            if index not in qrs:
                qrs = {index: qr_matrix(self._footers[index].verification_url)}
            self._draw_footer(self._footers[index], qrs[index], numbers[index], totals[index])
            super().showPage()
        # Compressed streams without reportlab's ASCII85 wrapping, as `labels.render` does:
        # a quarter smaller and cheaper to write. reportlab reads the setting when it writes
        # the file, so it is set around this call only.
        saved = rl_config.useA85
        rl_config.useA85 = 0
        try:
            super().save()
        finally:
            rl_config.useA85 = saved

    def _draw_footer(self, footer: Footer, qr: QrMatrix, number: int, total: int) -> None:
        width = self._pagesize[0]  # type: ignore[attr-defined]
        self.addLiteral(qr_path(qr, width - MARGIN - QR_SIDE, 5 * mm, QR_SIDE))
        left, top = MARGIN, 5 * mm + QR_SIDE - 4 * mm
        self.setStrokeGray(0.6)
        self.setLineWidth(0.5)
        self.line(MARGIN, 5 * mm + QR_SIDE + 1 * mm, width - MARGIN, 5 * mm + QR_SIDE + 1 * mm)
        self.setFillGray(0)
        self.setFont(BOLD, 8)
        self.drawString(left, top, printable(f"Convention de prêt n° {footer.reference}"))
        self.drawRightString(width - MARGIN - QR_SIDE - 3 * mm, top, f"Page {number} / {total}")
        self.setFont(REGULAR, 7.5)
        self.drawString(
            left,
            top - 4 * mm,
            printable(f"{footer.student} — document version {footer.document_version}"),
        )
        self.drawString(left, top - 8 * mm, "Vérifier ce document (ou scanner le code) :")
        self.drawString(left, top - 12 * mm, printable(footer.verification_url))
