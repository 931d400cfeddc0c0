"""The report of a stocktake, as CSV (for a spreadsheet) and as PDF (to print and file).

Both are built from a `StocktakeStatus`, so they say exactly what the page said. Dates are
written JJ/MM/AAAA HH:MM in the time zone the caller passes (Europe/Paris in the API).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from inventory.assets import STATES
from inventory.csv_format import BOM, CsvExport
from inventory.stocktake_views import ScannedLine, StocktakeStatus, StocktakeView

CSV_COLUMNS = (
    "Résultat",
    "N° d'inventaire",
    "N° de série",
    "Modèle",
    "État",
    "Établissement d'affectation",
    "UAI d'affectation",
    "Observation",
    "Scanné le",
    "Scanné par",
    "Code lu",
)


def when(value: dt.datetime | None, tz: dt.tzinfo) -> str:
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M") if value else ""


def state_label(code: str) -> str:
    return STATES.get(code, code)


def place(view: StocktakeView) -> str:
    return view.location or "établissement entier"


def home_of(line: ScannedLine) -> tuple[str, str]:
    if line.home is None:
        return f"Stock régional (région {line.home_region_code})", ""
    return line.home.name, line.home.uai


def filename(view: StocktakeView, extension: str) -> str:
    return f"inventaire-{view.id}-{view.establishment.uai}.{extension}"


def csv_report(status: StocktakeStatus, tz: dt.tzinfo) -> str:
    """One row per device (missing, unexpected, found, by tag), then the unknown codes."""
    school = status.stocktake.establishment
    rows = [
        ["manquant", m.tag, m.serial, m.model, state_label(m.state), school.name, school.uai]
        + ["déclaré perdu" if m.state == "lost" else "", "", "", ""]
        for m in status.missing
    ]
    for u in sorted(status.unexpected, key=lambda line: line.tag):
        name, uai = home_of(u)
        rows.append(
            ["inattendu", u.tag, u.serial, u.model, state_label(u.state), name, uai, u.reason]
            + [when(u.scanned_at, tz), u.scanned_by, ""]
        )
    for f in sorted(status.found, key=lambda line: line.tag):
        rows.append(
            ["trouvé", f.tag, f.serial, f.model, "", school.name, school.uai, ""]
            + [when(f.scanned_at, tz), f.scanned_by, ""]
        )
    for k in reversed(status.unknown):
        rows.append(["code inconnu"] + [""] * 7 + [when(k.scanned_at, tz), k.scanned_by, k.code])
    return BOM + CsvExport().lines(CSV_COLUMNS, *rows)


_STYLES = getSampleStyleSheet()
_BODY = _STYLES["BodyText"]
_CELL = _STYLES["BodyText"].clone("cell", fontSize=8.5, leading=10.5)
_HEAD = _CELL.clone("head", fontName="Helvetica-Bold")
_GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5, 10.5),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#666666")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8f8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _p(text: str, style=_CELL) -> Paragraph:
    return Paragraph(escape(text), style)


def _cell(text: str, width_mm: float):
    # Plain strings draw many times faster than paragraphs; only text too wide must wrap.
    fits = stringWidth(text, "Helvetica", _CELL.fontSize) <= width_mm * mm - 12  # padding
    return text if fits else _p(text)


def _table(headers: list[str], rows: list[list[str]], widths: list[float]) -> LongTable:
    head = [_p(h, _HEAD) for h in headers]
    data = [head] + [[_cell(c, w) for c, w in zip(row, widths, strict=True)] for row in rows]
    table = LongTable(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(_GRID)
    return table


def _section(title: str, headers, rows, widths) -> list:
    story: list[Flowable] = [Paragraph(escape(f"{title} ({len(rows)})"), _STYLES["Heading2"])]
    story.append(_table(headers, rows, widths) if rows else _p("Aucun.", _BODY))
    return story


def _facts(view: StocktakeView, tz: dt.tzinfo) -> Table:
    closed = f"{when(view.closed_at, tz)} par {view.closed_by}" if view.closed_at else "en cours"
    rows = [
        ("Établissement", f"{view.establishment.name} (UAI {view.establishment.uai})"),
        ("Lieu", place(view)),
        ("Ouvert le", f"{when(view.opened_at, tz)} par {view.opened_by}"),
        ("Clos le", closed),
    ]
    table = Table(
        [[_p(k, _HEAD), _p(v)] for k, v in rows], colWidths=[35 * mm, 135 * mm], hAlign="LEFT"
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _counts(view: StocktakeView) -> Table:
    c = view.counts
    rows = [
        ("Appareils attendus", c.expected),
        ("Appareils trouvés", c.found),
        ("Appareils manquants", c.missing),
        ("Appareils inattendus", c.unexpected),
    ]
    table = Table(
        [[_p(k, _HEAD), _p(str(n))] for k, n in rows], colWidths=[50 * mm, 25 * mm], hAlign="LEFT"
    )
    table.setStyle(_GRID)
    return table


# About this many table rows fit on a page: an estimate of the page count, for progress only.
ROWS_PER_PAGE = 44


def estimated_pages(status: StocktakeStatus) -> int:
    rows = len(status.missing) + len(status.unexpected) + len(status.found) + len(status.unknown)
    return 1 + rows // ROWS_PER_PAGE


def pdf_report(
    status: StocktakeStatus,
    tz: dt.tzinfo,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """`progress(pages drawn, pages expected)` is told after each page (an estimate: the last
    step is only reached when the file is written)."""
    view = status.stocktake
    expected = estimated_pages(status) + 1
    title = f"Inventaire n° {view.id} — {view.establishment.name}"
    story = [Paragraph(escape(title), _STYLES["Title"]), _facts(view, tz), Spacer(1, 4 * mm)]
    if view.is_open:
        story.append(_p("Rapport provisoire : l'inventaire n'est pas encore clos.", _HEAD))
    story += [Spacer(1, 2 * mm), _counts(view)]
    story += _section(
        "Appareils manquants",
        ["N° d'inventaire", "N° de série", "Modèle", "État actuel"],
        [[m.tag, m.serial, m.model, state_label(m.state)] for m in status.missing],
        [35, 40, 60, 35],
    )
    unexpected = sorted(status.unexpected, key=lambda line: line.tag)
    story += _section(
        "Appareils inattendus",
        ["N° d'inventaire", "Modèle", "Motif", "Scanné le"],
        [[u.tag, u.model, u.reason, when(u.scanned_at, tz)] for u in unexpected],
        [30, 45, 65, 30],
    )
    found = sorted(status.found, key=lambda line: line.tag)
    story += _section(
        "Appareils trouvés",
        ["N° d'inventaire", "N° de série", "Modèle", "Scanné le", "Par"],
        [[f.tag, f.serial, f.model, when(f.scanned_at, tz), f.scanned_by] for f in found],
        [30, 35, 45, 30, 30],
    )
    if status.unknown:
        story += _section(
            "Codes non reconnus",
            ["Code lu", "Scanné le", "Par"],
            [[k.code, when(k.scanned_at, tz), k.scanned_by] for k in reversed(status.unknown)],
            [90, 40, 40],
        )

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"{title} — page {document.page}")
        canvas.restoreState()
        if progress is not None:
            progress(min(document.page, expected - 1), expected)

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="ordipret",
        subject=f"Rapport d'inventaire, {place(view)}",
        lang="fr-FR",
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    if progress is not None:
        progress(expected, expected)
    return buffer.getvalue()
