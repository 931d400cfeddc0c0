"""Remote signing: a link mailed to a signer who is not at the desk (a guardian at home, an
adult student), to read the convention and sign it on their own device.

The token is in the mail only: the database keeps its SHA-256 (`SigningLink.token_hash`),
so a copy of the database signs nothing. A link expires (`LINK_DAYS`), works once (its use
is a compare-and-set in the signature's own transaction), names one signer of one agreement
version, and shows nothing of another loan: a token read with another loan's id is unknown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from email.message import EmailMessage
from email.utils import format_datetime

import msgspec

from inventory.db import write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Actor, Scope
from inventory.tables import Establishment
from loans import agreement_records
from loans.agreements import AgreementStatus, SignatureIn, record_signature
from loans.mail import SIGNING_SUBJECT, signing_html, signing_text
from loans.minors import paris_day
from loans.records import loan_row
from loans.reminders import Send
from loans.storage import Storage
from loans.tables import Guardian, Loan, SigningLink

LINK_DAYS = 7
REMOTE_ROLES = ("student", "guardian")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LinkSent(msgspec.Struct, frozen=True):
    role: str
    guardian_id: int | None
    signer_name: str
    expires_at: dt.datetime


class LinkView(msgspec.Struct, frozen=True):
    """What the remote signer sees: the agreement to sign and who they sign as."""

    loan_id: int
    version: int
    sha256: str
    role: str
    guardian_id: int | None
    signer_name: str
    school_name: str
    expires_at: dt.datetime


async def create_signing_link(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    *,
    role: str,
    public_url: str,
    send: Send,
    guardian_id: int | None = None,
    email: str = "",
    days: int = LINK_DAYS,
) -> LinkSent:
    """Mail a link to sign the current agreement to one signer it asks. The address is the
    guardian's own unless `email` is given; a student's must be given (the ENT's)."""
    if role not in REMOTE_ROLES:
        raise Invalid({"role": "un lien de signature est pour l'élève ou un représentant légal"})
    row = await loan_row(scope, loan_id)
    agreement = await agreement_records.current_agreement(loan_id)
    if agreement is None or agreement["sha256"] is None:
        raise Conflict(f"Prêt n° {loan_id} : émettez d'abord la convention.", field="role")
    statuses = agreement_records.statuses(
        agreement, await agreement_records.signatures_of(agreement["id"])
    )
    signer = next((s for s in statuses if (s.role, s.guardian_id) == (role, guardian_id)), None)
    if signer is None:
        raise Conflict("Cette personne n'est pas appelée à signer cette convention.", field="role")
    if signer.signed:
        raise Conflict(f"{signer.name} a déjà signé cette convention.", field="role")
    address = email.strip()
    if not address and guardian_id is not None:
        guardian = await Guardian.select(Guardian.email).where(Guardian.id == guardian_id).first()
        address = guardian["email"].strip() if guardian else ""
    if "@" not in address:
        raise Invalid({"email": "adresse électronique du signataire attendue"})
    token = secrets.token_urlsafe(32)
    expires_at = now + dt.timedelta(days=days)
    async with write_transaction():
        await SigningLink.insert(
            SigningLink(
                agreement=agreement["id"],
                role=role,
                guardian=guardian_id,
                token_hash=token_hash(token),
                created_at=now,
                created_by_name=actor.name,
                expires_at=expires_at,
            )
        )
    school = await _school_name(row["establishment"])
    url = f"{public_url.rstrip('/')}/signer/{token}"
    message = EmailMessage()
    message["Subject"] = SIGNING_SUBJECT
    message["To"] = address
    message["Date"] = format_datetime(now)
    message.set_content(signing_text(school, url, paris_day(expires_at)))
    message.add_alternative(signing_html(school, url, paris_day(expires_at)), subtype="html")
    await send(message)
    return LinkSent(role, guardian_id, signer.name, expires_at)


async def _school_name(establishment_id: int) -> str:
    row = (
        await Establishment.select(Establishment.name)
        .where(Establishment.id == establishment_id)
        .first()
    )
    return row["name"] if row else "L'établissement"


async def _establishment_of(loan_id: int) -> int:
    row = await Loan.select(Loan.establishment).where(Loan.id == loan_id).first()
    assert row is not None  # an agreement's loan (foreign key)
    return row["establishment"]


async def open_link(token: str, now: dt.datetime, loan_id: int | None = None) -> LinkView:
    """The link's agreement, if the link may still be used; `loan_id`, when given, must be
    the link's own (else the link is unknown)."""
    unknown = NotFound("Lien de signature inconnu.")
    link = (
        await SigningLink.select(
            SigningLink.id,
            SigningLink.role,
            SigningLink.guardian,
            SigningLink.expires_at,
            SigningLink.used_at,
            SigningLink.agreement.loan.as_alias("loan_id"),
            SigningLink.agreement.version.as_alias("version"),
            SigningLink.agreement.sha256.as_alias("sha256"),
            SigningLink.agreement.superseded_at.as_alias("superseded_at"),
            SigningLink.agreement.required.as_alias("required"),
        )
        .where(SigningLink.token_hash == token_hash(token))
        .first()
        .output(load_json=True)
    )
    if link is None or (loan_id is not None and link["loan_id"] != loan_id):
        raise unknown
    if link["used_at"] is not None:
        raise Conflict("Ce lien a déjà servi : la signature est enregistrée.", field="token")
    if link["expires_at"] <= now:
        raise Conflict(
            "Ce lien a expiré : demandez-en un nouveau à l'établissement.", field="token"
        )
    if link["superseded_at"] is not None:
        raise Conflict(
            "La convention a changé depuis l'envoi de ce lien : demandez-en un nouveau à "
            "l'établissement.",
            field="token",
        )
    signer = next(
        s
        for s in agreement_records.signers_of({"required": link["required"]})
        if s.key == (link["role"], link["guardian"])
    )
    return LinkView(
        loan_id=link["loan_id"],
        version=link["version"],
        sha256=link["sha256"],
        role=link["role"],
        guardian_id=link["guardian"],
        signer_name=signer.name,
        school_name=await _school_name(await _establishment_of(link["loan_id"])),
        expires_at=link["expires_at"],
    )


async def link_pdf(storage: Storage, token: str, now: dt.datetime) -> bytes:
    return await storage.get((await open_link(token, now)).sha256)


async def sign_with_link(
    storage: Storage,
    token: str,
    now: dt.datetime,
    *,
    loan_id: int,
    version: int,
    sha256: str,
    image_png: bytes,
    client_address: str = "",
    user_agent: str = "",
) -> AgreementStatus:
    """The remote signer's signature; the link is used by it, in the same transaction."""
    link = await open_link(token, now, loan_id)

    async def use_link() -> None:
        used = await (
            SigningLink.update({SigningLink.used_at: now})
            .where(
                (SigningLink.token_hash == token_hash(token))
                & SigningLink.used_at.is_null()
                & (SigningLink.expires_at > now)
            )
            .returning(SigningLink.id)
        )
        if not used:
            raise Conflict("Ce lien a déjà servi : la signature est enregistrée.", field="token")

    return await record_signature(
        storage,
        Scope.platform(),  # the token is the authority: it names its loan
        Actor(id=None, name=f"{link.signer_name} (lien de signature)"),
        now,
        link.loan_id,
        SignatureIn(
            version=version,
            sha256=sha256,
            role=link.role,
            method="remote",
            guardian_id=link.guardian_id,
            image_png=image_png,
            client_address=client_address,
            user_agent=user_agent,
        ),
        head_delegation=False,
        before_write=use_link,
    )
