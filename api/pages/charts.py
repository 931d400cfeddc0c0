"""Small charts drawn on the server as inline SVG: no script, no library, nothing to load.

Three shapes cover the dashboard: horizontal bars (a count per state, model, school…),
stacked bars (how a whole splits: a fleet by state, a campaign by step) and monthly columns
(hand-outs beside returns). Each SVG is an image for assistive technologies (`role="img"`,
named by its `<title>`, described by its `<desc>` which reads the numbers out); the numbers
are written on the chart and the page puts the data table after it, so nothing is carried by
colour alone. Series differ by
colour *and* by pattern (plain, hatched, dotted…), every colour at least 3:1 against white
(WCAG 1.4.11). Text keeps a readable size on a phone: the view box is narrow (400 units) and
the figure never grows wider than its CSS allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from api.pages.formatting import number_fr

WIDTH = 400
ROW = 34  # height of one horizontal bar with its label above
# Dark enough on white (contrast ≥ 4.5:1), distinct in grey too thanks to the patterns.
COLOURS = ("#000091", "#18753c", "#b34000", "#6a1b9a", "#4d4d4d", "#a0143c", "#005f73")
PATTERNS = ("plain", "hatch", "dots", "cross", "plain", "hatch", "dots")


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    text: str = ""  # how the value is written; number_fr of it by default


@dataclass(frozen=True, slots=True)
class Stack:
    label: str
    parts: tuple[int, ...]  # one per series, in the order of the legend


def _text(bar: Bar) -> str:
    return bar.text or (
        number_fr(int(bar.value)) if bar.value == int(bar.value) else str(bar.value)
    )


def _svg(chart_id: str, title: str, summary: str, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dash-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>' + "".join(body) + "</svg>"
    )


def _defs(chart_id: str, count: int) -> str:
    """One fill per series: its colour, overlaid with white hatching or dots for the second,
    third… so that two neighbours never differ by colour only."""
    patterns = []
    for i in range(count):
        colour, kind = COLOURS[i % len(COLOURS)], PATTERNS[i % len(PATTERNS)]
        marks = {
            "plain": "",
            "hatch": '<path d="M0 8L8 0" stroke="#fff" stroke-width="2"/>',
            "dots": '<circle cx="4" cy="4" r="1.6" fill="#fff"/>',
            "cross": '<path d="M0 4H8M4 0V8" stroke="#fff" stroke-width="1.5"/>',
        }[kind]
        patterns.append(
            f'<pattern id="{chart_id}-p{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{colour}"/>{marks}</pattern>'
        )
    return "<defs>" + "".join(patterns) + "</defs>"


def fill(chart_id: str, series: int) -> str:
    return f"url(#{chart_id}-p{series})"


def bars(chart_id: str, title: str, items: list[Bar], *, maximum: float | None = None) -> Markup:
    """Horizontal bars, one per item: its label above, its value at the end of the bar."""
    top = maximum if maximum is not None else max((b.value for b in items), default=0)
    span = WIDTH - 60  # room for the value after the longest bar
    body = [_defs(chart_id, 1)]
    for i, bar in enumerate(items):
        y = i * ROW
        length = span * bar.value / top if top else 0
        paint = fill(chart_id, 0)
        body.append(
            f'<text x="0" y="{y + 12}" class="dash-label">{escape(bar.label)}</text>'
            f'<rect x="0" y="{y + 16}" width="{length:.1f}" height="12" fill="{paint}"/>'
            f'<text x="{length + 4:.1f}" y="{y + 27}" class="dash-value">'
            f"{escape(_text(bar))}</text>"
        )
    summary = "; ".join(f"{b.label} : {_text(b)}" for b in items) or "aucune donnée"
    return _svg(chart_id, title, summary, max(ROW * len(items), ROW), body)


def stacks(chart_id: str, title: str, series: list[str], items: list[Stack]) -> Markup:
    """One bar per item, split into its series (each part as a share of the item's total),
    under a legend naming every series with its pattern."""
    legend_rows = -(-len(series) // 2)
    body = [_defs(chart_id, len(series))]
    for i, name in enumerate(series):
        x, y = (i % 2) * (WIDTH // 2), (i // 2) * 20
        body.append(
            f'<rect x="{x}" y="{y + 2}" width="14" height="14" fill="{fill(chart_id, i)}" '
            f'stroke="#161616" stroke-width="0.5"/>'
            f'<text x="{x + 20}" y="{y + 14}" class="dash-label">{escape(name)}</text>'
        )
    top = legend_rows * 20 + 8
    for row, item in enumerate(items):
        y = top + row * (ROW + 6)
        total = sum(item.parts)
        body.append(
            f'<text x="0" y="{y + 12}" class="dash-label">{escape(item.label)} '
            f"({escape(number_fr(total))})</text>"
        )
        x = 0.0
        for i, part in enumerate(item.parts):
            if not part:
                continue
            width = WIDTH * part / total
            body.append(
                f'<rect x="{x:.1f}" y="{y + 16}" width="{width:.1f}" height="16" '
                f'fill="{fill(chart_id, i)}" stroke="#fff" stroke-width="1"/>'
            )
            if width >= 28:  # the count inside its part when it fits
                body.append(
                    f'<text x="{x + width / 2:.1f}" y="{y + 28}" class="dash-inside" '
                    f'text-anchor="middle">{escape(number_fr(part))}</text>'
                )
            x += width
    summary = "; ".join(
        f"{item.label} : "
        + ", ".join(f"{name} {number_fr(n)}" for name, n in zip(series, item.parts, strict=True))
        for item in items
    )
    return _svg(chart_id, title, summary or "aucune donnée", top + len(items) * (ROW + 6), body)


def columns(
    chart_id: str, title: str, series: list[str], labels: list[str], values: list[tuple[int, ...]]
) -> Markup:
    """Grouped columns, one group per label (a month), one column per series, with a legend
    and each column's count above it."""
    body = [_defs(chart_id, len(series))]
    for i, name in enumerate(series):
        x = i * (WIDTH // 2)
        body.append(
            f'<rect x="{x}" y="2" width="14" height="14" fill="{fill(chart_id, i)}" '
            f'stroke="#161616" stroke-width="0.5"/>'
            f'<text x="{x + 20}" y="14" class="dash-label">{escape(name)}</text>'
        )
    top, plot = 40, 140
    highest = max((n for group in values for n in group), default=0) or 1
    group = WIDTH / max(len(labels), 1)
    column = min(group * 0.8 / max(len(series), 1), 24)
    baseline = top + plot
    body.append(
        f'<line x1="0" y1="{baseline}" x2="{WIDTH}" y2="{baseline}" stroke="#161616" '
        f'stroke-width="1"/>'
    )
    # One label every `step` groups: 13 fit under the chart, a longer period skips some.
    step, shown_year = -(-len(labels) // 13) or 1, ""
    for g, (label, counts) in enumerate(zip(labels, values, strict=True)):
        left = g * group + (group - column * len(series)) / 2
        for i, n in enumerate(counts):
            height = plot * n / highest
            x = left + i * column
            body.append(
                f'<rect x="{x:.1f}" y="{baseline - height:.1f}" width="{column:.1f}" '
                f'height="{height:.1f}" fill="{fill(chart_id, i)}"/>'
            )
            # The count above its column when it fits (about 6 units a digit): the table
            # has every count anyway.
            if n and len(number_fr(n)) * 6 <= group / len(counts) + 4:
                body.append(
                    f'<text x="{x + column / 2:.1f}" y="{baseline - height - 3:.1f}" '
                    f'class="dash-small" text-anchor="middle">{escape(number_fr(n))}</text>'
                )
        if g % step:
            continue
        # "sept. 26": the month under its group, the year below it when it changes.
        month, _, year = label.rpartition(" ")
        if not month:
            month, year = year, ""
        middle = g * group + group / 2
        body.append(
            f'<text x="{middle:.1f}" y="{baseline + 14}" class="dash-small" '
            f'text-anchor="middle">{escape(month)}</text>'
        )
        if year and year != shown_year:
            body.append(
                f'<text x="{middle:.1f}" y="{baseline + 26}" class="dash-small" '
                f'text-anchor="middle">{escape(year)}</text>'
            )
            shown_year = year
    summary = "; ".join(
        f"{label} : "
        + ", ".join(f"{name} {number_fr(n)}" for name, n in zip(series, counts, strict=True))
        for label, counts in zip(labels, values, strict=True)
    )
    return _svg(chart_id, title, summary or "aucune donnée", baseline + 32, body)
