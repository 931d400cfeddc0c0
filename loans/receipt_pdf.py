"""The return receipt (*reçu de retour*) as a PDF: A4, French, fonts embedded, the same bytes
for the same data.

It says what came back and in what state: the device, the accessories given, returned and
missing, the physical condition, the damage noted, how many photos were taken, who received
it, and lines to sign for the staff member and, when the student is there, the student. The
same data is shown by the receipt page (`/prets/{id}/recu`); `loans.receipts` fills it from
the database and seals the PDF.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import msgspec
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, KeepTogether, Paragraph, Spacer

from inventory.assets import CONDITIONS, STATES
from loans.pdf_pages import (
    WIDTH,
    Box,
    QrCode,
    build,
    facts,
    para,
    paris_minute,
    styles,
    table,
    text,
)

TITLE = "Reçu de retour de matériel"
SIGNATURE_BOX = 28 * mm
QR_SIDE = 24 * mm
THUMBNAIL = 38 * mm  # four to a row
PHOTOS_PRINTED = 8


class ReceiptData(msgspec.Struct, frozen=True, kw_only=True):
    """What a return receipt prints: plain values, as `loans.receipts` reads them."""

    loan_id: int
    region: str  # « Région Centre-Val de Loire »
    school: str  # « Lycée Jean-Zay (UAI 0450042X), Orléans »
    student: str | None  # the student's name; None: no line for the student to sign
    class_name: str
    device: str  # « CVL-000123 – Lenovo ThinkPad E14 »
    handed_over_on: date | None
    returned_at: datetime  # aware; printed in Europe/Paris
    received_by: str  # the staff member who took the device back
    condition: str | None  # A, B, C or D
    device_state: str  # the asset's state after the return: in_stock or in_repair
    accessories_given: list[str]
    accessories_returned: list[str]
    missing_accessories: list[str]
    damage_notes: str
    photo_count: int
    printed_on: date
    verification_url: str = ""  # where its QR code leads (`/verify/{public_id}`); "": none
    photos: list[bytes] = []  # the return's photos (JPEG or PNG), printed as thumbnails


def condition_label(code: str | None) -> str:
    if code is None:
        return "non renseigné"
    return f"{code} – {CONDITIONS[code]}" if code in CONDITIONS else code


def fate_label(state: str) -> str:
    if state == "in_stock":
        return "remis en stock"
    return STATES.get(state, state)


def _listing(items: list[str]) -> str:
    return ", ".join(items) if items else "aucun"


def _day(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"


def _signature(title: str, name: str) -> list[Flowable]:
    return [
        Paragraph(
            f"<b>{text(title)}</b><br/>{text(name)}<br/>Date et signature :", styles()["cell"]
        ),
        Spacer(0, 1.5 * mm),
        Box(WIDTH / 2 - 6 * mm, SIGNATURE_BOX),
    ]


def _signatures(data: ReceiptData) -> Flowable:
    cells = [
        _signature("Pour l’établissement", data.received_by or "—"),
        _signature("L’élève", data.student) if data.student is not None else [],
    ]
    grid = table(
        [cells],
        [WIDTH / 2, WIDTH / 2],
        [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
    )
    return KeepTogether([para("Signatures", "section"), grid])


def _thumbnail(content: bytes) -> Flowable | None:
    """The photo scaled into a square cell; None for bytes no image reader can draw (the
    upload checks only the file's signature)."""
    try:
        width, height = ImageReader(io.BytesIO(content)).getSize()
    except Exception:  # noqa: BLE001 - a photo that cannot be drawn is left out, not fatal
        return None
    ratio = min(THUMBNAIL / width, THUMBNAIL / height)
    return Image(io.BytesIO(content), width=width * ratio, height=height * ratio)


def _photos(photos: list[bytes]) -> Flowable | None:
    """The photos as thumbnails, four to a row: the receipt shows what was seen, not only
    how many pictures were taken."""
    drawn = [_thumbnail(content) for content in photos[:PHOTOS_PRINTED]]
    shown: list = [thumbnail for thumbnail in drawn if thumbnail is not None]
    if not shown:
        return None
    rows = [shown[start : start + 4] for start in range(0, len(shown), 4)]
    rows[-1] += [""] * (4 - len(rows[-1]))
    grid = table(
        rows,
        [WIDTH / 4] * 4,
        [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
    )
    return KeepTogether([para("Photos du retour", "section"), grid])


def _seal_notice(verification_url: str) -> Flowable:
    notice = (
        "Ce reçu est scellé électroniquement par la Région : toute modification, même d’un "
        "seul caractère, rend le sceau invalide. Il peut être vérifié à tout moment"
    )
    if not verification_url:
        return para(notice + ".", "small")
    words = para(f"{notice}, en lisant ce code ou à l’adresse {verification_url}.", "small")
    return table(
        [[words, QrCode(verification_url, QR_SIDE)]],
        [WIDTH - QR_SIDE - 4 * mm, QR_SIDE + 4 * mm],
        [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
    )


def render_receipt(data: ReceiptData) -> bytes:
    """The receipt of one return, as an A4 PDF (same data, same bytes)."""
    missing = data.missing_accessories
    flowables: list[Flowable] = [
        para(TITLE, "title"),
        para(data.region, "meta"),
        para(f"Prêt n° {data.loan_id} — imprimé le {_day(data.printed_on)}", "meta"),
        para("Le prêt", "section"),
        facts(
            [
                ("Établissement", data.school),
                (
                    "Élève",
                    f"{data.student} ({data.class_name})"
                    if data.student and data.class_name
                    else data.student or "—",
                ),
                ("Appareil", data.device),
                ("Remis le", _day(data.handed_over_on)),
                ("Rendu le", f"{paris_minute(data.returned_at)} (heure de Paris)"),
                ("Reçu par", data.received_by or "—"),
            ]
        ),
        para("Le matériel rendu", "section"),
        facts(
            [
                ("Accessoires remis", _listing(data.accessories_given)),
                ("Accessoires rendus", _listing(data.accessories_returned)),
                ("Accessoires manquants", _listing(missing)),
                ("État physique", condition_label(data.condition)),
                ("Dégâts constatés", data.damage_notes.strip() or "aucun"),
                ("Photos jointes", str(data.photo_count)),
                ("Devenir de l’appareil", fate_label(data.device_state)),
            ]
        ),
    ]
    if missing:
        flowables += [
            Spacer(0, 3 * mm),
            para(
                "Manquant" + ("s" if len(missing) > 1 else "") + " au retour : "
                f"{', '.join(missing)}.",
                "body",
            ),
        ]
    if data.photos and (thumbnails := _photos(data.photos)) is not None:
        flowables += [Spacer(0, 2 * mm), thumbnails]
    flowables += [
        Spacer(0, 4 * mm),
        _signatures(data),
        Spacer(0, 6 * mm),
        _seal_notice(data.verification_url),
    ]
    return build(
        flowables,
        title=f"{TITLE} — prêt n° {data.loan_id}",
        footer=f"{TITLE} — prêt n° {data.loan_id} — {data.region}",
        issued=data.returned_at,
    )
