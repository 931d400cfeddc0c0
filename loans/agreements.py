"""A loan's convention: issuing it as a PDF, its signing status, and recording a signature.

- `issue_agreement` renders the convention from the loan (`loans.agreement_content`), keeps
  the PDF in the storage as a document of kind agreement, and issues a new version only when
  what it says changed (device, accessories, due date, signers, terms): the previous version
  is superseded and its signatures no longer count.
- `sign` records one signer's signature of the current version: the signer must be one the
  version asks, the version and the SHA-256 of the PDF the signer saw must be the current
  ones, and everything is kept: role, method, time, client address, user agent, the PDF's
  hash, and the drawn image (PNG) or the paper scan (PNG, JPEG or PDF, recognised by content).
- Who may sign for the school (the head, or staff holding the delegation) is the web layer's
  decision, passed as `head_delegation`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets

import msgspec

from inventory.db import is_unique_violation, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Actor, Scope
from loans import agreement_records, lifecycle
from loans.agreement_content import Signer, agreement_data, content_key
from loans.agreement_currency import stated_by
from loans.agreement_pdf import render_agreement
from loans.agreement_records import SignerStatus
from loans.documents import new_document, verification_url
from loans.records import loan_row
from loans.states import OPEN_STATES
from loans.storage import Storage
from loans.tables import Agreement, Document, Loan

ROLES = ("student", "guardian", "head_of_school")
METHODS = ("in_person", "remote", "paper")
MAX_IMAGE = 512 * 1024  # a drawn signature: a few tens of kilobytes
MAX_SCAN = 10 * 1024 * 1024
MAGIC = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"%PDF-": "application/pdf",
}


def media_type_of(data: bytes) -> str | None:
    """What the bytes are, by their first bytes (never by a name or a declared type)."""
    for magic, media_type in MAGIC.items():
        if data.startswith(magic):
            return media_type
    return None


class AgreementVersion(msgspec.Struct, frozen=True):
    version: int
    issued_at: dt.datetime
    superseded_at: dt.datetime | None
    complete: bool
    sha256: str | None


class AgreementStatus(msgspec.Struct, frozen=True):
    """The current agreement of a loan and who signed it; `version` None: none issued yet."""

    loan_id: int
    version: int | None = None
    terms_version: int | None = None
    sha256: str | None = None  # the PDF's; None for a convention printed elsewhere
    document_id: int | None = None
    public_id: str | None = None
    issued_at: dt.datetime | None = None
    complete: bool = False
    signers: list[SignerStatus] = []
    missing: list[str] = []  # « Léa MARTIN (élève) », in French
    versions: list[AgreementVersion] = []


async def _status(loan_id: int) -> AgreementStatus:
    rows = await (
        Agreement.select(*Agreement.all_columns())
        .where(Agreement.loan == loan_id)
        .order_by(Agreement.version)
        .output(load_json=True)
    )
    versions = [
        AgreementVersion(
            r["version"],
            r["issued_at"],
            r["superseded_at"],
            r["completed_at"] is not None,
            r["sha256"],
        )
        for r in rows
    ]
    current = next((r for r in reversed(rows) if r["superseded_at"] is None), None)
    if current is None:
        return AgreementStatus(loan_id=loan_id, versions=versions)
    signers = agreement_records.statuses(
        current, await agreement_records.signatures_of(current["id"])
    )
    return AgreementStatus(
        loan_id=loan_id,
        version=current["version"],
        terms_version=current["terms_version"],
        sha256=current["sha256"],
        document_id=current["document"],
        public_id=current["public_id"],
        issued_at=current["issued_at"],
        complete=all(s.signed for s in signers),
        signers=signers,
        missing=[s.described for s in signers if not s.signed],
        versions=versions,
    )


async def agreement_status(scope: Scope, loan_id: int) -> AgreementStatus:
    await loan_row(scope, loan_id)  # out of scope: not found
    return await _status(loan_id)


async def issue_agreement(
    storage: Storage,
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    public_url: str,
) -> AgreementStatus:
    """Issue the convention, or keep the current one when it would say the same. A draft loan
    then awaits its signatures."""
    row = await loan_row(scope, loan_id)
    if row["state"] not in OPEN_STATES:
        raise Conflict(f"Prêt n° {loan_id} : le prêt est clos.", field="state")
    current = await agreement_records.current_agreement(loan_id)
    public_id = secrets.token_hex(16)
    version = (current["version"] + 1) if current else 1
    data, signers = await agreement_data(
        row, now, version=version, verification_url=verification_url(public_url, public_id)
    )
    key = content_key(data)
    if current is not None and current["content_key"] == key:
        return await _status(loan_id)
    pdf = await asyncio.to_thread(render_agreement, data)
    sha256 = await storage.put(pdf)  # outside the transaction, see loans.documents
    async with write_transaction():
        row = await loan_row(scope, loan_id, lock=True)
        current = await agreement_records.current_agreement(loan_id, lock=True)
        if current is not None and current["content_key"] == key:
            return await _status(loan_id)  # issued meanwhile by someone else
        document = new_document(
            row,
            actor,
            now,
            kind="agreement",
            data=pdf,
            media_type="application/pdf",
            sha256=sha256,
            version=version,
        )
        document_id = (await Document.insert(document).returning(Document.id))[0]["id"]
        created = await agreement_records.new_version(
            loan_id,
            signers,
            actor,
            now,
            terms_version=data.terms_version,
            sha256=sha256,
            document_id=document_id,
            content_key=key,
            public_id=public_id,
            stated=stated_by(data),
        )
        await lifecycle.record_loan_event(
            loan_id,
            actor,
            now,
            "agreement_issued",
            {"agreement_version": [current["version"] if current else None, created["version"]]},
            row["establishment"],
        )
        if row["state"] == "draft":
            await lifecycle.issue_agreement(scope, actor, now, loan_id)
    return await _status(loan_id)


async def reissue_for_hand_over(
    storage: Storage,
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    accessories: list[str],
    public_url: str,
    refusal: str,
) -> Conflict:
    """After a hand-over refused because the signed convention says otherwise (`refusal`,
    from `loans.agreement_currency`): the loan keeps the accessories chosen as planned, and
    the convention saying so is issued. Returns the refusal to give, naming the new version
    and who must sign it before the device leaves."""
    async with write_transaction():
        row = await loan_row(scope, loan_id, lock=True)
        if row["state"] not in OPEN_STATES or row["handed_over_at"] is not None:
            raise Conflict(f"Prêt n° {loan_id} : le matériel est déjà remis.", field="state")
        if row["accessories_planned"] != accessories:
            await Loan.update({Loan.accessories_planned: accessories}).where(Loan.id == loan_id)
            await lifecycle.record_loan_event(
                loan_id,
                actor,
                now,
                "accessories_planned",
                {"accessories_planned": [row["accessories_planned"], accessories]},
                row["establishment"],
            )
    status = await issue_agreement(storage, scope, actor, now, loan_id, public_url)
    missing = [s for s in status.signers if not s.signed]
    return Conflict(
        f"{refusal} Une nouvelle version de la convention (version {status.version}) est "
        f"émise : elle doit être signée avant la remise ; "
        f"{agreement_records.missing_text(missing)}.",
        field="accessories",
    )


class SignatureIn(msgspec.Struct, frozen=True):
    """One signature as asked for: which version and PDF the signer saw, who signs and how."""

    version: int
    sha256: str | None
    role: str
    method: str
    guardian_id: int | None = None
    image_png: bytes | None = None  # in person or remote: the drawn signature
    scan: bytes | None = None  # paper: the signed page(s)
    client_address: str = ""
    user_agent: str = ""


def _check(signature: SignatureIn, head_delegation: bool) -> tuple[bytes, str, str]:
    """The bytes to keep, their media type and document kind; refuses what is malformed."""
    errors = {}
    if signature.role not in ROLES:
        errors["role"] = f"rôle inconnu : {', '.join(ROLES)} attendu"
    if signature.method not in METHODS:
        errors["method"] = f"mode de signature inconnu : {', '.join(METHODS)} attendu"
    if signature.role == "guardian" and signature.guardian_id is None:
        errors["guardian_id"] = "le représentant légal qui signe"
    if signature.role != "guardian" and signature.guardian_id is not None:
        errors["guardian_id"] = "seulement pour un représentant légal"
    if signature.role == "head_of_school" and signature.method != "paper" and not head_delegation:
        errors["role"] = (
            "seul le chef d’établissement (ou son délégataire) signe pour l’établissement"
        )
    if errors:
        raise Invalid(errors)
    if signature.method == "paper":
        data, field, kinds, limit = signature.scan, "scan", list(MAGIC.values()), MAX_SCAN
        kind = "paper_scan"
    else:
        data, field, kinds, limit = signature.image_png, "image_png", ["image/png"], MAX_IMAGE
        kind = "signature"
    if not data:
        raise Invalid({field: "obligatoire pour ce mode de signature"})
    media_type = media_type_of(data)
    if media_type not in kinds:
        wanted = "une image PNG" if field == "image_png" else "un PDF, une image PNG ou JPEG"
        raise Invalid({field: f"{wanted} est attendu(e)"})
    if len(data) > limit:
        raise Invalid({field: f"{limit // 1024} Ko au plus"})
    assert media_type is not None
    return data, media_type, kind


async def record_signature(
    storage: Storage,
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    signature: SignatureIn,
    head_delegation: bool,
    before_write=None,
    signed_values: dict | None = None,
) -> AgreementStatus:
    """`signed_values`: more columns of the signature row (a signature made inside an ENT
    session records the signer's ENT key and sign-in method, see loans.space_signing)."""
    data, media_type, kind = _check(signature, head_delegation)
    await loan_row(scope, loan_id)  # out of scope: not found, before anything is stored
    stored = await storage.put(data)
    async with write_transaction():
        row = await loan_row(scope, loan_id, lock=True)
        agreement = await agreement_records.current_agreement(loan_id, lock=True)
        signer = _signer(agreement, signature, loan_id)
        assert agreement is not None  # _signer refuses otherwise
        signed = {
            (s["role"], s["guardian"])
            for s in await agreement_records.signatures_of(agreement["id"])
        }
        if signer.key in signed:
            raise Conflict(f"{signer.name} a déjà signé cette convention.", field="role")
        if before_write is not None:
            await before_write()
        document = new_document(
            row, actor, now, kind=kind, data=data, media_type=media_type, sha256=stored
        )
        await Document.insert(document)
        await record_signed(
            loan_id,
            agreement,
            signer,
            actor,
            now,
            row["establishment"],
            method=signature.method,
            client_address=signature.client_address[:64],
            user_agent=signature.user_agent[:300],
            image_sha256=stored if kind == "signature" else None,
            scan_sha256=stored if kind == "paper_scan" else None,
            **(signed_values or {}),
        )
    return await _status(loan_id)


async def record_paper_scan(
    storage: Storage,
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    scan: bytes,
    *,
    public_id: str | None = None,
    version: int | None = None,
    client_address: str = "",
    user_agent: str = "",
) -> tuple[int | None, int]:
    """A signed paper convention, scanned: the scan is kept (a `paper_scan` document) and
    every signer still missing gets a paper signature pointing at it, in one transaction.
    The paper must be of the current convention (its `public_id`, read from its QR code, or
    its `version`); else nothing is written and (None, 0) returned. Returns the document's
    id and the number of signatures recorded."""
    media_type = media_type_of(scan)
    if media_type is None:
        raise Invalid({"scan": "un PDF, une image PNG ou JPEG est attendu(e)"})
    if len(scan) > MAX_SCAN:
        raise Invalid({"scan": f"{MAX_SCAN // 1024} Ko au plus"})
    await loan_row(scope, loan_id)  # out of scope: not found, before anything is stored
    sha256 = await storage.put(scan)  # outside the transaction, see loans.documents
    async with write_transaction():
        row = await loan_row(scope, loan_id, lock=True)
        agreement = await agreement_records.current_agreement(loan_id, lock=True)
        if (
            agreement is None
            or (public_id is not None and public_id != agreement["public_id"])
            or (version is not None and version != agreement["version"])
        ):
            return None, 0  # reissued since it was printed: this paper is out of date
        document = new_document(
            row,
            actor,
            now,
            kind="paper_scan",
            data=scan,
            media_type=media_type,
            sha256=sha256,
            version=agreement["version"],
        )
        document_id = (await Document.insert(document).returning(Document.id))[0]["id"]
        signatures = await agreement_records.signatures_of(agreement["id"])
        missing = [s for s in agreement_records.statuses(agreement, signatures) if not s.signed]
        for status in missing:
            signer = Signer(status.role, status.name, status.guardian_id)  # type: ignore[arg-type]
            await record_signed(
                loan_id,
                agreement,
                signer,
                actor,
                now,
                row["establishment"],
                method="paper",
                scan_sha256=sha256,
                client_address=client_address[:64],
                user_agent=user_agent[:300],
            )
    return document_id, len(missing)


async def record_signed(
    loan_id: int,
    agreement: dict,
    signer: Signer,
    actor: Actor,
    now: dt.datetime,
    establishment_id: int,
    *,
    method: str,
    **values,
) -> None:
    """One signature of the current agreement and its event in the loan's history, in the
    caller's transaction; the signature holds the hash of the exact PDF signed."""
    await agreement_records.add_signature(
        agreement,
        signer,
        now,
        method=method,
        document_sha256=agreement["sha256"],
        recorded_by_id=actor.id,
        recorded_by_name=actor.name,
        **values,
    )
    await lifecycle.record_loan_event(
        loan_id,
        actor,
        now,
        "sign",
        {
            "signer": [None, signer.name],
            "role": [None, signer.role],
            "method": [None, method],
            "agreement_version": [None, agreement["version"]],
        },
        establishment_id,
    )


def _signer(agreement: dict | None, signature: SignatureIn, loan_id: int) -> Signer:
    if agreement is None:
        raise Conflict(f"Prêt n° {loan_id} : aucune convention n'a été émise.", field="version")
    if signature.version != agreement["version"]:
        raise Conflict(
            f"La version {signature.version} de la convention n'est plus en vigueur : "
            f"signez la version {agreement['version']}.",
            field="version",
        )
    if signature.method != "paper" and agreement["sha256"] is None:
        raise Conflict(
            "Cette convention a été imprimée hors de la plateforme : émettez-la pour la "
            "signer sur place ou à distance.",
            field="version",
        )
    hash_given = signature.sha256 is not None or signature.method != "paper"
    if hash_given and signature.sha256 != agreement["sha256"]:
        raise Conflict(
            "Le document signé n'est pas celui de la convention en vigueur (empreinte "
            "SHA-256 différente) : rechargez-la.",
            field="sha256",
        )
    asked = {s.key: s for s in agreement_records.signers_of(agreement)}
    signer = asked.get((signature.role, signature.guardian_id))
    if signer is None:
        raise Conflict("Cette personne n'est pas appelée à signer cette convention.", field="role")
    return signer


async def sign(
    storage: Storage,
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    signature: SignatureIn,
    *,
    head_delegation: bool = False,
) -> AgreementStatus:
    """Record one signature of the loan's current agreement (see the module docstring). A
    second signature of the same signer is refused (409), by the check and by the index."""
    try:
        return await record_signature(
            storage, scope, actor, now, loan_id, signature, head_delegation
        )
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict("Cette personne a déjà signé cette convention.", field="role") from error
        raise


async def pdf_of(storage: Storage, scope: Scope, loan_id: int) -> tuple[int, bytes]:
    """The current agreement's version and PDF; NotFound when none was issued here."""
    status = await agreement_status(scope, loan_id)
    if status.sha256 is None or status.version is None:
        raise NotFound(f"Prêt n° {loan_id} : aucune convention émise.")
    return status.version, await storage.get(status.sha256)
