"""The convention de prêt as a PDF: A4, French, fonts embedded, the same bytes for the same data.

`render_agreement` prints one convention; `render_agreements` prints a batch (a class, a
campaign) in one file, each convention from a new page, each page with its own loan's QR
code and its page number within its convention (see `loans.agreement_canvas`).

Layout, top to bottom: title and reference; the parties; the device and accessories; the
duration, end of loan and cession; the region's terms (structured blocks, `loans.terms`); the
data-protection notice; one box per signer. Every text from the data is escaped (reportlab's
paragraphs read a small markup) and made printable with the embedded fonts.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageBreakIfNotEmpty,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from loans.agreement_canvas import (
    FOOTER_HEIGHT,
    MARGIN,
    AgreementCanvas,
    Footer,
    StartAgreement,
)
from loans.agreement_data import (
    AgreementData,
    DeviceInfo,
    Guardian,
    RegionParty,
    SchoolParty,
    SignatureBlock,
    StudentParty,
)
from loans.pdf_fonts import BOLD, REGULAR, printable, register_fonts
from loans.pdf_pages import Box
from loans.pdf_paragraphs import SharedParagraph
from loans.terms import Block, Heading
from loans.terms import Paragraph as TextParagraph

__all__ = [
    "AgreementData",
    "DeviceInfo",
    "Guardian",
    "RegionParty",
    "SchoolParty",
    "SignatureBlock",
    "StudentParty",
    "french_date",
    "render_agreement",
    "render_agreements",
]

TITLE = "Convention de prêt de matériel numérique"
SIGNATURE_BOX = 32 * mm  # room to sign by hand, with « Lu et approuvé » and the date
GRID = colors.Color(0.6, 0.6, 0.6)
SHADE = colors.Color(0.93, 0.93, 0.93)


def french_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle(
        "body", fontName=REGULAR, bulletFontName=REGULAR, fontSize=9.5, leading=12.5, spaceAfter=3
    )
    return {
        "body": body,
        "title": ParagraphStyle(
            "title", body, fontName=BOLD, fontSize=16, leading=20, alignment=TA_CENTER
        ),
        "subtitle": ParagraphStyle(
            "subtitle", body, fontSize=11, leading=14, alignment=TA_CENTER, spaceAfter=2
        ),
        "meta": ParagraphStyle("meta", body, fontSize=8.5, alignment=TA_CENTER, spaceAfter=8),
        "section": ParagraphStyle(
            "section", body, fontName=BOLD, fontSize=12, leading=15, spaceBefore=9, spaceAfter=4
        ),
        "heading": ParagraphStyle(
            "heading", body, fontName=BOLD, fontSize=10, leading=13, spaceBefore=5, spaceAfter=2
        ),
        "item": ParagraphStyle(
            "item", body, leftIndent=5 * mm, bulletIndent=1.5 * mm, spaceAfter=1.5
        ),
        "cell": ParagraphStyle("cell", body, fontSize=9, leading=11.5, spaceAfter=0),
        "label": ParagraphStyle("label", body, fontName=BOLD, fontSize=9, leading=11.5),
    }


def _text(value: str) -> str:
    """Data as paragraph markup: characters the font lacks replaced, markup escaped."""
    return escape(printable(value))


def _para(value: str, style: str = "body") -> Paragraph:
    return Paragraph(_text(value), _styles()[style])


def _section(title: str) -> list[Flowable]:
    # Never a section title alone at the bottom of a page.
    return [CondPageBreak(25 * mm), SharedParagraph(_text(title), _styles()["section"])]


def _table(rows: Sequence[list[Any]], widths: list[float], style: list[Any], **kw: Any) -> Table:
    # Tables set their cells' font even when every cell is a paragraph: name ours, or
    # reportlab names Helvetica, a standard font that is not embedded.
    table = Table(rows, colWidths=widths, hAlign="LEFT", **kw)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR), *style]))
    return table


def _grid(rows: Sequence[list[Any]], widths: list[float], header: bool = False) -> Table:
    style: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    else:
        style.append(("BACKGROUND", (0, 0), (0, -1), SHADE))
    return _table(rows, widths, style)


def _parties(data: AgreementData, width: float) -> list[Flowable]:
    region, school, student = data.region, data.school, data.student
    region_lines = [f"<b>{_text(region.name)}</b>"]
    if region.address:
        region_lines.append(_text(region.address))
    student_lines = [
        f"<b>{_text(student.display_name)}</b>, né(e) le {french_date(student.birth_date)}",
        f"Classe : {_text(student.class_name)}",
    ]
    if student.ent_id:
        student_lines.append(f"Compte ENT : {_text(student.ent_id)}")
    rows = [
        ("La Région", region_lines),
        (
            "L’établissement",
            [
                f"<b>{_text(school.name)}</b> (UAI {_text(school.uai)}), {_text(school.city)}",
                f"représenté par son chef d’établissement, {_text(school.head_name)}",
            ],
        ),
        ("L’élève", student_lines),
    ]
    if data.guardians:
        label = "Représentant légal" if len(data.guardians) == 1 else "Représentants légaux"
        rows.append(
            (
                label,
                [
                    f"<b>{_text(g.display_name)}</b>, {_text(g.legal_authority)}"
                    for g in data.guardians
                ],
            )
        )
    styles = _styles()
    cells = [
        [SharedParagraph(label, styles["label"]), Paragraph("<br/>".join(lines), styles["cell"])]
        for label, lines in rows
    ]
    return [*_section("Les parties"), _grid(cells, [40 * mm, width - 40 * mm])]


def _device(data: AgreementData, width: float) -> list[Flowable]:
    device, styles = data.device, _styles()
    heads = ["Catégorie", "Fabricant", "Modèle", "N° de série", "N° d’inventaire"]
    values = [device.category, device.manufacturer, device.model, device.serial, device.asset_tag]
    rows: list[list[Any]] = [
        [SharedParagraph(h, styles["label"]) for h in heads],
        [Paragraph(_text(v), styles["cell"]) for v in values],
    ]
    accessories = (
        "Accessoires remis avec le matériel : " + ", ".join(map(_text, data.accessories)) + "."
        if data.accessories
        else "Aucun accessoire n’est remis avec le matériel."
    )
    return [
        *_section("Le matériel prêté"),
        _grid(rows, [width * share for share in (0.2, 0.18, 0.22, 0.2, 0.2)], header=True),
        Spacer(0, 2 * mm),
        Paragraph(accessories, styles["body"]),
    ]


def _duration(data: AgreementData) -> list[Flowable]:
    cession = data.cession_terms or (
        "La Région ne prévoit pas de cession de ce matériel : il est rendu à la fin du prêt."
    )
    return [
        *_section("Durée du prêt, restitution et cession"),
        Paragraph(
            f"Le prêt commence le <b>{french_date(data.start_date)}</b> et prend fin au plus "
            f"tard le <b>{french_date(data.due_date)}</b>.",
            _styles()["body"],
        ),
        _para(data.end_rule),
        _para(cession),
    ]


def _terms(blocks: Sequence[Block], version: int) -> list[Flowable]:
    styles = _styles()
    flowables = _section(f"Conditions générales du prêt (version {version})")
    for block in blocks:
        if isinstance(block, Heading):
            flowables.append(CondPageBreak(18 * mm))
            flowables.append(SharedParagraph(_text(block.text), styles["heading"]))
        elif isinstance(block, TextParagraph):
            flowables.append(SharedParagraph(_text(block.text), styles["body"]))
        else:
            flowables.extend(
                SharedParagraph(_text(item), styles["item"], bulletText="•") for item in block.items
            )
    return flowables


def _signature_cell(block: SignatureBlock, box_width: float) -> list[Flowable]:
    text = (
        f"<b>{_text(block.title)}</b><br/>{_text(block.name)}<br/>"
        "Date, mention « Lu et approuvé » et signature :"
    )
    return [
        Paragraph(text, _styles()["cell"]),
        Spacer(0, 1.5 * mm),
        Box(box_width, SIGNATURE_BOX),
    ]


def _signatures(data: AgreementData, width: float) -> list[Flowable]:
    column = (width - 6 * mm) / 2
    cells = [_signature_cell(block, column - 2) for block in data.signatures]
    if len(cells) % 2:
        cells.append([])
    rows = [cells[i : i + 2] for i in range(0, len(cells), 2)]
    table = _table(
        rows,
        [column + 3 * mm] * 2,
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * mm),
        ],
    )
    intro = _para(
        f"Fait à {data.school.city}, en autant d’exemplaires que de signataires. "
        "Chaque signataire déclare avoir lu la présente convention et ses conditions générales."
    )
    # The whole section on one page: its height is known closely enough without laying it
    # out twice (as KeepTogether would): title and intro, then a row of boxes per two signers.
    needed = 30 * mm + len(rows) * (SIGNATURE_BOX + 20 * mm)
    return [CondPageBreak(needed), *_section("Signatures"), intro, table]


def _agreement(data: AgreementData, index: int, width: float) -> list[Flowable]:
    meta = (
        f"Référence {_text(data.reference)} — document version {data.document_version} — "
        f"émis le {french_date(data.issue_date)}"
    )
    return [
        PageBreakIfNotEmpty(),
        StartAgreement(index),
        SharedParagraph(TITLE, _styles()["title"]),
        _para(data.region.name, "subtitle"),
        Paragraph(meta, _styles()["meta"]),
        *_parties(data, width),
        *_device(data, width),
        *_duration(data),
        *_terms(data.terms, data.terms_version),
        *_section("Protection des données personnelles"),
        _para(data.data_protection_notice),
        *_signatures(data, width),
    ]


class _Drawn(Flowable):
    """Nothing to see: tells `progress` that the conventions before it are laid out."""

    def __init__(self, tell: Callable[[], None]) -> None:
        super().__init__()
        self._tell = tell

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self._tell()


def render_agreements(
    batch: Sequence[AgreementData], progress: Callable[[int, int], None] | None = None
) -> bytes:
    """One PDF of every convention of `batch`, in order, each from a new page; every page
    carries its own loan's QR code and « Page N / M » within its convention.
    `progress(conventions drawn, conventions)` is told after each one."""
    if not batch:
        raise ValueError("aucune convention à imprimer")
    register_fonts()
    width, height = A4
    frame = Frame(
        MARGIN,
        FOOTER_HEIGHT + 4 * mm,
        width - 2 * MARGIN,
        height - MARGIN - FOOTER_HEIGHT - 4 * mm,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        pageTemplates=[PageTemplate("agreement", [frame])],
        invariant=1,
        pageCompression=1,
        initialFontName=REGULAR,  # else reportlab names Helvetica in every page's preamble
        lang="fr-FR",
    )
    footers = [
        Footer(d.reference, d.student.display_name, d.document_version, d.verification_url)
        for d in batch
    ]
    title = TITLE if len(batch) > 1 else f"{TITLE} {batch[0].reference}"
    canvasmaker = functools.partial(
        AgreementCanvas, footers=footers, issued=max(d.issue_date for d in batch), title=title
    )
    flowables: list[Flowable] = []
    for i, d in enumerate(batch):
        flowables += _agreement(d, i, width - 2 * MARGIN)
        if progress is not None:
            flowables.append(_Drawn(functools.partial(progress, i + 1, len(batch))))
    document.build(flowables, canvasmaker=canvasmaker)
    return buffer.getvalue()


def render_agreement(data: AgreementData) -> bytes:
    """The convention of one loan, as an A4 PDF (same data, same bytes)."""
    return render_agreements([data])
