"""The sealed record of a signed convention, read back by real tools: pypdf for the pages and
their text, pyHanko (through `verify` and directly) for the seal."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from pypdf import PdfReader

from inventory.errors import Invalid
from loans.agreement_pdf import render_agreement
from loans.sealed_record import (
    Evidence,
    assemble_record,
    seal_record,
    seal_record_async,
    sha256_hex,
    short_user_agent,
)
from loans.sealing import load_seal_key, make_demo_seal, verify, verify_async
from tests.loans.agreement_samples import agreement
from tests.loans.test_sealing import pyhanko_status

NOW = datetime(2026, 9, 3, 14, 30, tzinfo=UTC)  # 16:30 in Paris
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def png(width: int = 400, height: int = 150) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (20, 20, 120, 255)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def convention() -> bytes:
    return render_agreement(agreement(7))


@pytest.fixture(scope="module")
def evidence(convention) -> list[Evidence]:
    signed = sha256_hex(convention)
    return [
        Evidence(
            signer="Noé Bénard",
            role="Élève",
            method="Signature électronique simple (tracé à l'écran)",
            signed_at=NOW - timedelta(days=1),
            client_address="203.0.113.7",
            user_agent=PHONE,
            document_sha256=signed,
        ),
        Evidence(
            signer="Hélène Bénard",
            role="Représentante légale",
            method="Signature électronique simple (code reçu par courriel)",
            signed_at=NOW - timedelta(hours=3),
            client_address="2001:db8::1",
            user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Firefox/128.0",
            document_sha256=signed,
        ),
        Evidence(
            signer="Françoise Aubépine",
            role="Chef d'établissement",
            method="Signature électronique simple (compte ENT)",
            signed_at=NOW,
            document_sha256=signed,
        ),
    ]


@pytest.fixture(scope="module")
def record(convention, evidence) -> bytes:
    images = [("Élève : Noé Bénard", png()), ("Représentante légale", png(300, 300))]
    return assemble_record(
        convention,
        images,
        evidence,
        title="Convention de prêt",
        reference="CVL-2026-000007",
        now=NOW,
    )


@pytest.fixture(scope="module")
def key():
    return load_seal_key(make_demo_seal("Région de démonstration", NOW), None)


@pytest.fixture(scope="module")
def sealed(record, key) -> bytes:
    return seal_record(record, key, reference="CVL-2026-000007", location="Orléans", now=NOW)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_record_is_the_convention_then_a_signature_page_then_the_evidence_page(
    convention, record
):
    signed, assembled = pages_text(convention), pages_text(record)
    assert len(assembled) == len(signed) + 2
    assert assembled[: len(signed)] == signed  # the convention's pages, untouched
    assert "Signatures" in assembled[-2] and "Élève : Noé Bénard" in assembled[-2]
    assert "Dossier de preuve des signatures" in assembled[-1]


def test_the_signature_page_draws_each_image(record):
    page = PdfReader(io.BytesIO(record)).pages[-2]
    assert len(page.images) == 2


def test_the_evidence_page_holds_each_signers_role_method_date_and_the_hash(
    convention, evidence, record
):
    text = pages_text(record)[-1]
    assert f"Empreinte SHA-256 de\nla convention\n{sha256_hex(convention)}" in text
    for item in evidence:
        assert item.signer in text and item.role in text and item.method in text
    assert "02/09/2026 16:30" in text  # Europe/Paris, JJ/MM/AAAA HH:MM
    assert "03/09/2026 13:30" in text and "03/09/2026 16:30" in text
    assert "203.0.113.7" in text and "2001:db8::1" in text
    assert text.count(sha256_hex(convention)) == 1 + len(evidence)
    assert "non enregistrée" in text  # the head's signature kept no address


def test_a_long_user_agent_is_shortened_on_the_page(record):
    text = pages_text(record)[-1]
    assert short_user_agent(PHONE).endswith("…")
    assert "Mobile Safari" not in text
    assert "Firefox/128.0" in text  # a short one is kept whole


def test_the_same_inputs_give_the_same_record(convention, evidence, record):
    images = [("Élève : Noé Bénard", png()), ("Représentante légale", png(300, 300))]
    again = assemble_record(
        convention,
        images,
        evidence,
        title="Convention de prêt",
        reference="CVL-2026-000007",
        now=NOW,
    )
    assert again == record


def test_the_pages_added_embed_their_fonts(record):
    for page in PdfReader(io.BytesIO(record)).pages[-2:]:
        fonts = page["/Resources"]["/Font"]
        for font in fonts.values():
            descriptor = font.get_object()
            if "/DescendantFonts" in descriptor:
                descriptor = descriptor["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descriptor["/FontDescriptor"], descriptor["/BaseFont"]


def test_the_sealed_record_is_intact_for_verify_and_for_pyhanko(key, sealed):
    result = verify(sealed, [key.certificate], now=NOW)
    assert result.status == "intact" and result.trusted and result.demonstration
    _, status = pyhanko_status(sealed, key.certificate)
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"


async def test_sealing_off_the_event_loop_gives_an_intact_record(key, record):
    sealed = await seal_record_async(
        record, key, reference="CVL-2026-000007", location="Orléans", now=NOW
    )
    assert (await verify_async(sealed, [key.certificate], now=NOW)).status == "intact"


def test_one_byte_changed_in_the_record_breaks_the_seal(key, sealed):
    at = sealed.index(b"/Title")  # in the sealed range: the record's own Info dictionary
    tampered = sealed[: at + 1] + b"t" + sealed[at + 2 :]
    result = verify(tampered, [key.certificate], now=NOW)
    assert result.sealed and result.status == "altered"


def test_a_record_without_any_signature_is_refused(convention):
    with pytest.raises(Invalid) as refused:
        assemble_record(convention, [], [], title="Convention", reference="X", now=NOW)
    assert "evidence" in refused.value.fields


def test_a_damaged_convention_or_image_is_refused_naming_it(convention, evidence):
    with pytest.raises(Invalid) as refused:
        assemble_record(b"pas un PDF", [], evidence, title="C", reference="X", now=NOW)
    assert "agreement_pdf" in refused.value.fields
    with pytest.raises(Invalid) as refused:
        assemble_record(
            convention, [("Élève", b"\x89PNG")], evidence, title="C", reference="X", now=NOW
        )
    assert "signature_images[0]" in refused.value.fields
