"""The seal of a signed loan agreement: a PAdES signature by the region's certificate.

Once an agreement is complete, ordipret assembles one PDF and seals it here, so that a region
can produce it years later and anyone (Adobe Reader, pyHanko, this module) can check that not
a byte changed. The region's key comes from a PKCS#12 file read by the caller; without one, a
self-signed *demonstration* seal stands in and every verification says so.

`seal` and `verify` are synchronous and CPU-bound (an RSA signature, a hash of the whole file,
pyHanko's structural diff of later revisions); worse, pyHanko's own synchronous wrappers call
`asyncio.run`, which fails inside a running event loop. From the app, call `seal_async` and
`verify_async`: they run the work in a worker thread (`asyncio.to_thread`) so that the loop
keeps answering other requests.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import msgspec
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

# pyHanko 0.38 imports cryptography's DSA key class at import time, which cryptography 51
# deprecates with a warning (an error in our tests). ordipret never uses DSA: silence exactly
# that warning, here only, until pyHanko drops the import.
with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning
    )
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore

from inventory.errors import Invalid

PARIS = ZoneInfo("Europe/Paris")
SEAL_FIELD = "SceauOrdipret"
# The subject that marks ordipret's self-signed demonstration seal. Anyone can forge it: it
# only ever adds a warning to a verification, never trust.
DEMO_ORGANIZATION = "ordipret"
DEMO_UNIT = "Sceau de démonstration"
DEMO_VALIDITY = timedelta(days=5 * 366)

# Later revisions that do not touch the sealed content: validation data (DSS) and document
# timestamps added for long-term archival (PAdES B-LT / B-LTA).
_HARMLESS = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)

Status = Literal["intact", "altered", "unsealed", "unreadable"]


@dataclass(frozen=True, slots=True)
class SealKey:
    """A loaded signer: the private key and its certificate chain, ready for `seal`."""

    signer: signers.SimpleSigner
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # the issuers shipped in the PKCS#12, if any

    @property
    def subject(self) -> str:
        return _name(self.certificate.subject)


class Verification(msgspec.Struct, frozen=True, kw_only=True):
    """What a check of a sealed PDF found. `summary` is a French sentence for the user."""

    status: Status
    readable: bool
    sealed: bool
    intact: bool
    trusted: bool
    demonstration: bool
    summary: str
    signer: str | None = None  # "CN, O" of the signer certificate
    signed_at: datetime | None = None  # as declared by the signer (no timestamp authority)
    modification: str | None = None  # pyHanko's level of later changes, when not harmless

    @property
    def verified(self) -> bool:
        """Sealed, untouched since, by a trusted certificate: what a court would ask."""
        return self.status == "intact" and self.trusted


def load_seal_key(p12: bytes, password: bytes | None) -> SealKey:
    """The key and certificates of a PKCS#12 (.p12, .pfx) file, or `Invalid` naming "p12"."""
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(p12, password)
    except (ValueError, TypeError):
        # cryptography does not tell a wrong password from a damaged file, nor should we guess.
        raise Invalid({"p12": "fichier PKCS#12 illisible ou mot de passe incorrect"}) from None
    if key is None or certificate is None:
        raise Invalid({"p12": "le fichier PKCS#12 doit contenir une clé privée et son certificat"})
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise Invalid({"p12": "clé RSA ou ECDSA attendue"})
    registry = SimpleCertificateStore()
    registry.register_multiple([_to_asn1(other) for other in others])
    signer = _KeptKeySigner(
        key,
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        signing_cert=_to_asn1(certificate),
        cert_registry=registry,
    )
    return SealKey(signer=signer, certificate=certificate, chain=tuple(others))


_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


class _KeptKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses its private key again for every signature (twice per
    seal, with a size estimate), and cryptography checks an RSA key at each parse: 235 ms of
    CPU per seal with RSA-3072. This one keeps the parsed key (about 10x faster, see
    `python -m bench.seal`)."""

    def __init__(self, private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, **kwargs):
        super().__init__(**kwargs)
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        key, algorithm = self._private_key, _HASHES.get(digest_algorithm)
        if algorithm is not None:
            if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
                return key.sign(data, padding.PKCS1v15(), algorithm)
            if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
                return key.sign(data, ec.ECDSA(algorithm))
        return super().sign_raw(data, digest_algorithm)  # other mechanisms: pyHanko's way


def seal(pdf: bytes, key: SealKey, *, reason: str, location: str, now: datetime) -> bytes:
    """`pdf` with a PAdES baseline signature (B-B) in an invisible field, appended as an
    incremental update: the bytes of `pdf` are kept as they are, followed by the seal.

    `now` is written as the signing time (/M). Refuses a certificate not valid at `now`.
    Blocking: from a coroutine, use `seal_async`."""
    certificate = key.certificate
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise Invalid({"p12": f"certificat du sceau hors de sa période de validité ({_day(now)})"})
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    except Exception:  # pyHanko raises many kinds on a damaged file
        raise Invalid({"pdf": "document PDF illisible, impossible de le sceller"}) from None
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location=location,
        ),
        signer=key.signer,
        new_field_spec=fields.SigFieldSpec(sig_field_name=SEAL_FIELD),  # no box: invisible
    )
    return asyncio.run(_sign(pdf_signer, writer, now))


async def _sign(pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter, now: datetime):
    # PdfSigner.async_sign_pdf takes the signing time from the wall clock; these are the same
    # steps through pyHanko's documented "interrupted signing" API, with our own `now`.
    session = pdf_signer.init_signing_session(writer)
    session.system_time = now
    validation_info = await session.perform_presign_validation(writer)
    reserved = await session.estimate_signature_container_size(validation_info)
    document = session.prepare_tbs_document(
        validation_info=validation_info, bytes_reserved=reserved
    )
    digest, output = document.digest_tbs_document()
    signed = await document.perform_signature(
        document_digest=digest.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=now),
    )
    await signed.post_signature_processing(output)
    output.seek(0)
    return output.read()


async def seal_async(
    pdf: bytes, key: SealKey, *, reason: str, location: str, now: datetime
) -> bytes:
    """`seal` in a worker thread: signing and hashing would otherwise stall the event loop
    (tens of ms per document), and pyHanko's synchronous API cannot run inside a loop."""
    return await asyncio.to_thread(seal, pdf, key, reason=reason, location=location, now=now)


def verify(
    pdf: bytes, trusted: Sequence[x509.Certificate], *, now: datetime | None = None
) -> Verification:
    """Check the seal(s) of `pdf` against the `trusted` certificates (the region's own, or
    its CA), at `now` (default: the current time).

    Never raises on bad input: a file that is not a PDF, or a truncated or mangled one, gives
    `status="unreadable"`. When a file holds several signatures, each must be intact; the
    signer and date reported are those of the first (ordipret seals once)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        embedded = list(reader.embedded_regular_signatures)
    except Exception:  # any parse error of an untrusted file means "unreadable"
        return _unreadable()
    if not embedded:
        return Verification(
            status="unsealed",
            readable=True,
            sealed=False,
            intact=False,
            trusted=False,
            demonstration=False,
            summary="Document non scellé : aucune signature électronique.",
        )
    try:
        statuses = [_validate(signature, trusted, now) for signature in embedded]
    except Exception:  # a malformed signature dictionary or CMS blob
        return _unreadable()
    first = statuses[0]
    certificate = _to_cryptography(first.signing_cert)
    signer = _name(certificate.subject)
    signed_at = first.signer_reported_dt
    demonstration = _is_demonstration(certificate)
    worst = max(
        (s.modification_level for s in statuses if s.modification_level is not None),
        default=None,
    )
    intact = all(
        s.intact
        and s.valid
        and s.coverage is not None
        and s.coverage >= SignatureCoverageLevel.ENTIRE_REVISION
        and (s.coverage == SignatureCoverageLevel.ENTIRE_FILE or s.modification_level in _HARMLESS)
        for s in statuses
    )
    is_trusted = all(s.trusted for s in statuses)
    date = f" le {_day(signed_at)}" if signed_at else ""
    if intact:
        summary = f"Document intact, scellé par {signer}{date}."
        if not is_trusted:
            summary += " Attention : ce certificat n'est pas un certificat de confiance."
        if demonstration:
            summary += " Attention : sceau de démonstration d'ordipret, sans valeur probante."
    else:
        summary = f"Document modifié après son scellement (sceau de {signer}{date})."
    return Verification(
        status="intact" if intact else "altered",
        readable=True,
        sealed=True,
        intact=intact,
        trusted=is_trusted,
        demonstration=demonstration,
        summary=summary,
        signer=signer,
        signed_at=signed_at,
        modification=None if worst is None or worst in _HARMLESS else worst.name.lower(),
    )


async def verify_async(
    pdf: bytes, trusted: Sequence[x509.Certificate], *, now: datetime | None = None
) -> Verification:
    """`verify` in a worker thread, for the same reasons as `seal_async`."""
    return await asyncio.to_thread(verify, pdf, trusted, now=now)


def _validate(signature: Any, trusted: Sequence[x509.Certificate], now: datetime | None) -> Any:
    context = ValidationContext(
        trust_roots=[_to_asn1(certificate) for certificate in trusted],
        moment=now,
        allow_fetching=False,  # never reach the network while checking a file
    )
    return validate_pdf_signature(signature, signer_validation_context=context)


def _unreadable() -> Verification:
    return Verification(
        status="unreadable",
        readable=False,
        sealed=False,
        intact=False,
        trusted=False,
        demonstration=False,
        summary="Fichier illisible : ce n'est pas un document PDF valide, ou il est tronqué.",
    )


def make_demo_seal(
    common_name: str,
    now: datetime,
    *,
    password: bytes | None = None,
    key_type: Literal["ec", "rsa"] = "ec",
) -> bytes:
    """A self-signed demonstration seal as PKCS#12 bytes, valid five years from `now`; its
    subject (O=ordipret, OU=Sceau de démonstration) makes `verify` flag it.

    ECDSA P-256 by default: made in a millisecond, for tests and first starts. `rsa` gives
    RSA-3072, the usual key of a qualified electronic seal, to measure its cost."""
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    if key_type == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANIZATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_UNIT),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        ]
    )
    start = now.astimezone(UTC) - timedelta(minutes=5)  # tolerate a slightly slow clock
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + DEMO_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        common_name.encode(), key, certificate, None, encryption
    )


def _is_demonstration(certificate: x509.Certificate) -> bool:
    def values(oid: x509.ObjectIdentifier) -> list[str]:
        return [str(a.value) for a in certificate.subject.get_attributes_for_oid(oid)]

    return (
        DEMO_ORGANIZATION in values(NameOID.ORGANIZATION_NAME)
        and DEMO_UNIT in values(NameOID.ORGANIZATIONAL_UNIT_NAME)
        and certificate.issuer == certificate.subject
    )


def _name(name: x509.Name) -> str:
    parts = [
        str(attribute.value)
        for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME)
        for attribute in name.get_attributes_for_oid(oid)
    ]
    return ", ".join(dict.fromkeys(parts)) or name.rfc4514_string()


def _day(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y")


def _to_asn1(certificate: x509.Certificate) -> Any:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _to_cryptography(certificate: Any) -> x509.Certificate:
    return x509.load_der_x509_certificate(certificate.dump())
