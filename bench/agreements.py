"""Conventions de prêt as PDF: the cost of ours against a bare reportlab document of the same
text, measured in the same run, one process, one core.

- `bare`: the same texts (title, parties, device, dates, the default terms, the notice, the
  signers) as plain platypus paragraphs in a SimpleDocTemplate with the same embedded fonts:
  no tables, no footer, no page numbers, no QR code. What any reportlab version would cost.
- `single`: `render_agreement`, one convention per PDF (unsealed), the app's common case.
- `class`: `render_agreements` of 35 conventions in one PDF (targets < 1 s).
- `school`: `render_agreements` of 1,500 conventions in one PDF (targets < 30 s).

Targets: `single` at most 1.5 × `bare`, and at least 100 conventions per second. Wall time
counts, but on a busy machine the process's CPU time (`*_cpu_s`) is the steadier figure.
"""

from __future__ import annotations

import functools
import io
import time
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate

from bench.registry import Options, benchmark
from loans.agreement_data import (
    AgreementData,
    DeviceInfo,
    Guardian,
    RegionParty,
    SchoolParty,
    SignatureBlock,
    StudentParty,
)
from loans.agreement_pdf import french_date, render_agreement, render_agreements
from loans.default_terms import DEFAULT_TERMS_VERSION, default_terms
from loans.pdf_fonts import FONT_DIR
from loans.terms import Heading, Items
from loans.terms import Paragraph as TextParagraph

CLASS, SCHOOL = 35, 1_500
SINGLE_BUDGET_S = 3.0  # measure single documents (and the baseline) for about this long each
FIRST = ("Léa", "Maël", "Chloé", "Noé", "Zoé", "Jérôme", "Inès", "François", "Anaïs", "Loïc")
LAST = ("Lefèvre", "Bénard", "Martin", "Dupont-Gaël", "Œuvray", "Çelik", "Hô", "Moreau")


def agreement(number: int) -> AgreementData:
    first, last = FIRST[number % len(FIRST)], LAST[number % len(LAST)]
    guardians = [Guardian(last, "Hélène", "mère, titulaire de l’autorité parentale")]
    return AgreementData(
        reference=f"CVL-2026-{number:06d}",
        document_version=1,
        issue_date=date(2026, 9, 2),
        region=RegionParty("Région Centre-Val de Loire", "9 rue Saint-Pierre-Lentin, Orléans"),
        school=SchoolParty("Lycée Jean-Zay", "0450042X", "Orléans", "Mme Françoise Aubépine"),
        student=StudentParty(last, first, "2nde 3", date(2010, 3, 14), f"ent.{number:06d}"),
        guardians=guardians,
        device=DeviceInfo(
            "Lenovo",
            "ThinkPad E14 Gen 5",
            f"PF4SN{number:06d}",
            f"CVL-{number:06d}",
            "Ordinateur portable",
        ),
        accessories=["Chargeur USB-C 65 W", "Housse de protection"],
        start_date=date(2026, 9, 3),
        due_date=date(2029, 7, 4),
        end_rule="Le matériel est rendu à la fin de la classe de terminale.",
        cession_terms="À la fin du prêt, la Région cède le matériel à l’élève pour un euro.",
        terms=default_terms(),
        terms_version=DEFAULT_TERMS_VERSION,
        data_protection_notice="Délégué à la protection des données : dpo@region.example.fr.",
        signatures=[
            SignatureBlock("student", f"{first} {last.upper()}"),
            SignatureBlock("guardian", guardians[0].display_name),
            SignatureBlock("head_of_school", "Mme Françoise Aubépine"),
        ],
        verification_url=f"https://ordipret.example.fr/v/{number:08d}",
    )


def _bare_texts(data: AgreementData) -> list[tuple[str, str]]:
    """(style, text) of every text the convention prints, in order."""
    d, s, g = data.device, data.student, data.guardians
    texts = [
        ("title", "Convention de prêt de matériel numérique"),
        ("body", data.region.name),
        ("body", f"Référence {data.reference} — émis le {french_date(data.issue_date)}"),
        ("heading", "Les parties"),
        ("body", f"{data.region.name}, {data.region.address}"),
        ("body", f"{data.school.name} (UAI {data.school.uai}), {data.school.city}, "
                 f"représenté par {data.school.head_name}"),
        ("body", f"{s.display_name}, né(e) le {french_date(s.birth_date)}, classe {s.class_name}"),
        *[("body", f"{x.display_name}, {x.legal_authority}") for x in g],
        ("heading", "Le matériel prêté"),
        ("body", f"{d.category} {d.manufacturer} {d.model}, série {d.serial}, {d.asset_tag}"),
        ("body", "Accessoires : " + ", ".join(data.accessories)),
        ("heading", "Durée du prêt"),
        ("body", f"Du {french_date(data.start_date)} au {french_date(data.due_date)}."),
        ("body", data.end_rule),
        ("body", data.cession_terms or ""),
        ("heading", f"Conditions générales (version {data.terms_version})"),
    ]  # fmt: skip
    for block in data.terms:
        if isinstance(block, Heading):
            texts.append(("heading", block.text))
        elif isinstance(block, TextParagraph):
            texts.append(("body", block.text))
        elif isinstance(block, Items):
            texts.extend(("body", f"• {item}") for item in block.items)
    texts.append(("body", data.data_protection_notice))
    texts.extend(("body", f"{b.title} : {b.name}") for b in data.signatures)
    return texts


@functools.cache
def _bare_fonts() -> tuple[str, str]:
    """The same font files as the conventions, registered as plain reportlab fonts: without
    the font programs ordipret keeps per process (`loans.pdf_font_cache`), as reportlab
    alone would embed them."""
    names = ("BenchBare", "BenchBare-Bold")
    for name, file in zip(names, ("Vera.ttf", "VeraBd.ttf"), strict=True):
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    return names


def bare_document(data: AgreementData) -> bytes:
    """The baseline: the same texts, bare platypus, the same fonts embedded by reportlab."""
    regular, bold = _bare_fonts()
    body = ParagraphStyle("b", fontName=regular, fontSize=9.5, leading=12.5, spaceAfter=3)
    styles = {
        "body": body,
        "heading": ParagraphStyle("h", body, fontName=bold, fontSize=11, leading=14),
        "title": ParagraphStyle("t", body, fontName=bold, fontSize=16, leading=20),
    }
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, invariant=1, initialFontName=regular, leftMargin=15 * mm
    )
    doc.build([Paragraph(text, styles[style]) for style, text in _bare_texts(data)])
    return buffer.getvalue()


def _per_second(function, batch: list[AgreementData]) -> tuple[float, float, int, int]:
    """Documents per second (wall, CPU) rendering one document at a time for about
    SINGLE_BUDGET_S, cycling through `batch`; and how many, and the last one's size."""
    function(batch[0])  # warm-up: fonts, styles, caches
    count, size = 0, 0
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < SINGLE_BUDGET_S:
        for data in batch:
            size = len(function(data))
        count += len(batch)
    return (
        count / (time.perf_counter() - wall),
        count / (time.process_time() - cpu),
        count,
        size,
    )


def _timed(function, *args) -> tuple[float, float, bytes]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run_agreements(school: int = SCHOOL) -> dict:
    batch = [agreement(n) for n in range(school)]
    sample = batch[:20]
    bare_rate, bare_cpu_rate, _, bare_size = _per_second(bare_document, sample)
    rate, cpu_rate, count, size = _per_second(render_agreement, sample)
    class_s, class_cpu_s, class_pdf = _timed(render_agreements, batch[:CLASS])
    school_s, school_cpu_s, school_pdf = _timed(render_agreements, batch)
    return {
        "single_per_s": round(rate, 1),
        "single_cpu_per_s": round(cpu_rate, 1),
        "single_ms": round(1000 / rate, 2),
        "single_measured": count,
        "single_bytes": size,
        "bare_per_s": round(bare_rate, 1),
        "bare_cpu_per_s": round(bare_cpu_rate, 1),
        "bare_ms": round(1000 / bare_rate, 2),
        "bare_bytes": bare_size,
        "ratio_single_to_bare": round(bare_rate / rate, 3),
        "ratio_single_to_bare_cpu": round(bare_cpu_rate / cpu_rate, 3),
        "class": CLASS,
        "class_s": round(class_s, 3),
        "class_cpu_s": round(class_cpu_s, 3),
        "class_bytes": len(class_pdf),
        "school": school,
        "school_s": round(school_s, 2),
        "school_cpu_s": round(school_cpu_s, 2),
        "school_bytes": len(school_pdf),
        "school_ms_per_agreement": round(school_s * 1000 / school, 2),
        "within_targets": bool(
            bare_rate / rate <= 1.5 and rate >= 100 and class_s < 1 and school_s < 30
        ),
        # The same targets on CPU time: what one free core would give on a busy machine.
        "within_targets_cpu": bool(
            bare_cpu_rate / cpu_rate <= 1.5
            and cpu_rate >= 100
            and class_cpu_s < 1
            and school_cpu_s < 30
        ),
    }


def summary_rows(f: dict) -> list[tuple[str, ...]]:
    rows = [
        ("what", "per s", "per s (CPU)", "wall", "CPU", "x bare", "x bare (CPU)", "target"),
        ("bare platypus, same texts", f["bare_per_s"], f["bare_cpu_per_s"],
         f"{f['bare_ms']} ms", "", 1, 1, ""),
        ("render_agreement", f["single_per_s"], f["single_cpu_per_s"], f"{f['single_ms']} ms",
         "", f["ratio_single_to_bare"], f["ratio_single_to_bare_cpu"], "<= 1.5 x, >= 100/s"),
        (f"render_agreements, class of {f['class']}", "", "", f"{f['class_s']} s",
         f"{f['class_cpu_s']} s", "", "", "< 1 s"),
        (f"render_agreements, school of {f['school']}", "", "", f"{f['school_s']} s",
         f"{f['school_cpu_s']} s", "", "", "< 30 s"),
        ("all targets met (wall / CPU)", "", "", "", "", "", "",
         f"{'PASS' if f['within_targets'] else 'OVER'} / "
         f"{'PASS' if f['within_targets_cpu'] else 'OVER'}"),
    ]  # fmt: skip
    return [tuple(str(cell) for cell in row) for row in rows]


@benchmark(
    "agreements",
    "conventions de prêt PDF on one core: single, class of 35, school of 1,500, beside bare "
    "reportlab",
    table=summary_rows,
)
def agreements_benchmark(options: Options) -> dict:
    return run_agreements()
