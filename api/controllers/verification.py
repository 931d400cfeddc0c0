"""Checking a sealed document, for anyone: `POST /api/v1/documents/verify` with the PDF (a
multipart form, field `file`, or the raw `application/pdf` body). No account needed: a
student, a court clerk or another administration must be able to check a convention or a
receipt they were handed. Only the seal is checked; nothing is kept, nothing is looked up.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Request, post

from api.infra.seal import trusted_certificates
from api.pdf_uploads import BODY_LIMIT, FIELD, uploaded_pdf, verification_upload_checks
from api.request_checks import BODY_TYPES, PDF_TYPES
from inventory.errors import Invalid
from loans.sealing import Verification, verify_async


class VerificationOut(msgspec.Struct):
    status: str  # intact, altered or unsealed
    intact: bool
    sealed: bool
    trusted: bool  # sealed by this installation's seal certificate
    demonstration: bool  # a demonstration seal, of no legal value
    signer: str | None
    signed_at: dt.datetime | None
    summary: str  # one French sentence


def verification_out(verification: Verification) -> VerificationOut:
    return VerificationOut(
        status=verification.status,
        intact=verification.intact,
        sealed=verification.sealed,
        trusted=verification.trusted,
        demonstration=verification.demonstration,
        signer=verification.signer,
        signed_at=verification.signed_at,
        summary=verification.summary,
    )


@post(
    "/api/v1/documents/verify",
    exclude_from_auth=True,
    before_request=verification_upload_checks,
    opt={BODY_TYPES: PDF_TYPES},
    request_max_body_size=BODY_LIMIT,
    status_code=200,
    tags=["documents"],
    summary="Vérifier le sceau d'un document PDF",
    description=(
        "Sans authentification. Envoyez le PDF en multipart (champ `file`) ou comme corps "
        "brut (`application/pdf`), 20 Mo au plus. Un fichier qui n'est pas un PDF lisible "
        "donne 422, nommant `file`."
    ),
)
async def verify_document(request: Request) -> VerificationOut:
    pdf = await uploaded_pdf(request)
    verification = await verify_async(pdf, trusted_certificates(request.app.state["settings"]))
    if verification.status == "unreadable":
        raise Invalid({FIELD: verification.summary})
    return verification_out(verification)


ROUTES = [verify_document]
