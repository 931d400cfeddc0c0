"""The sealed record of a signed convention: one PDF a region can produce years later.

It holds, in order: the convention exactly as it was signed (its pages), a page with the
image of each signature and its label, and an evidence page (*dossier de preuve*) that lists,
for each signature, who signed, in which role, by which method, when, from which address and
browser, and the SHA-256 of the document they signed, with the SHA-256 of the convention
itself. `seal_record` then seals the whole with the region's certificate (PAdES,
`loans.sealing`): any later change to any page breaks the seal.

Pure: no database, no clock. The pages are drawn with reportlab and the project's embedded
fonts (`loans.pdf_pages`) and merged with pypdf; the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from datetime import UTC, datetime

import msgspec
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, KeepTogether, PageBreak, Paragraph, Spacer

from inventory.errors import Invalid
from loans.pdf_pages import build, facts, para, paris_minute, styles, text
from loans.sealing import SealKey, seal, seal_async

SIGNATURE_WIDTH = 80 * mm  # the largest a signature image is drawn
SIGNATURE_HEIGHT = 35 * mm
USER_AGENT_MAX = 90  # characters of a browser's User-Agent kept on the evidence page


class Evidence(msgspec.Struct, frozen=True, kw_only=True):
    """One signature as the evidence page tells it."""

    signer: str  # the name of the person who signed
    role: str  # their role, in French: « Élève », « Représentant légal », « Chef d'établissement »
    method: str  # how, in French: « Signature électronique simple (tracé à l'écran) »…
    signed_at: datetime  # aware; printed in Europe/Paris
    client_address: str = ""  # the IP address the signature came from
    user_agent: str = ""  # the browser's User-Agent, shortened when printed
    document_sha256: str = ""  # of the document they signed


def short_user_agent(user_agent: str, limit: int = USER_AGENT_MAX) -> str:
    """A User-Agent kept readable on one or two lines: whitespace collapsed, cut with « … »."""
    collapsed = " ".join(user_agent.split())
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 1].rstrip() + "…"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _signature_page(images: Sequence[tuple[str, bytes]]) -> list[Flowable]:
    flowables: list[Flowable] = [para("Signatures", "title"), Spacer(0, 6 * mm)]
    for index, (label, png) in enumerate(images):
        try:
            width, height = ImageReader(io.BytesIO(png)).getSize()
        except Exception:  # PIL raises many kinds on a damaged image
            raise Invalid(
                {f"signature_images[{index}]": "image de signature illisible (PNG attendu)"}
            ) from None
        if width <= 0 or height <= 0:
            raise Invalid({f"signature_images[{index}]": "image de signature vide"})
        scale = min(SIGNATURE_WIDTH / width, SIGNATURE_HEIGHT / height)
        image = Image(io.BytesIO(png), width=width * scale, height=height * scale)
        image.hAlign = "LEFT"
        flowables.append(
            KeepTogether([para(label, "section"), image, Spacer(0, 6 * mm)])  # label and image
        )
    return flowables


def _hash(sha256: str) -> Paragraph:
    return Paragraph(text(sha256 or "non enregistrée"), styles()["hash"])


def _evidence_page(
    agreement_sha256: str, evidence: Sequence[Evidence], title: str, reference: str, now: datetime
) -> list[Flowable]:
    flowables: list[Flowable] = [
        para("Dossier de preuve des signatures", "title"),
        para(f"{title} — référence {reference}", "meta"),
        facts(
            [
                ("Document signé", f"{title}, référence {reference}"),
                ("Empreinte SHA-256 de la convention", _hash(agreement_sha256)),
                ("Dossier constitué le", f"{paris_minute(now)} (heure de Paris)"),
                ("Nombre de signatures", str(len(evidence))),
            ]
        ),
    ]
    for number, item in enumerate(evidence, start=1):
        rows: list[tuple[str, str | Flowable]] = [
            ("Signataire", item.signer),
            ("Qualité", item.role),
            ("Méthode", item.method),
            ("Date et heure", f"{paris_minute(item.signed_at)} (heure de Paris)"),
            ("Adresse IP", item.client_address or "non enregistrée"),
            ("Navigateur", short_user_agent(item.user_agent) or "non enregistré"),
            ("Empreinte SHA-256 du document signé", _hash(item.document_sha256)),
        ]
        flowables.append(
            KeepTogether([para(f"Signature {number} — {item.role}", "section"), facts(rows)])
        )
    flowables += [
        Spacer(0, 6 * mm),
        Paragraph(
            text(
                "Ce dossier (la convention, les signatures et la présente page) est scellé "
                "électroniquement par la Région : toute modification ultérieure, même d’un "
                "seul caractère, rend le sceau invalide. L’empreinte SHA-256 permet de vérifier "
                "qu’un exemplaire de la convention est identique à celui qui a été signé."
            ),
            styles()["small"],
        ),
    ]
    return flowables


def _appendix(
    agreement_sha256: str,
    signature_images: Sequence[tuple[str, bytes]],
    evidence: Sequence[Evidence],
    title: str,
    reference: str,
    now: datetime,
    first_page: int,
) -> bytes:
    flowables: list[Flowable] = []
    if signature_images:
        flowables += [*_signature_page(signature_images), PageBreak()]
    flowables += _evidence_page(agreement_sha256, evidence, title, reference, now)
    return build(
        flowables,
        title=f"{title} {reference} — dossier de preuve",
        footer=f"{title} — référence {reference} — signatures et dossier de preuve",
        issued=now,
        first_page=first_page,
    )


def assemble_record(
    agreement_pdf: bytes,
    signature_images: Sequence[tuple[str, bytes]],
    evidence: Sequence[Evidence],
    *,
    title: str,
    reference: str,
    now: datetime,
) -> bytes:
    """One PDF: the pages of `agreement_pdf`, then a page of the signature images (each
    `(label, png)`, when there are any), then the evidence page. Not sealed yet: see
    `seal_record`. `Invalid` names `agreement_pdf` or the image it cannot read."""
    if not evidence:
        raise Invalid({"evidence": "au moins une signature attendue"})
    try:
        agreement = PdfReader(io.BytesIO(agreement_pdf), strict=False)
        pages = list(agreement.pages)
    except (PyPdfError, ValueError, OSError, KeyError, TypeError):
        raise Invalid({"agreement_pdf": "convention illisible (PDF attendu)"}) from None
    if not pages:
        raise Invalid({"agreement_pdf": "convention sans aucune page"})
    appendix = _appendix(
        sha256_hex(agreement_pdf), signature_images, evidence, title, reference, now, len(pages) + 1
    )
    writer = PdfWriter()
    for page in pages:
        writer.add_page(page)
    for page in PdfReader(io.BytesIO(appendix)).pages:
        writer.add_page(page)
    writer.add_metadata(
        {
            "/Title": f"{title} {reference}",
            "/Subject": f"{title} {reference}, signée, avec son dossier de preuve",
            "/Author": "ordipret",
            "/Creator": "ordipret",
            "/Producer": "ordipret",
            "/CreationDate": _pdf_date(now),
        }
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _pdf_date(moment: datetime) -> str:
    """A PDF date (D:YYYYMMDDHHmmSSZ), in UTC."""
    return moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ")


def seal_record(record: bytes, key: SealKey, *, reference: str, location: str, now: datetime):
    """The record sealed by the region (PAdES, `loans.sealing.seal`). Blocking: from a
    coroutine, use `seal_record_async`."""
    return seal(record, key, reason=_reason(reference), location=location, now=now)


async def seal_record_async(
    record: bytes, key: SealKey, *, reference: str, location: str, now: datetime
) -> bytes:
    """`seal_record` off the event loop (a worker thread, `loans.sealing.seal_async`)."""
    return await seal_async(record, key, reason=_reason(reference), location=location, now=now)


def _reason(reference: str) -> str:
    return f"Convention de prêt {reference} signée, avec son dossier de preuve"
