"""Loans: prepare, sign on paper, hand over, take back, declare a loss or a theft, transfer,
cede, cancel; lists and history; damage photos.

Writes: admin and IT staff (on their schools only: another school's loan is not found).
Reads: every role whose scope sees the loan (a head of school, a region manager).

What the region's policy decides (due date, accessories, the per-student maximum, cession)
is filled in by `loans.desk`, shared with the pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from api import photo_uploads
from api.access_log import note_list, note_read
from api.accounts.staff import Principal
from api.agreement_reissue import reissued
from api.bodies import DbId, PathId, QueryId, Tag, Uai, UaiQuery
from api.clock import today, utcnow
from api.controllers.documents import document_href
from api.cursors import LIST_DESCRIPTION, CursorQuery, OffsetQuery
from api.infra.security import CEDE, LOAN_DESK, OVERRIDE_ROLES
from api.infra.storage import legacy_photo_dir, storage_of
from api.sealed_agreements import seal_after_signature
from api.sealed_receipts import seal_receipt_after_return
from loans import agreements, desk, lifecycle, listing, photos
from loans.access_log import Read
from loans.agreement_currency import AgreementOutdated
from loans.loan_views import LoanEventView, LoanPage, LoanView
from loans.records import get_loan, loan_history

Accessory = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
Accessories = Annotated[list[Accessory], msgspec.Meta(max_length=20)]
Text = Annotated[str, msgspec.Meta(max_length=2000)]


# Bodies ------------------------------------------------------------------------------------


class LoanIn(msgspec.Struct, forbid_unknown_fields=True):
    asset_tag: Tag
    student_id: DbId
    campaign_id: DbId | None = None  # absent: the running distribution covering the student
    draft: bool = False  # True: wait for `issue-agreement` before collecting signatures


class SignatureIn(msgspec.Struct, forbid_unknown_fields=True):
    signed_on: dt.date


class HandOverIn(msgspec.Struct, forbid_unknown_fields=True):
    # Absent: what the region's policy lists for the model, else the model's accessories.
    accessories: Accessories | None = None


class ReturnIn(msgspec.Struct, forbid_unknown_fields=True):
    accessories_returned: Accessories
    condition: Annotated[str, msgspec.Meta(max_length=10)]  # A, B, C or D (checked by the domain)
    damage_notes: Text = ""


class TransferIn(msgspec.Struct, forbid_unknown_fields=True):
    to_establishment_uai: Uai


class LossIn(msgspec.Struct, forbid_unknown_fields=True):
    incident_on: dt.date
    circumstances: Text = ""  # required: the domain names it when empty


class TheftIn(msgspec.Struct, forbid_unknown_fields=True):
    incident_on: dt.date
    circumstances: Text = ""
    # Optional here so that a missing récépissé is a 422 naming these fields, in French.
    police_report_ref: Annotated[str, msgspec.Meta(max_length=60)] = ""
    police_report_on: dt.date | None = None


class CancelIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class CedeIn(msgspec.Struct, forbid_unknown_fields=True):
    """Before the end of schooling, a region manager's reason for giving the device away."""

    override_reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ReturnOut(msgspec.Struct):
    loan: LoanView
    damaged: bool
    missing_accessories: list[str]
    device_state: str  # in_repair or in_stock
    # The sealed return receipt (a PDF document); None when it could not be sealed.
    receipt_href: str | None = None


class TransferOut(msgspec.Struct):
    loan: LoanView  # the loan closed as transferred
    new_loan_id: int  # its continuation at the new school
    new_establishment_uai: str


# The controller -------------------------------------------------------------------------------


class PhotoOut(msgspec.Struct):
    id: int
    content_type: str
    taken_at: dt.datetime
    href: str


def _photo_out(loan_id: int, photo: photos.PhotoView) -> PhotoOut:
    return PhotoOut(
        id=photo.id,
        content_type=photo.content_type,
        taken_at=photo.taken_at,
        href=photo_uploads.photo_href(loan_id, photo.id),
    )


class LoanController(Controller):
    path = "/api/v1/loans"
    tags = ["prêts"]

    @post("/", guards=[LOAN_DESK], summary="Préparer un prêt (réserver un appareil pour un élève)")
    async def create_loan(
        self, request: Request[Principal, None, None], data: JSONBody[LoanIn]
    ) -> Response[LoanView]:
        principal, now = request.user, utcnow()
        loan_id = await desk.prepare(
            principal.scope,
            principal.actor,
            now,
            asset_tag=data.asset_tag,
            student_id=data.student_id,
            campaign_id=data.campaign_id,
            draft=data.draft,
        )
        loan = await get_loan(request.user.scope, loan_id, today(now))
        return Response(loan, status_code=201, headers={"Location": f"{self.path}/{loan_id}"})

    @get("/", summary="Prêts, les plus récents d'abord", description=LIST_DESCRIPTION)
    async def list_loans(
        self,
        request: Request[Principal, None, None],
        loan_state: Annotated[
            str | None,
            QueryParameter(
                name="state",
                description="État, ou open (ouverts), ou pending (préparés, pas encore remis)",
                max_length=30,
            ),
        ] = None,
        overdue: Annotated[bool, QueryParameter(description="En retard seulement")] = False,
        establishment: UaiQuery = None,
        student: QueryId = None,
        campaign: QueryId = None,
        class_name: Annotated[
            str | None, QueryParameter(name="class", description="Classe", max_length=20)
        ] = None,
        asset: Annotated[
            str | None, QueryParameter(description="Numéro d'inventaire", max_length=40)
        ] = None,
        limit: FromQuery[int] = 50,
        offset: OffsetQuery = 0,
        cursor: CursorQuery = None,
    ) -> LoanPage:
        filters = listing.LoanFilters(
            state=loan_state or None,
            overdue=overdue,
            establishment_uai=establishment or None,
            student_id=student,
            campaign_id=campaign,
            class_name=class_name or None,
            asset_tag=asset or None,
        )
        found = await listing.list_loans(
            request.user.scope, filters, today(), limit, offset, cursor
        )
        note_list(request, [loan.student.id for loan in found.items], filters)
        return found

    @get("/{loan_id:int}")
    async def get_loan(self, request: Request[Principal, None, None], loan_id: PathId) -> LoanView:
        loan = await get_loan(request.user.scope, loan_id, today())
        note_read(request, Read("loan", (loan.student.id,)))
        return loan

    @get("/{loan_id:int}/history", summary="Historique, y compris avant un transfert")
    async def history(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> list[LoanEventView]:
        found = await loan_history(request.user.scope, loan_id)
        note_read(request, Read("loan", loan_ids=(loan_id,)))
        return found

    async def _done(self, request: Request[Principal, None, None], loan_id: int) -> LoanView:
        return await get_loan(request.user.scope, loan_id, today())

    @post("/{loan_id:int}/issue-agreement", guards=[LOAN_DESK], status_code=200)
    async def issue_agreement(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> LoanView:
        principal, now = request.user, utcnow()
        # The draft's transition (refused from any other state), then the convention itself.
        await lifecycle.issue_agreement(principal.scope, principal.actor, now, loan_id)
        await agreements.issue_agreement(
            storage_of(request),
            principal.scope,
            principal.actor,
            now,
            loan_id,
            request.app.state["settings"].public_url,
        )
        return await self._done(request, loan_id)

    @post(
        "/{loan_id:int}/paper-signature",
        guards=[LOAN_DESK],
        status_code=200,
        summary="Enregistrer la convention signée sur papier par toutes les parties",
    )
    async def paper_signature(
        self,
        request: Request[Principal, None, None],
        loan_id: PathId,
        data: JSONBody[SignatureIn],
    ) -> LoanView:
        principal = request.user
        now = utcnow()
        await lifecycle.record_paper_signature(
            principal.scope, principal.actor, now, loan_id, data.signed_on
        )
        # A convention issued here is now complete: sealed (a failure never undoes it).
        await seal_after_signature(request, principal.scope, principal.actor, loan_id, now)
        return await self._done(request, loan_id)

    @post("/{loan_id:int}/hand-over", guards=[LOAN_DESK], status_code=200)
    async def hand_over(
        self,
        request: Request[Principal, None, None],
        loan_id: PathId,
        data: JSONBody[HandOverIn | None] = None,
    ) -> LoanView:
        principal, now = request.user, utcnow()
        accessories = data.accessories if data is not None else None
        try:
            await desk.hand_over(principal.scope, principal.actor, now, loan_id, accessories)
        except AgreementOutdated as outdated:
            raise await reissued(
                request, now, loan_id, outdated.accessories, outdated.message
            ) from None
        return await self._done(request, loan_id)

    @post("/{loan_id:int}/return", guards=[LOAN_DESK], status_code=200)
    async def take_back(
        self,
        request: Request[Principal, None, None],
        loan_id: PathId,
        data: JSONBody[ReturnIn],
    ) -> ReturnOut:
        principal, now = request.user, utcnow()
        result = await desk.take_back(
            principal.scope,
            principal.actor,
            now,
            loan_id,
            accessories_returned=data.accessories_returned,
            condition=data.condition,
            damage_notes=data.damage_notes,
        )
        receipt = await seal_receipt_after_return(request, loan_id, now)
        return ReturnOut(
            loan=await self._done(request, loan_id),
            damaged=result.damaged,
            missing_accessories=result.missing_accessories,
            device_state=result.device_state,
            receipt_href=document_href(receipt.id) if receipt else None,
        )

    @post("/{loan_id:int}/transfer", guards=[LOAN_DESK], status_code=200)
    async def transfer(
        self,
        request: Request[Principal, None, None],
        loan_id: PathId,
        data: JSONBody[TransferIn],
    ) -> TransferOut:
        principal = request.user
        new_id, uai = await desk.transfer(
            principal.scope, principal.actor, utcnow(), loan_id, data.to_establishment_uai
        )
        return TransferOut(
            loan=await self._done(request, loan_id), new_loan_id=new_id, new_establishment_uai=uai
        )

    @post(
        "/{loan_id:int}/cede",
        guards=[CEDE],
        status_code=200,
        description=(
            "Cède l'appareil à l'élève à la fin de sa scolarité (date de fin du prêt, ou départ "
            "de l'élève). Avant, seul un gestionnaire de région peut y déroger, avec un motif "
            "(`override_reason`), gardé dans l'historique du prêt."
        ),
    )
    async def cede(
        self,
        request: Request[Principal, None, None],
        loan_id: PathId,
        data: JSONBody[CedeIn | None] = None,
    ) -> LoanView:
        principal = request.user
        await desk.cede(
            principal.scope,
            principal.actor,
            utcnow(),
            loan_id,
            override_reason=data.override_reason if data else "",
            may_override=principal.role in OVERRIDE_ROLES,
        )
        return await self._done(request, loan_id)

    @post("/{loan_id:int}/loss", guards=[LOAN_DESK], status_code=200)
    async def declare_loss(
        self, request: Request[Principal, None, None], loan_id: PathId, data: JSONBody[LossIn]
    ) -> LoanView:
        principal = request.user
        await lifecycle.declare_loss(
            principal.scope,
            principal.actor,
            utcnow(),
            loan_id,
            incident_on=data.incident_on,
            circumstances=data.circumstances,
        )
        return await self._done(request, loan_id)

    @post("/{loan_id:int}/theft", guards=[LOAN_DESK], status_code=200)
    async def declare_theft(
        self, request: Request[Principal, None, None], loan_id: PathId, data: JSONBody[TheftIn]
    ) -> LoanView:
        principal = request.user
        await lifecycle.declare_theft(
            principal.scope,
            principal.actor,
            utcnow(),
            loan_id,
            incident_on=data.incident_on,
            circumstances=data.circumstances,
            police_report_ref=data.police_report_ref,
            police_report_on=data.police_report_on,
        )
        return await self._done(request, loan_id)

    @post("/{loan_id:int}/cancel", guards=[LOAN_DESK], status_code=200)
    async def cancel(
        self,
        request: Request[Principal, None, None],
        loan_id: PathId,
        data: JSONBody[CancelIn | None] = None,
    ) -> LoanView:
        principal = request.user
        reason = data.reason if data is not None else ""
        await lifecycle.cancel(principal.scope, principal.actor, utcnow(), loan_id, reason)
        return await self._done(request, loan_id)

    @post(
        "/{loan_id:int}/photos",
        guards=[LOAN_DESK],
        summary="Joindre des photos de dégâts (multipart, JPEG ou PNG, 5 Mo chacune)",
        description=(
            "Corps multipart/form-data, un fichier par partie (champ `photos`), 4 au plus par "
            "envoi. Avec un cookie de session, ajoutez l'en-tête `X-Requested-With`."
        ),
        request_max_body_size=photo_uploads.BODY_LIMIT,
        before_request=photo_uploads.photo_upload_checks,
    )
    async def add_photos(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> list[PhotoOut]:
        principal = request.user
        added = await photos.add_photos(
            principal.scope,
            principal.actor,
            utcnow(),
            loan_id,
            await photo_uploads.uploaded_photos(request),
            storage_of(request),
        )
        return [_photo_out(loan_id, photo) for photo in added]

    @get("/{loan_id:int}/photos")
    async def list_photos(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> list[PhotoOut]:
        found = await photos.list_photos(request.user.scope, loan_id)
        return [_photo_out(loan_id, photo) for photo in found]

    @get("/{loan_id:int}/photos/{photo_id:int}", media_type="image/jpeg")
    async def photo(
        self, request: Request[Principal, None, None], loan_id: PathId, photo_id: PathId
    ) -> Response[bytes]:
        content, content_type = await photos.photo_content(
            request.user.scope,
            loan_id,
            photo_id,
            storage_of(request),
            legacy_photo_dir(request.app.state["settings"]),
        )
        note_read(request, Read("photo", loan_ids=(loan_id,)))
        name = f"pret-{loan_id}-photo-{photo_id}{photos.SUFFIXES.get(content_type, '')}"
        return Response(
            content,
            media_type=content_type,
            headers={
                "Content-Disposition": f'inline; filename="{name}"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )


ROUTES = [LoanController]
