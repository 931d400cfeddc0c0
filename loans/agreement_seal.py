"""The sealed record of a signed convention: made once, when its last signature is in.

`seal_agreement` assembles the convention's PDF as issued, the image of each drawn
signature and the evidence page (`loans.sealed_record`), seals the whole with the region's
key (passed in by the web layer: the domain never reads settings) and keeps it as a
document of kind `sealed_agreement` **with the convention's own public id**: the QR code
printed on the convention (`{public_url}/verify/{public_id}`) then opens the sealed record.

Once per version of the convention: asking again returns the record already kept. Drawing
and sealing are CPU work (tens of ms): they run in worker threads, outside any transaction,
after the signature's own transaction; a failure here never undoes a signature (the caller
logs it, and a later call seals it).
"""

from __future__ import annotations

import asyncio
import datetime as dt

from inventory.scope import Actor, Scope
from inventory.tables import Establishment, Region
from loans import documents
from loans.agreement_records import current_agreement, signatures_of
from loans.documents import DocumentView
from loans.records import loan_row
from loans.sealed_record import Evidence, assemble_record, seal_record_async
from loans.sealing import SealKey
from loans.storage import Storage
from loans.tables import Agreement

KIND = "sealed_agreement"
TITLE = "Convention de prêt"
ROLE_LABELS = {
    "student": "Élève",
    "guardian": "Représentant légal",
    "head_of_school": "Chef d’établissement",
}
METHOD_LABELS = {
    "in_person": "Signature électronique simple (tracé à l’écran, sur place)",
    "remote": "Signature électronique simple (tracé à l’écran, à distance par lien personnel)",
    "paper": "Signature manuscrite sur la convention imprimée (scan conservé)",
}
SEALER = "ordipret (scellement)"
PAPER_WITHOUT_SCAN = "Signature manuscrite sur papier, attestée par l’établissement (sans scan)"


def evidence_of(signature: dict) -> Evidence:
    method = METHOD_LABELS.get(signature["method"], signature["method"])
    if signature["method"] == "paper" and signature["without_scan"]:
        method = PAPER_WITHOUT_SCAN
    return Evidence(
        signer=signature["signer_name"],
        role=ROLE_LABELS.get(signature["role"], signature["role"]),
        method=method,
        signed_at=signature["signed_at"],
        client_address=signature["client_address"] or "",
        user_agent=signature["user_agent"] or "",
        document_sha256=signature["document_sha256"] or "",
    )


async def _reference_and_place(loan: dict) -> tuple[str, str]:
    """The convention's reference (as printed, `loans.agreement_content`) and the school."""
    region = await Region.select(Region.code).where(Region.id == loan["region_id"]).first()
    school = (
        await Establishment.select(Establishment.name, Establishment.city)
        .where(Establishment.id == loan["establishment"])
        .first()
    )
    code = region["code"] if region else ""
    place = f"{school['name']}, {school['city']}" if school else ""
    return f"{code}-{loan['id']:06d}", place


async def sealed_agreement(public_id: str) -> DocumentView | None:
    return await documents.public_document(public_id, (KIND,))


async def seal_agreement(
    storage: Storage, key: SealKey, scope: Scope, actor: Actor, now: dt.datetime, loan_id: int
) -> DocumentView | None:
    """The sealed record of the loan's current convention, made on the first call after its
    last signature, the same document on every later call. None while the convention is not
    complete, or when it has no PDF here (printed outside the platform): nothing to seal."""
    loan = await loan_row(scope, loan_id)  # out of scope: not found
    agreement = await current_agreement(loan_id)
    if agreement is None or agreement["completed_at"] is None or agreement["sha256"] is None:
        return None
    if (existing := await sealed_agreement(agreement["public_id"])) is not None:
        return existing
    signatures = await signatures_of(agreement["id"])
    pdf = await storage.get(agreement["sha256"])
    images = []
    for signature in signatures:
        if signature["image_sha256"]:
            role = ROLE_LABELS.get(signature["role"], signature["role"])
            label = f"{role} — {signature['signer_name']}"
            images.append((label, await storage.get(signature["image_sha256"])))
    reference, place = await _reference_and_place(loan)
    record = await asyncio.to_thread(
        assemble_record,
        pdf,
        images,
        [evidence_of(s) for s in signatures],
        title=TITLE,
        reference=reference,
        now=now,
    )
    sealed = await seal_record_async(record, key, reference=reference, location=place, now=now)
    return await documents.store_document_once(
        storage,
        scope,
        actor,
        now,
        kind=KIND,
        data=sealed,
        media_type="application/pdf",
        loan_id=loan_id,
        version=agreement["version"],
        public_id=agreement["public_id"],
        once_per_public_id=True,
    )


async def seal_by_public_id(
    storage: Storage, key: SealKey, now: dt.datetime, public_id: str
) -> DocumentView | None:
    """Catch up: the sealed record of a complete convention whose sealing failed or has not
    run yet (its QR code opened meanwhile). The public id is the authority, as on the
    verification page; only the current, complete version is sealed."""
    row = (
        await Agreement.select(Agreement.loan)
        .where(
            (Agreement.public_id == public_id)
            & Agreement.superseded_at.is_null()
            & Agreement.completed_at.is_not_null()
        )
        .first()
    )
    if row is None:
        return None
    actor = Actor(id=None, name=SEALER)
    return await seal_agreement(storage, key, Scope.platform(), actor, now, row["loan"])
