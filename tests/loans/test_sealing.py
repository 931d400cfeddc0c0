"""The seal of signed agreements: real PDFs (reportlab), real PAdES signatures and checks
(pyHanko), real certificates (cryptography)."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from inventory.errors import DomainError, Invalid
from loans import sealing
from loans.sealing import load_seal_key, make_demo_seal, seal, seal_async, verify, verify_async

NOW = datetime(2026, 9, 3, 14, 30, tzinfo=UTC)


def agreement(text: str = "Convention de pret n 2026-0042") -> bytes:
    """A small one-page PDF, its page content left uncompressed so a test can find a word."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pageCompression=0)
    page.drawString(72, 760, text)
    page.drawString(72, 740, "Ordinateur portable CVL-000123, rendu au plus tard le 04/07/2027")
    page.showPage()
    page.save()
    return buffer.getvalue()


def region_p12(password: bytes = b"mot-de-passe", *, days: int = 3 * 365) -> bytes:
    """A certificate as a region would hold one: not ordipret's demonstration subject."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Région Centre-Val de Loire"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Région Centre-Val de Loire"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=30))
        .not_valid_after(NOW - timedelta(days=30) + timedelta(days=days))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"region", key, certificate, None, BestAvailableEncryption(password)
    )


@pytest.fixture(scope="module")
def demo_key() -> sealing.SealKey:
    return load_seal_key(make_demo_seal("Région de démonstration", NOW), None)


@pytest.fixture(scope="module")
def sealed(demo_key) -> bytes:
    return seal(agreement(), demo_key, reason="Convention de prêt", location="Orléans", now=NOW)


def pyhanko_status(pdf: bytes, trusted: x509.Certificate):
    """pyHanko's own verdict, independently of `verify`."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(trusted.public_bytes(Encoding.DER))
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    context = ValidationContext(trust_roots=[root], moment=NOW + timedelta(days=1))
    return signature, validate_pdf_signature(signature, signer_validation_context=context)


def test_a_sealed_agreement_is_intact_and_signed_by_the_seal_certificate_for_pyhanko(
    demo_key, sealed
):
    signature, status = pyhanko_status(sealed, demo_key.certificate)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signing_cert.dump() == demo_key.certificate.public_bytes(
        sealing.serialization.Encoding.DER
    )
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert signature.sig_object["/Reason"] == "Convention de prêt"
    assert signature.sig_object["/Location"] == "Orléans"
    assert signature.self_reported_timestamp == NOW


def test_sealing_keeps_the_original_bytes_and_appends_the_seal():
    key = load_seal_key(make_demo_seal("Région de démonstration", NOW), None)
    original = agreement()
    assert seal(original, key, reason="r", location="l", now=NOW).startswith(original)


def test_verify_says_intact_sealed_trusted_with_the_signer_and_the_paris_date(demo_key, sealed):
    result = verify(sealed, [demo_key.certificate], now=NOW + timedelta(days=1))
    assert (result.status, result.readable, result.sealed, result.intact) == (
        "intact",
        True,
        True,
        True,
    )
    assert result.trusted and result.verified
    assert result.signer == "Région de démonstration, ordipret"
    assert result.signed_at == NOW
    assert result.summary.startswith(
        "Document intact, scellé par Région de démonstration, ordipret le 03/09/2026."
    )


def test_a_demonstration_seal_is_said_to_be_one(demo_key, sealed):
    result = verify(sealed, [demo_key.certificate], now=NOW)
    assert result.demonstration
    assert "sceau de démonstration" in result.summary


def test_a_region_certificate_is_not_a_demonstration_seal():
    key = load_seal_key(region_p12(), b"mot-de-passe")
    pdf = seal(agreement(), key, reason="r", location="Orléans", now=NOW)
    result = verify(pdf, [key.certificate], now=NOW)
    assert result.verified and not result.demonstration
    assert result.summary == (
        "Document intact, scellé par Région Centre-Val de Loire le 03/09/2026."
    )


def test_one_byte_changed_inside_the_sealed_range_breaks_the_seal(demo_key, sealed):
    at = sealed.index(b"CVL-000123")
    tampered = sealed[:at] + b"CVL-000999" + sealed[at + 10 :]
    result = verify(tampered, [demo_key.certificate], now=NOW)
    assert result.sealed and not result.intact and not result.verified
    assert result.status == "altered"
    assert result.summary.startswith("Document modifié après son scellement")


def test_a_page_changed_by_an_incremental_update_after_sealing_is_reported_modified(
    demo_key, sealed
):
    writer = PdfWriter(io.BytesIO(sealed), incremental=True)
    overlay = PdfReader(io.BytesIO(agreement("Caution : 5 000 euros"))).pages[0]
    writer.pages[0].merge_page(overlay)
    output = io.BytesIO()
    writer.write(output)
    updated = output.getvalue()
    assert updated.startswith(sealed)  # the signed bytes themselves are untouched

    result = verify(updated, [demo_key.certificate], now=NOW)
    assert result.sealed and not result.intact
    assert result.modification == "other"
    assert result.summary.startswith("Document modifié après son scellement")


def test_a_seal_by_another_self_signed_certificate_is_intact_but_not_trusted(demo_key):
    stranger = load_seal_key(make_demo_seal("Région de démonstration", NOW), None)
    pdf = seal(agreement(), stranger, reason="r", location="l", now=NOW)
    result = verify(pdf, [demo_key.certificate], now=NOW)
    assert result.intact and not result.trusted and not result.verified
    assert "n'est pas un certificat de confiance" in result.summary


def test_with_no_trusted_certificate_nothing_is_trusted(sealed):
    assert not verify(sealed, [], now=NOW).trusted


def test_a_pdf_without_a_seal_is_reported_unsealed(demo_key):
    result = verify(agreement(), [demo_key.certificate], now=NOW)
    assert (result.status, result.readable, result.sealed) == ("unsealed", True, False)
    assert result.summary.startswith("Document non scellé")


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not a pdf at all", b"%PDF-1.7\n%%EOF", bytes(range(256)) * 8],
    ids=["empty", "text", "header-only", "binary"],
)
def test_garbage_is_unreadable_not_an_exception(demo_key, garbage):
    result = verify(garbage, [demo_key.certificate], now=NOW)
    assert (result.status, result.readable, result.sealed) == ("unreadable", False, False)
    assert result.summary.startswith("Fichier illisible")


def test_a_truncated_sealed_file_never_raises_and_is_never_intact(demo_key, sealed):
    for length in range(0, len(sealed), max(1, len(sealed) // 40)):
        result = verify(sealed[:length], [demo_key.certificate], now=NOW)
        assert result.status in ("unreadable", "unsealed", "altered"), length


def test_a_wrong_p12_password_is_a_clear_domain_error():
    with pytest.raises(Invalid) as raised:
        load_seal_key(region_p12(b"le-bon"), b"le-mauvais")
    assert raised.value.errors == {"p12": "fichier PKCS#12 illisible ou mot de passe incorrect"}
    assert isinstance(raised.value, DomainError)


def test_a_file_that_is_not_a_p12_is_a_clear_domain_error():
    with pytest.raises(Invalid, match="PKCS#12 illisible"):
        load_seal_key(b"-----BEGIN CERTIFICATE-----\n", None)


def test_a_demonstration_seal_with_a_password_needs_it():
    p12 = make_demo_seal("Région de démonstration", NOW, password=b"secret")
    assert load_seal_key(p12, b"secret").subject == "Région de démonstration, ordipret"
    with pytest.raises(Invalid):
        load_seal_key(p12, None)


def test_the_demonstration_certificate_signs_for_five_years_with_non_repudiation():
    certificate = load_seal_key(make_demo_seal("Région de démonstration", NOW), None).certificate
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert certificate.not_valid_after_utc - NOW > timedelta(days=5 * 365)
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[
        0
    ].value == ("Sceau de démonstration")


def test_sealing_with_an_expired_certificate_is_refused():
    key = load_seal_key(region_p12(days=10), b"mot-de-passe")
    with pytest.raises(Invalid, match="hors de sa période de validité"):
        seal(agreement(), key, reason="r", location="l", now=NOW)


def test_a_damaged_pdf_cannot_be_sealed(demo_key):
    with pytest.raises(Invalid) as raised:
        seal(b"pas un pdf", demo_key, reason="r", location="l", now=NOW)
    assert "pdf" in raised.value.errors


async def test_sealing_and_verifying_from_a_coroutine_run_in_a_worker_thread(demo_key, monkeypatch):
    threads: list[threading.Thread] = []
    real_seal = sealing.seal

    def recording_seal(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_seal(*args, **kwargs)

    monkeypatch.setattr(sealing, "seal", recording_seal)
    pdf = await seal_async(agreement(), demo_key, reason="r", location="l", now=NOW)
    assert threads and threads[0] is not threading.main_thread()
    result = await verify_async(pdf, [demo_key.certificate], now=NOW)
    assert result.verified


def test_an_rsa_seal_is_valid_for_pyhanko():
    key = load_seal_key(make_demo_seal("Région de démonstration", NOW, key_type="rsa"), None)
    pdf = seal(agreement(), key, reason="r", location="l", now=NOW)
    _, status = pyhanko_status(pdf, key.certificate)
    assert status.bottom_line
    assert status.signing_cert.public_key.algorithm == "rsa"
