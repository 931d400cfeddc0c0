"""What students and guardians ask of their school from the space, for staff to decide:
ENT link proposals (an ENT account matched to a student by names and birth date), loss or
theft declarations, and corrections of their record (RGPD art. 16). Staff see those of their
schools (the scope decides), confirm or reject.

Link proposals are decided by any staff of the school (IT staff, head, region managers,
admins); declarations by those who run the desk, like a loss declared at the desk;
corrections by those who may edit a student (a head of school reads them only).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody, QueryParameter

from api.access_log import note_list
from api.accounts.staff import Principal
from api.bodies import PathId
from api.clock import utcnow
from api.controllers.students import EDIT_STUDENTS
from api.cursors import DEFAULT_LIMIT, PAGED, CursorQuery, OptionalLimit, paged_response
from api.infra.security import LOAN_DESK, roles
from loans import corrections, ent_linking, loss_declarations
from loans.corrections import CorrectionView
from loans.ent_linking import ProposalView
from loans.loss_declarations import DeclarationView

LINK_STAFF = roles("admin", "region_manager", "it_staff", "head")
StateQuery = Annotated[
    str,
    QueryParameter(description="pending (par défaut), confirmed, rejected, ou all", max_length=12),
]


class RejectIn(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class LinkProposalController(Controller):
    path = "/api/v1/ent-link-proposals"
    tags = ["élèves"]
    guards = [LINK_STAFF]

    @get(
        "/",
        summary="Les propositions de liaison de comptes ENT des établissements",
        description="Les 200 plus anciennes sans `limit` ni `cursor` ; " + PAGED,
    )
    async def list_proposals(
        self,
        request: Request[Principal, None, None],
        wanted: StateQuery = "pending",
        limit: OptionalLimit = None,
        cursor: CursorQuery = None,
    ) -> Response[list[ProposalView]]:
        if limit is None and cursor is None:  # the first 200, as before
            listed = await ent_linking.list_proposals(request.user.scope, wanted)
            note_list(request, [p.student_id for p in listed], {"proposals": wanted})
            return Response(listed)
        found = await ent_linking.proposal_page(
            request.user.scope, wanted, limit=limit or DEFAULT_LIMIT, cursor=cursor
        )
        note_list(request, [p.student_id for p in found.items], {"proposals": wanted})
        return paged_response(request, found)

    @post("/{proposal_id:int}/confirm", status_code=200, summary="Confirmer : lier le compte ENT")
    async def confirm(
        self, request: Request[Principal, None, None], proposal_id: PathId
    ) -> ProposalView:
        principal = request.user
        return await ent_linking.confirm_proposal(
            principal.scope, principal.actor, utcnow(), proposal_id
        )

    @post("/{proposal_id:int}/reject", status_code=200, summary="Rejeter : ne rien lier")
    async def reject(
        self, request: Request[Principal, None, None], proposal_id: PathId
    ) -> ProposalView:
        principal = request.user
        return await ent_linking.reject_proposal(
            principal.scope, principal.actor, utcnow(), proposal_id
        )


class LossDeclarationController(Controller):
    path = "/api/v1/loss-declarations"
    tags = ["prêts"]
    guards = [LOAN_DESK]

    @get(
        "/",
        summary="Les pertes et vols déclarés par les élèves et leurs représentants",
        description="Les 200 plus anciennes sans `limit` ni `cursor` ; " + PAGED,
    )
    async def list_declarations(
        self,
        request: Request[Principal, None, None],
        wanted: StateQuery = "pending",
        limit: OptionalLimit = None,
        cursor: CursorQuery = None,
    ) -> Response[list[DeclarationView]]:
        if limit is None and cursor is None:  # the first 200, as before
            listed = await loss_declarations.list_declarations(request.user.scope, wanted)
            note_list(request, [d.student_id for d in listed], {"declarations": wanted})
            return Response(listed)
        found = await loss_declarations.declaration_page(
            request.user.scope, wanted, limit=limit or DEFAULT_LIMIT, cursor=cursor
        )
        note_list(request, [d.student_id for d in found.items], {"declarations": wanted})
        return paged_response(request, found)

    @post(
        "/{declaration_id:int}/confirm",
        status_code=200,
        summary="Confirmer : le prêt se clôt en perte ou en vol",
    )
    async def confirm(
        self, request: Request[Principal, None, None], declaration_id: PathId
    ) -> DeclarationView:
        principal = request.user
        return await loss_declarations.confirm_declaration(
            principal.scope, principal.actor, utcnow(), declaration_id
        )

    @post("/{declaration_id:int}/reject", status_code=200, summary="Rejeter la déclaration")
    async def reject(
        self,
        request: Request[Principal, None, None],
        declaration_id: PathId,
        data: JSONBody[RejectIn],
    ) -> DeclarationView:
        principal = request.user
        return await loss_declarations.reject_declaration(
            principal.scope, principal.actor, utcnow(), declaration_id, data.note
        )


class ApplyIn(msgspec.Struct, forbid_unknown_fields=True):
    # The value to write, when staff settle on another spelling than the one asked.
    value: Annotated[str, msgspec.Meta(max_length=corrections.VALUE_MAX)] | None = None


class RefuseIn(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(max_length=corrections.TEXT_MAX)]


class CorrectionRequestController(Controller):
    path = "/api/v1/correction-requests"
    tags = ["élèves"]
    guards = [LINK_STAFF]

    @get(
        "/",
        summary="Les demandes de rectification des élèves et de leurs représentants",
        description="pending (par défaut), applied, refused ou all ; " + PAGED,
    )
    async def list_corrections(
        self,
        request: Request[Principal, None, None],
        wanted: StateQuery = "pending",
        limit: OptionalLimit = None,
        cursor: CursorQuery = None,
    ) -> Response[list[CorrectionView]]:
        found = await corrections.correction_page(
            request.user.scope, wanted, limit=limit or DEFAULT_LIMIT, cursor=cursor
        )
        return paged_response(request, found)

    @post(
        "/{request_id:int}/apply",
        guards=[EDIT_STUDENTS],
        status_code=200,
        summary="Appliquer : la fiche est corrigée (et son historique le dit)",
    )
    async def apply(
        self, request: Request[Principal, None, None], request_id: PathId, data: JSONBody[ApplyIn]
    ) -> CorrectionView:
        principal = request.user
        return await corrections.apply_correction(
            principal.scope, principal.actor, utcnow(), request_id, data.value
        )

    @post(
        "/{request_id:int}/refuse",
        guards=[EDIT_STUDENTS],
        status_code=200,
        summary="Refuser, avec la raison montrée au demandeur",
    )
    async def refuse(
        self, request: Request[Principal, None, None], request_id: PathId, data: JSONBody[RefuseIn]
    ) -> CorrectionView:
        principal = request.user
        return await corrections.refuse_correction(
            principal.scope, principal.actor, utcnow(), request_id, data.note
        )


ROUTES = [LinkProposalController, LossDeclarationController, CorrectionRequestController]
