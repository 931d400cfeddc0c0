"""The PDF report's charts, drawn with reportlab graphics: vector shapes in the page, each a
`Drawing` that flows like a paragraph.

Every text of a chart (axis labels, values, legend) names the embedded family of
`loans.pdf_fonts`: reportlab's graphics default to Helvetica, a standard font that would be
referenced without being embedded. Axes start at zero and get a top of at least 5, so that
a chart of zeros (a new establishment) still draws.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from loans.pdf_fonts import BOLD, REGULAR, printable, register_fonts

BLUE = colors.HexColor("#1F4E9A")
ORANGE = colors.HexColor("#C8551B")
GREY = colors.HexColor("#888888")
HEIGHT = 190
PLOT = (46, 50)  # left and bottom space for the axes' labels


def _top(values: Sequence[float]) -> float:
    """A round top for the value axis: 1, 2 or 5 times a power of ten, at least 5 (so that
    its five steps are whole numbers)."""
    highest = max([*values, 5])
    step = 1.0
    while True:
        for factor in (1, 2, 5):
            if highest <= factor * step:
                return factor * step
        step *= 10


def _style_axes(chart, values: Sequence[float], percent: bool) -> None:
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100 if percent else _top(values)
    chart.valueAxis.valueStep = chart.valueAxis.valueMax / 5
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = (lambda v: f"{v:.0f} %") if percent else _integer
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = 7


def _integer(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u00a0")


def _percent(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",") + "\u00a0%"


def _drawing(width: float, title: str) -> Drawing:
    register_fonts()
    # The renderer's first state names this font (Helvetica unless told).
    drawing = Drawing(width, HEIGHT, initialFontName=REGULAR)
    drawing.add(String(0, HEIGHT - 12, printable(title), fontName=BOLD, fontSize=9))
    return drawing


def bar_chart(
    width: float,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    percent: bool = False,
    angle: int = 0,
) -> Drawing:
    """One series of bars, a value over each bar."""
    drawing = _drawing(width, title)
    chart = VerticalBarChart()
    chart.x, chart.y = PLOT
    chart.width, chart.height = int(width) - PLOT[0] - 10, HEIGHT - PLOT[1] - 24
    chart.data = [list(values)]
    chart.categoryAxis.categoryNames = [printable(label) for label in labels]
    _style_axes(chart, values, percent)
    if angle:
        chart.categoryAxis.labels.angle = angle
        chart.categoryAxis.labels.boxAnchor = "ne"
    chart.bars[0].fillColor = BLUE
    chart.bars[0].strokeColor = None
    chart.barLabels.fontName = REGULAR
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    chart.barLabelFormat = _percent if percent else _integer
    drawing.add(chart)
    return drawing


def line_chart(
    width: float,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
) -> Drawing:
    """A line per series over the categories (months), with a legend above the plot."""
    drawing = _drawing(width, title)
    chart = HorizontalLineChart()
    chart.x, chart.y = PLOT
    chart.width, chart.height = int(width) - PLOT[0] - 10, HEIGHT - PLOT[1] - 40
    chart.data = [list(values) for _, values in series]
    chart.categoryAxis.categoryNames = [printable(label) for label in labels]
    everything = [v for _, values in series for v in values]
    _style_axes(chart, everything, percent=False)
    chart.categoryAxis.labels.angle = 45 if len(labels) > 12 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 12 else "n"
    palette = (BLUE, ORANGE, GREY)
    for i in range(len(series)):
        chart.lines[i].strokeColor = palette[i % len(palette)]
        chart.lines[i].strokeWidth = 1.5
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = PLOT[0], HEIGHT - 22
    legend.fontName = REGULAR
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 8
    legend.deltax = 110
    legend.colorNamePairs = [
        (palette[i % len(palette)], printable(name)) for i, (name, _) in enumerate(series)
    ]
    drawing.add(legend)
    return drawing
