"""What the loan and hand-over pages show of a loan's convention: its version, each signer
with how and when they signed (or « à signer »), who may start signing here, and the forms to
send a remote link or drop the signed paper scan.

Shared by `api.pages.loans` (the loan, the hand-over) and `api.pages.signing` (the signing
pages themselves), so that both say the same thing about who may sign what.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from api.accounts.staff import Principal
from api.infra.security import DESK_ROLES
from api.settings import Settings
from loans import agreements
from loans.agreement_records import METHODS, ROLE_NAMES, SignerStatus
from loans.agreements import AgreementStatus
from loans.loan_views import LoanView
from loans.tables import Guardian

# Who records a signature made here: the desk, and the head for the school's own line.
SIGN_ROLES = frozenset({"admin", "head", "it_staff"})
# Who signs for the school in person: the head, or an admin holding that delegation.
HEAD_DELEGATION = frozenset({"head", "admin"})
SIGNING_STATES = ("draft", "awaiting_signature")


def signer_key(signer: SignerStatus) -> str:
    """« student », « head_of_school », « guardian-12 »: a signer in a form or an address."""
    return f"guardian-{signer.guardian_id}" if signer.role == "guardian" else signer.role


def may_sign_for(principal: Principal, signer: SignerStatus) -> bool:
    """May this person record this signer's signature on this device?"""
    if signer.unrecorded:
        return False
    if principal.role == "head":
        return signer.role == "head_of_school"
    if principal.role == "admin":
        return True
    return principal.role == "it_staff" and signer.role != "head_of_school"


def role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role)


def method_name(method: str | None) -> str:
    return METHODS.get(method or "", method or "")


@dataclass
class RemoteSigner:
    key: str
    label: str
    email: str  # the guardian's, known; the student's is asked


@dataclass
class SigningPanel:
    status: AgreementStatus
    pdf_href: str
    may_start: bool  # the « Signer sur place » button
    may_send: bool  # the desk: links and paper scans
    mail_ready: bool  # SMTP configured
    remote: list[RemoteSigner] = field(default_factory=list)
    open: bool = True  # the loan still awaits its hand-over

    @property
    def pending(self) -> list[SignerStatus]:
        return [s for s in self.status.signers if not s.signed]


async def _guardian_emails(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await Guardian.select(Guardian.id, Guardian.email).where(Guardian.id.is_in(ids))
    return {row["id"]: row["email"] or "" for row in rows}


async def signing_panel(principal: Principal, settings: Settings, loan: LoanView) -> SigningPanel:
    status = await agreements.agreement_status(principal.scope, loan.id)
    open_ = loan.state in SIGNING_STATES
    pending = [s for s in status.signers if not s.signed]
    desk = principal.role in DESK_ROLES
    if status.version is None:  # not issued yet: the desk issues it with the first tap
        may_start = desk
    else:
        may_start = status.sha256 is not None and any(may_sign_for(principal, s) for s in pending)
    emails = await _guardian_emails([s.guardian_id for s in pending if s.guardian_id])
    remote = [
        RemoteSigner(
            signer_key(s), s.described, emails.get(s.guardian_id, "") if s.guardian_id else ""
        )
        for s in pending
        if s.role in ("student", "guardian") and not s.unrecorded
    ]
    return SigningPanel(
        status=status,
        pdf_href=f"/api/v1/loans/{loan.id}/agreement.pdf",
        may_start=open_ and may_start,
        may_send=open_ and desk,
        mail_ready=settings.smtp.configured,
        remote=remote if status.sha256 is not None else [],
        open=open_,
    )
