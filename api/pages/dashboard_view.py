"""What a dashboard figure is on the page: a chart, its caption and its data table.

The template renders every figure the same way (`<figure>` with its caption and SVG, then
a real `<table>` whose cells may link to the list behind them), so the figure modules
(`dashboard_fleet`, `dashboard_loans`) only say what goes in each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from api.pages.formatting import number_fr


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    href: str | None = None
    num: bool = True  # numbers are right-aligned; the first cell of a row is its header
    long: bool = False  # a sentence: wrapped in a column of its own width, not squeezed


@dataclass(frozen=True, slots=True)
class Table:
    caption: str
    head: list[str]
    rows: list[list[Cell]]
    foot: list[Cell] | None = None


@dataclass(frozen=True, slots=True)
class Figure:
    id: str
    caption: str
    table: Table
    svg: Markup | None = None
    note: str = ""


@dataclass(slots=True)
class Section:
    id: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    intro: str = ""


# A chart draws this many rows at most (its table lists them all): a region of 300 schools
# would otherwise draw a bar chart taller than any screen.
CHART_ROWS = 30


def shown(items: list, order, what: str) -> tuple[list, str]:
    """The rows a chart draws, in `order`, and a note saying which when some are left out."""
    if len(items) <= CHART_ROWS:
        return items, ""
    return sorted(items, key=order)[:CHART_ROWS], (
        f"Le graphique montre les {CHART_ROWS} {what} ; le tableau les donne tous."
    )


def name(text: str, href: str | None = None) -> Cell:
    return Cell(text, href, num=False)


def count(n: int, href: str | None = None) -> Cell:
    """A count, linked to its list when it has rows to show."""
    return Cell(number_fr(n), href if n else None)


def decimal_fr(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".").replace(".", ",") or "0"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{decimal_fr(value)}\u00a0%"
