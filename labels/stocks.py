"""Label stocks as data: one record per sheet or roll, apart from the drawing code.

Dimensions are the manufacturers' published ones, in millimetres; the origin of a page is
its top-left corner, as on the stock's data sheet, with y growing downwards. Every position
the label code hands out (cells, content boxes) uses the same convention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

A4 = (210.0, 297.0)
US_LETTER = (215.9, 279.4)
INCH = 25.4
# Office laser and inkjet printers leave about 1/6 in (4.23 mm) unprinted at the page edges.
OFFICE_PRINTER_MARGIN = 4.2


class Box(NamedTuple):
    """A rectangle in millimetres, from the top-left of the page (a tuple: a sheet of
    10,000 labels makes 60,000 of them)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def inset(self, by: float) -> Box:
        return Box(self.x + by, self.y + by, self.width - 2 * by, self.height - 2 * by)

    def shifted(self, dx: float, dy: float) -> Box:
        return Box(self.x + dx, self.y + dy, self.width, self.height)

    def contains(self, other: Box, tolerance: float = 1e-6) -> bool:
        return (
            other.x >= self.x - tolerance
            and other.y >= self.y - tolerance
            and other.right <= self.right + tolerance
            and other.bottom <= self.bottom + tolerance
        )


@dataclass(frozen=True, slots=True)
class LabelStock:
    key: str
    name: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    left_margin: float  # page edge to the first column
    top_margin: float  # page edge to the first row
    column_gap: float = 0.0
    row_gap: float = 0.0
    # What the printer cannot reach at the page edge; content is kept inside it.
    printable_margin: float = OFFICE_PRINTER_MARGIN
    # Space kept free inside each label, so a slightly shifted print stays on the label (and
    # clear of its rounded corners).
    padding: float = 1.5

    def __post_init__(self) -> None:
        right = self.left_margin + self.columns * self.label_width
        bottom = self.top_margin + self.rows * self.label_height
        right += (self.columns - 1) * self.column_gap
        bottom += (self.rows - 1) * self.row_gap
        if right > self.page_width + 0.01 or bottom > self.page_height + 0.01:
            raise ValueError(f"{self.key}: the labels overflow the page")

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def page(self) -> Box:
        return Box(0.0, 0.0, self.page_width, self.page_height)

    @property
    def printable_area(self) -> Box:
        return self.page.inset(self.printable_margin)

    def cell(self, index: int) -> tuple[float, float]:
        """Top-left corner (x, y from the top-left of the page) of label `index` on its page,
        counting across then down, as people count labels on a sheet."""
        row, column = divmod(index % self.per_page, self.columns)
        x = self.left_margin + column * (self.label_width + self.column_gap)
        y = self.top_margin + row * (self.label_height + self.row_gap)
        return x, y

    def cell_box(self, index: int) -> Box:
        return Box(*self.cell(index), self.label_width, self.label_height)


STOCKS: dict[str, LabelStock] = {
    stock.key: stock
    for stock in (
        LabelStock(
            key="L7160",
            name="Avery L7160 — A4, 3 × 7, 63,5 × 38,1 mm",
            page_width=A4[0],
            page_height=A4[1],
            columns=3,
            rows=7,
            label_width=63.5,
            label_height=38.1,
            left_margin=7.21,  # horizontal pitch 66.04 mm (2.6 in), as Avery publishes it
            top_margin=15.15,
            column_gap=2.54,
        ),
        LabelStock(
            key="L7163",
            name="Avery L7163 — A4, 2 × 7, 99,1 × 38,1 mm",
            page_width=A4[0],
            page_height=A4[1],
            columns=2,
            rows=7,
            label_width=99.1,
            label_height=38.1,
            left_margin=4.65,
            top_margin=15.15,
            column_gap=2.5,  # horizontal pitch 101.6 mm
        ),
        LabelStock(
            key="L7651",
            name="Avery L7651 — A4, 5 × 13, 38,1 × 21,2 mm",
            page_width=A4[0],
            page_height=A4[1],
            columns=5,
            rows=13,
            label_width=38.1,
            label_height=21.2,
            left_margin=4.75,
            top_margin=10.7,
            column_gap=2.5,  # horizontal pitch 40.6 mm
            padding=1.0,
        ),
        LabelStock(
            key="5160",
            name="Avery 5160 — US Letter, 3 × 10, 2,625 × 1 in",
            page_width=US_LETTER[0],
            page_height=US_LETTER[1],
            columns=3,
            rows=10,
            label_width=2.625 * INCH,
            label_height=1.0 * INCH,
            left_margin=0.1875 * INCH,
            top_margin=0.5 * INCH,
            column_gap=0.125 * INCH,  # horizontal pitch 2.75 in
            padding=1.0,
        ),
        LabelStock(
            key="QL62",
            name="Brother QL, rouleau continu 62 mm (une étiquette par page)",
            page_width=62.0,
            page_height=30.0,
            columns=1,
            rows=1,
            label_width=62.0,
            label_height=30.0,
            left_margin=0.0,
            top_margin=0.0,
            # The QL print head covers 58.9 mm (696 dots at 300 dpi) of the 62 mm tape.
            printable_margin=1.5,
            padding=2.0,
        ),
    )
}
