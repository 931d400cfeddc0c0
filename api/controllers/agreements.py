"""A loan's agreement: its status and PDF, issuing it, recording a signature, sending a
remote signing link.

Reads: every staff member whose scope sees the loan. Issuing and links: the desk (admin, IT
staff). Signatures: the desk, and the head of school for the school's own signature; who
signs for the school in person (the head, or an admin holding that delegation) is decided
here and passed to the domain as `head_delegation`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import PermissionDeniedException, ServiceUnavailableException
from litestar.params import JSONBody, QueryParameter

from api.access_log import note_read
from api.accounts.staff import Principal
from api.bodies import DbId, PathId
from api.clock import utcnow
from api.infra.mailer import SmtpMailer
from api.infra.security import LOAN_DESK, roles
from api.infra.storage import storage_of
from api.sealed_agreements import seal_after_signature
from inventory.errors import Invalid
from loans import agreements, signing_links
from loans.access_log import Read
from loans.agreements import AgreementStatus, SignatureIn

# Who may record a signature: the desk, and the head of school (their own only).
SIGN = roles("admin", "head", "it_staff")
HEAD_DELEGATION = frozenset({"head", "admin"})
Hash = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
Encoded = Annotated[str, msgspec.Meta(max_length=15_000_000)]


class SignatureBody(msgspec.Struct, forbid_unknown_fields=True):
    version: Annotated[int, msgspec.Meta(ge=1)]
    role: Annotated[str, msgspec.Meta(max_length=20)]
    method: Annotated[str, msgspec.Meta(max_length=10)]
    sha256: Hash | None = None  # the PDF the signer read; required but for paper
    guardian_id: DbId | None = None
    image_png: Encoded | None = None  # the drawn signature: a PNG data URL, or base64
    scan: Encoded | None = None  # paper: the signed pages (PDF, PNG or JPEG), base64


class LinkBody(msgspec.Struct, forbid_unknown_fields=True):
    role: Annotated[str, msgspec.Meta(max_length=20)]
    guardian_id: DbId | None = None
    email: Annotated[str, msgspec.Meta(max_length=254)] = ""  # default: the guardian's


def decoded(value: str | None, field: str) -> bytes | None:
    """Base64, or a data URL (`data:image/png;base64,…`) as a canvas gives it."""
    if value is None:
        return None
    if value.startswith("data:"):
        header, comma, value = value.partition(",")
        if not comma or not header.endswith(";base64"):
            raise Invalid({field: "URL de données en base64 attendue"})
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid({field: "contenu en base64 illisible"}) from None


def client_of(request: Request) -> tuple[str, str]:
    address = request.client.host if request.client else ""
    return address, request.headers.get("user-agent", "")


def pdf_response(loan_id: int, version: int, content: bytes) -> Response[bytes]:
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="convention-pret-{loan_id}-v{version}.pdf"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


class AgreementController(Controller):
    path = "/api/v1/loans/{loan_id:int}"
    tags = ["conventions"]

    @get(
        "/agreement",
        summary="La convention du prêt : version, signataires et leurs signatures",
        description="Avec `?format=pdf`, le PDF de la version en vigueur.",
    )
    async def agreement(
        self,
        request: Request[Principal, None, None],
        loan_id: PathId,
        output: Annotated[
            str | None, QueryParameter(name="format", description="pdf", max_length=10)
        ] = None,
    ) -> Response:
        if output == "pdf":
            return await self._pdf(request, loan_id)
        if output not in (None, "", "json"):
            raise Invalid({"format": "pdf ou json"})
        status = await agreements.agreement_status(request.user.scope, loan_id)
        note_read(request, Read("agreement", loan_ids=(loan_id,)))
        return Response(status)

    @get(
        "/agreement.pdf", summary="Le PDF de la convention en vigueur", media_type="application/pdf"
    )
    async def agreement_pdf(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> Response[bytes]:
        return await self._pdf(request, loan_id)

    async def _pdf(self, request: Request[Principal, None, None], loan_id: int) -> Response[bytes]:
        version, content = await agreements.pdf_of(storage_of(request), request.user.scope, loan_id)
        note_read(request, Read("agreement", loan_ids=(loan_id,)))
        return pdf_response(loan_id, version, content)

    @post(
        "/agreement",
        guards=[LOAN_DESK],
        status_code=200,
        summary="Émettre la convention (une nouvelle version seulement si son contenu change)",
    )
    async def issue(
        self, request: Request[Principal, None, None], loan_id: PathId
    ) -> AgreementStatus:
        principal = request.user
        return await agreements.issue_agreement(
            storage_of(request),
            principal.scope,
            principal.actor,
            utcnow(),
            loan_id,
            request.app.state["settings"].public_url,
        )

    @post(
        "/signatures",
        guards=[SIGN],
        status_code=201,
        summary="Enregistrer une signature (sur place : image PNG ; papier : scan)",
    )
    async def sign(
        self,
        request: Request[Principal, None, None],
        loan_id: PathId,
        data: JSONBody[SignatureBody],
    ) -> AgreementStatus:
        principal = request.user
        if principal.role == "head" and data.role != "head_of_school":
            raise PermissionDeniedException(
                "Le chef d'établissement enregistre sa propre signature seulement."
            )
        address, agent = client_of(request)
        signature = SignatureIn(
            version=data.version,
            sha256=data.sha256,
            role=data.role,
            method=data.method,
            guardian_id=data.guardian_id,
            image_png=decoded(data.image_png, "image_png"),
            scan=decoded(data.scan, "scan"),
            client_address=address,
            user_agent=agent,
        )
        now = utcnow()
        status = await agreements.sign(
            storage_of(request),
            principal.scope,
            principal.actor,
            now,
            loan_id,
            signature,
            head_delegation=principal.role in HEAD_DELEGATION,
        )
        if status.complete:  # the last signature: the sealed record, never undoing it
            await seal_after_signature(request, principal.scope, principal.actor, loan_id, now)
        return status

    @post(
        "/signing-links",
        guards=[LOAN_DESK],
        status_code=201,
        summary="Envoyer par courriel un lien de signature à distance (7 jours, usage unique)",
    )
    async def send_link(
        self,
        request: Request[Principal, None, None],
        loan_id: PathId,
        data: JSONBody[LinkBody],
    ) -> signing_links.LinkSent:
        settings = request.app.state["settings"]
        await agreements.agreement_status(request.user.scope, loan_id)  # out of scope: 404
        if not settings.smtp.configured:
            raise ServiceUnavailableException("L'envoi de courriels n'est pas configuré.")
        principal = request.user
        async with SmtpMailer(settings.smtp) as mailer:
            return await signing_links.create_signing_link(
                principal.scope,
                principal.actor,
                utcnow(),
                loan_id,
                role=data.role,
                guardian_id=data.guardian_id,
                email=data.email,
                public_url=settings.public_url,
                send=mailer.send,
            )


ROUTES = [AgreementController]
