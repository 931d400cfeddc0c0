"""The convention de prêt PDF, read back by real tools: pypdf for the text and the font
objects, pdfium to rasterise, zxing-cpp to decode each page's QR code."""

from __future__ import annotations

import io
import re

import msgspec
import pypdf
import pytest
from pypdf.generic import IndirectObject

from loans.agreement_data import SignatureBlock, StudentParty
from loans.agreement_pdf import render_agreement, render_agreements
from loans.pdf_fonts import printable
from loans.pdf_paragraphs import clear_caches
from tests.labels.samples import decode, pages
from tests.loans.agreement_samples import agreement

STANDARD_14 = {
    "Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique", "Helvetica",
    "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique", "Times-Roman", "Times-Bold",
    "Times-Italic", "Times-BoldItalic", "Symbol", "ZapfDingbats",
}  # fmt: skip


def texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def fonts_of(pdf: bytes) -> list[dict]:
    """Every font of every page's resources, descendant fonts of Type0 fonts included."""
    found = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        resources = resolved(page["/Resources"])
        for font in resolved(resources.get("/Font", {})).values():
            font = resolved(font)
            found.append(font)
            found.extend(resolved(d) for d in resolved(font.get("/DescendantFonts", [])))
    return found


def test_the_text_names_the_parties_the_device_and_the_terms_version():
    data = agreement(4)
    text = "\n".join(texts(render_agreement(data)))
    for expected in (
        "Convention de prêt de matériel numérique",
        "Région Centre-Val de Loire",
        "Lycée Jean-Zay (UAI 0450042X), Orléans",
        "représenté par son chef d’établissement, Mme Françoise Aubépine",
        "Zoé DUPONT-GAËL, né(e) le 14/03/2010",
        "Compte ENT : ent.00004",
        "Hélène DUPONT-GAËL, mère, titulaire de l’autorité parentale",
        "PF4SN00004Z",
        "CVL-000004",
        "ThinkPad E14 Gen 5",
        "Chargeur USB-C 65 W, Housse de protection",
        "Conditions générales du prêt (version 1)",
        "Article 6 — Perte, vol et dommages",
        "dpo@centrevaldeloire.example.fr",
        "Lu et approuvé",
    ):
        assert expected in text, expected


def test_dates_are_printed_jj_mm_aaaa():
    text = texts(render_agreement(agreement(0)))[0]
    assert "Le prêt commence le 03/09/2026 et prend fin au plus tard le 04/07/2029" in text
    assert "émis le 02/09/2026" in text


def test_a_region_without_cession_says_the_device_is_returned():
    text = "\n".join(texts(render_agreement(agreement(0, cession=False))))
    assert "La Région ne prévoit pas de cession de ce matériel" in text
    assert "euro symbolique" not in text


def test_there_is_one_signature_box_per_required_signer_with_its_role_and_name():
    text = "\n".join(texts(render_agreement(agreement(1, guardians=1))))
    assert text.count("Date, mention « Lu et approuvé » et signature") == 3
    for line in ("L’élève\nMaël BÉNARD", "Représentant légal\nHélène BÉNARD",
                 "Le chef d’établissement\nMme Françoise Aubépine"):  # fmt: skip
        assert line in text


def test_data_that_looks_like_markup_is_printed_as_typed():
    data = msgspec.structs.replace(
        agreement(0),
        student=StudentParty("O'Brien <b>&amp;", "Zoé", "1re <2>", agreement(0).student.birth_date),
        signatures=[SignatureBlock("student", "Zoé <i>O'Brien</i>")],
    )
    text = "\n".join(texts(render_agreement(data)))
    assert "Zoé O'BRIEN <B>&AMP;" in text and "Classe : 1re <2>" in text
    assert "Zoé <i>O'Brien</i>" in text


def test_every_font_is_embedded_and_none_is_a_standard_one():
    fonts = fonts_of(render_agreements([agreement(0), agreement(1)]))
    assert fonts
    for font in fonts:
        assert font["/BaseFont"].split("+")[-1] not in STANDARD_14, font["/BaseFont"]
        if font["/Subtype"] == "/Type0":
            continue  # its glyphs are in its descendant font, checked in turn
        descriptor = resolved(font["/FontDescriptor"])
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]


def test_characters_missing_from_the_font_print_as_their_closest_letters():
    assert printable("Nguyễn\u202f: œ « » ’") == "Nguyên\u00a0: œ « » ’"
    assert printable("\U0001f600") == "?"
    data = msgspec.structs.replace(
        agreement(0), student=msgspec.structs.replace(agreement(0).student, last_name="Nguyễn")
    )
    assert "Léa NGUYÊN" in texts(render_agreement(data))[0]


def test_the_same_data_gives_the_same_bytes():
    assert render_agreement(agreement(5)) == render_agreement(agreement(5))
    batch = [agreement(n) for n in range(3)]
    assert render_agreements(batch) == render_agreements(list(batch))


def test_the_creation_date_is_the_issue_date_and_not_the_clock():
    pdf = render_agreement(agreement(0))
    info = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert info["/CreationDate"].startswith("D:20260902000000")
    other = msgspec.structs.replace(agreement(0), issue_date=agreement(0).due_date)
    assert (
        pypdf.PdfReader(io.BytesIO(render_agreement(other)))
        .metadata["/CreationDate"]
        .startswith("D:20290704")
    )


def test_pages_are_a4():
    for page in pypdf.PdfReader(io.BytesIO(render_agreement(agreement(0)))).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            (595.27, 841.89), abs=0.01
        )


def test_in_a_batch_each_convention_starts_a_page_and_numbers_its_own_pages():
    batch = [agreement(n, guardians=n % 3) for n in range(4)]
    page_texts = texts(render_agreements(batch))
    starts = [i for i, t in enumerate(page_texts) if t.startswith(
        "Convention de prêt de matériel numérique")]  # fmt: skip
    assert len(starts) == 4 and starts[0] == 0
    for number, (first, end) in enumerate(zip(starts, [*starts[1:], len(page_texts)], strict=True)):
        total = end - first
        for n, text in enumerate(page_texts[first:end], start=1):
            assert f"Page {n} / {total}" in text
            assert f"Convention de prêt n° CVL-2026-{number:06d}" in text
            assert batch[number].verification_url in text


def test_every_page_of_a_batch_carries_the_qr_of_its_own_loan():
    batch = [agreement(n) for n in range(3)]
    page_texts = texts(render_agreements(batch))
    images = pages(render_agreements(batch), dpi=200)
    assert len(images) == len(page_texts) > 3
    for text, image in zip(page_texts, images, strict=True):
        reference = re.search(r"Convention de prêt n° CVL-2026-(\d{6})", text)
        assert reference
        width, height = image.size
        footer = image.crop((width // 2, height * 85 // 100, width, height))
        assert decode(footer) == [batch[int(reference.group(1))].verification_url]


def test_an_empty_batch_is_refused():
    with pytest.raises(ValueError):
        render_agreements([])


def test_terms_laid_out_once_and_reused_print_exactly_as_laid_out_afresh():
    data = agreement(2)
    clear_caches()
    cold = render_agreement(data)
    assert render_agreement(data) == cold
    assert render_agreements([agreement(1), data])  # warms the caches with a batch
    assert render_agreement(data) == cold


def font_programs(pdf: bytes) -> list[bytes]:
    return sorted(
        resolved(resolved(font["/FontDescriptor"])["/FontFile2"]).get_data()
        for font in fonts_of(pdf)
        if "/FontDescriptor" in font
    )


def test_conventions_within_the_usual_characters_embed_the_same_font_programs():
    first, second = render_agreement(agreement(1)), render_agreement(agreement(2))
    assert texts(first)[0] != texts(second)[0]  # other students
    assert font_programs(first) == font_programs(second)


def test_a_name_outside_the_usual_characters_still_prints_and_reads_back():
    student = msgspec.structs.replace(agreement(0).student, last_name="Ðorđević-Şahin")
    data = msgspec.structs.replace(agreement(0), student=student)
    pdf = render_agreement(data)
    assert "Léa ÐORĐEVIĆ-ŞAHIN" in texts(pdf)[0]
    assert font_programs(pdf) != font_programs(render_agreement(agreement(0)))
    assert render_agreement(data) == pdf  # still the same bytes for the same data
