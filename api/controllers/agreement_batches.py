"""Conventions on paper at scale: a class's or a campaign's conventions in one PDF to print,
and the signed stack back from the scanner.

- `GET /api/v1/campaigns/{id}/agreements.pdf` and
  `GET /api/v1/loans/agreements.pdf?establishment=UAI&class=2NDE3`: the conventions of the
  open loans selected that still need signatures, each issued if needed (the desk).
- `POST /api/v1/agreements/scans`: the whole scanned stack (PDF, as the raw body or a
  multipart field `file`, 64 MB at most); each page lands on its loan by its QR code, each
  loan's pages are kept as its paper scan and the paper signatures recorded; the answer
  reports every page.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import QueryParameter

from api.access_log import note_read
from api.accounts.staff import Principal
from api.agreement_scans import BODY_LIMIT, file_and_seal, uploaded_scan
from api.bodies import PathId
from api.clock import utcnow
from api.infra.security import LOAN_DESK
from api.infra.storage import storage_of
from api.jobs.answers import accepted, prefers_async
from api.request_checks import BODY_TYPES, PDF_TYPES
from loans import campaigns
from loans.access_log import Read
from loans.agreement_batches import loans_to_sign, print_loans, selection
from loans.scan_intake import ScanReport

UaiParam = Annotated[
    str | None, QueryParameter(name="establishment", description="UAI", max_length=8)
]
# Up to this many conventions are issued and drawn in the request; more (a campaign, a whole
# class) go to the job queue (api.jobs): each new convention is issued, drawn and kept.
INLINE_AGREEMENTS = 10
ASYNC = (
    f" Plus de {INLINE_AGREEMENTS} conventions (ou avec `Prefer: respond-async`) : 202 Accepted "
    "et `Location: /api/v1/jobs/{id}`, à suivre jusqu'au fichier."
)
ClassParam = Annotated[
    str | None, QueryParameter(name="class", description="Classe", max_length=20)
]


async def _printed(request: Request[Principal, None, None], filters, name: str) -> Response:
    principal = request.user
    settings = request.app.state["settings"]
    now = utcnow()
    loan_ids = await loans_to_sign(principal.scope, filters, now)
    # Every convention printed (now, or by the job this request queues) names its student.
    note_read(request, Read("export", loan_ids=tuple(loan_ids), detail=name))
    if loan_ids and (prefers_async(request) or len(loan_ids) > INLINE_AGREEMENTS):
        return await accepted(request, "agreements", {"loan_ids": loan_ids, "file_name": name})
    pdf = await print_loans(
        storage_of(request), principal.scope, principal.actor, now, loan_ids, settings.public_url
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "X-Agreement-Count": str(len(loan_ids)),
        },
    )


class AgreementBatchController(Controller):
    path = "/api/v1"
    tags = ["conventions"]
    guards = [LOAN_DESK]

    @get(
        "/campaigns/{campaign_id:int}/agreements.pdf",
        summary="Les conventions à signer d'une campagne, en un PDF à imprimer",
        description=ASYNC,
        media_type="application/pdf",
    )
    async def campaign_agreements(
        self, request: Request[Principal, None, None], campaign_id: PathId
    ) -> Response:
        await campaigns.campaign_row(request.user.scope, campaign_id)  # out of scope: 404
        filters = selection(campaign_id=campaign_id)
        return await _printed(request, filters, f"conventions-campagne-{campaign_id}.pdf")

    @get(
        "/loans/agreements.pdf",
        summary="Les conventions à signer d'une classe, en un PDF à imprimer",
        description=ASYNC,
        media_type="application/pdf",
    )
    async def class_agreements(
        self,
        request: Request[Principal, None, None],
        establishment: UaiParam = None,
        class_name: ClassParam = None,
    ) -> Response:
        filters = selection(establishment_uai=establishment, class_name=class_name)
        name = f"conventions-{establishment}-{class_name}.pdf".replace(" ", "_")
        return await _printed(request, filters, name)

    @post(
        "/agreements/scans",
        status_code=200,
        summary="Déposer la pile numérisée des conventions signées (PDF)",
        description=(
            "Le PDF de la pile entière, en corps brut (`application/pdf`) ou en multipart "
            "(champ `file`), 64 Mo au plus. Chaque page rejoint son prêt par son code QR ; "
            "avec un cookie de session, ajoutez l'en-tête `X-Requested-With`."
        ),
        request_max_body_size=BODY_LIMIT,
        opt={BODY_TYPES: PDF_TYPES | {"multipart/form-data"}},
    )
    async def scans(self, request: Request[Principal, None, None]) -> ScanReport:
        return await file_and_seal(request, await uploaded_scan(request))


ROUTES = [AgreementBatchController]
