"""The sealed return receipt: when a device comes back, its receipt is printed as a PDF
(`loans.receipt_pdf`), sealed by the region (`loans.sealing`) and kept with the loan as a
document of kind `receipt`, so that the student and the school can both prove, later, what
came back and in what state.

One receipt per return: asking again returns the one already sealed, never a second one
with a later date.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets

from inventory.errors import Conflict
from inventory.scope import Actor, Scope
from inventory.tables import Asset, Establishment
from loans import documents, listing
from loans.documents import DocumentView, verification_url
from loans.listing import ReturnReceipt
from loans.minors import paris_day
from loans.receipt_pdf import PHOTOS_PRINTED, ReceiptData, render_receipt
from loans.sealing import SealKey, seal_async
from loans.storage import Storage
from loans.tables import LoanPhoto

KIND = "receipt"


async def receipt_data(
    receipt: ReturnReceipt,
    printed_on: dt.date,
    verification_url: str = "",
    photos: list[bytes] | None = None,
) -> ReceiptData:
    """What the PDF prints, from the receipt a caller may see (`listing.return_receipt`)."""
    loan = receipt.loan
    school = (
        await Establishment.select(
            Establishment.name, Establishment.city, Establishment.region.name.as_alias("region")
        )
        .where(Establishment.uai == loan.establishment_uai)
        .first()
    )
    model = (
        await Asset.select(Asset.model.manufacturer, Asset.model.name)
        .where(Asset.tag == loan.asset_tag)
        .first()
    )
    device = loan.asset_tag
    if model is not None:
        device += f" – {model['model.manufacturer']} {model['model.name']}"
    student = f"{loan.student.last_name} {loan.student.first_name}".strip()
    return ReceiptData(
        loan_id=loan.id,
        region=f"Région {school['region']}" if school else "",
        school=(
            f"{school['name']} (UAI {loan.establishment_uai}), {school['city']}"
            if school
            else f"UAI {loan.establishment_uai}"
        ),
        student=student or None,
        class_name=loan.student.class_name,
        device=device,
        handed_over_on=paris_day(loan.handed_over_at) if loan.handed_over_at else None,
        returned_at=receipt.returned_at,
        received_by=receipt.received_by,
        condition=loan.return_condition,
        device_state=receipt.device_state,
        accessories_given=loan.accessories_given,
        accessories_returned=loan.accessories_returned,
        missing_accessories=loan.missing_accessories,
        damage_notes=loan.damage_notes,
        photo_count=receipt.photo_count,
        printed_on=printed_on,
        verification_url=verification_url,
        photos=photos or [],
    )


async def return_photos(storage: Storage, loan_id: int) -> list[bytes]:
    """The bytes of the loan's photos kept in the storage (the receipt prints them)."""
    rows = await (
        LoanPhoto.select(LoanPhoto.document.sha256)
        .where((LoanPhoto.loan == loan_id) & LoanPhoto.document.is_not_null())
        .order_by(LoanPhoto.id)
        .limit(PHOTOS_PRINTED)
    )
    return [await storage.get(row["document.sha256"]) for row in rows]


async def seal_return_receipt(
    storage: Storage,
    key: SealKey,
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    public_url: str,
) -> DocumentView:
    """The sealed receipt of a returned loan, made and kept on the first call, the same
    document on every later one. `Conflict` while the loan has not ended with a return.

    Drawing and sealing are CPU work (tens of ms): they run in worker threads, and outside
    any transaction."""
    if (existing := await documents.document_of_kind(scope, loan_id, KIND)) is not None:
        return existing
    receipt = await listing.return_receipt(scope, loan_id, paris_day(now))
    if receipt is None:
        raise Conflict(f"Le prêt n° {loan_id} n'est pas rendu : il n'a pas de reçu de retour.")
    # Its QR code leads to the public check of this very document.
    public_id = secrets.token_hex(16)
    url = verification_url(public_url, public_id)
    photos = await return_photos(storage, loan_id)
    data = await receipt_data(receipt, paris_day(now), url, photos)
    pdf = await asyncio.to_thread(render_receipt, data)
    sealed = await seal_async(
        pdf,
        key,
        reason=f"Reçu de retour du prêt n° {loan_id}",
        location=data.school,
        now=now,
    )
    return await documents.store_document_once(
        storage,
        scope,
        actor,
        now,
        kind=KIND,
        data=sealed,
        media_type="application/pdf",
        loan_id=loan_id,
        public_id=public_id,
    )
