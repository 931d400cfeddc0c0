"""What anyone may learn of a sealed document from its public id: the address the QR code of
a sealed convention or receipt prints (`/verify/{public_id}`).

The check is made on the bytes kept by ordipret, against the region's seal: intact or not,
which kind of document, when, sealed by whom, whether it is a demonstration seal. No personal
data beyond initials: a lost printout, or a QR code photographed, must not tell who borrowed
what.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec
from cryptography import x509

from inventory.errors import NotFound
from loans.documents import DocumentView, public_document
from loans.sealing import Verification, verify_async
from loans.storage import CorruptedContent, Storage
from loans.tables import Agreement, Loan, Signature

# The kinds a public id may be checked for, and how the page names them.
PUBLIC_KINDS = {
    "sealed_agreement": "Convention de prêt signée",
    "receipt": "Reçu de retour de matériel",
}

# When the kept bytes themselves cannot be checked, the page says so in the same terms.
TAMPERED = Verification(
    status="altered",
    readable=True,
    sealed=True,
    intact=False,
    trusted=False,
    demonstration=False,
    summary="Le fichier conservé ne correspond plus à son empreinte : il a été modifié.",
)
MISSING = Verification(
    status="unreadable",
    readable=False,
    sealed=False,
    intact=False,
    trusted=False,
    demonstration=False,
    summary="Le fichier de ce document est introuvable : il ne peut pas être vérifié.",
)


class Party(msgspec.Struct, frozen=True):
    """Someone who signed the document, as the public may see them: a role, initials, a day."""

    role: str
    initials: str
    at: dt.datetime


class PublicCheck(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    kind_label: str
    created_at: dt.datetime
    student_initials: str  # "" when the document has no loan
    parties: list[Party]
    verification: Verification


def initials(*names: str) -> str:
    """« Camille Dupont-Gaël » -> « C. D. »: the first letter of each name given."""
    letters = [name.strip()[0].upper() + "." for name in names if name and name.strip()]
    return " ".join(letters)


# How the public page names each party of a convention.
AGREEMENT_ROLES = {
    "student": "Élève",
    "guardian": "Représentant légal",
    "head_of_school": "Chef d’établissement",
}


def parties_of(document: DocumentView) -> list[Party]:
    """Who signed a receipt, for the public page: the staff member who took the device back
    and sealed it, on that day. A convention's parties are read from its signatures
    (`agreement_parties`)."""
    if document.kind == "receipt":
        names = document.created_by.split()
        return [
            Party(
                role="Personnel de l'établissement (réception de l'appareil)",
                initials=initials(*names[:1], *names[1:][-1:]),  # first and last names
                at=document.created_at,
            )
        ]
    return []


def _name_initials(name: str) -> str:
    """Signer names are kept as « Léa MARTIN »: their first and last words."""
    words = name.split()
    return initials(*words[:1], *words[1:][-1:])


async def agreement_parties(public_id: str) -> list[Party]:
    """The signatures of the convention `public_id`, in the order they were made: role,
    initials and time (nothing more: the page is public)."""
    rows = await (
        Signature.select(Signature.role, Signature.signer_name, Signature.signed_at)
        .where(Signature.agreement.public_id == public_id)
        .order_by(Signature.signed_at)
        .order_by(Signature.id)
    )
    return [
        Party(
            role=AGREEMENT_ROLES.get(row["role"], row["role"]),
            initials=_name_initials(row["signer_name"]),
            at=row["signed_at"],
        )
        for row in rows
    ]


class AwaitingSignatures(msgspec.Struct, frozen=True, kw_only=True):
    """A convention issued but not sealed yet, as the public may see it: no name at all."""

    issued_at: dt.datetime
    superseded: bool  # a newer version replaces it: this printout is out of date
    complete: bool  # every signature is in; the sealed record is on its way
    signed: int
    required: int


async def awaiting_signatures(public_id: str) -> AwaitingSignatures | None:
    """What `/verify/{public_id}` says of a convention that has no sealed record (yet): None
    when no convention has that public id."""
    public_id = public_id.strip().lower()
    if len(public_id) != 32:
        return None
    row = (
        await Agreement.select(
            Agreement.id,
            Agreement.issued_at,
            Agreement.superseded_at,
            Agreement.completed_at,
            Agreement.required,
        )
        .where(Agreement.public_id == public_id)
        .output(load_json=True)
        .first()
    )
    if row is None:
        return None
    signed = await Signature.count().where(Signature.agreement == row["id"])
    return AwaitingSignatures(
        issued_at=row["issued_at"],
        superseded=row["superseded_at"] is not None,
        complete=row["completed_at"] is not None,
        signed=signed,
        required=len(row["required"] or []),
    )


async def _student_initials(loan_id: int | None) -> str:
    if loan_id is None:
        return ""
    row = (
        await Loan.select(Loan.student.first_name, Loan.student.last_name)
        .where(Loan.id == loan_id)
        .first()
    )
    if row is None:
        return ""
    return initials(row["student.first_name"], row["student.last_name"])


async def check_public(
    storage: Storage,
    public_id: str,
    trusted: Sequence[x509.Certificate],
    *,
    now: dt.datetime | None = None,
) -> PublicCheck | None:
    """The check of the document `public_id` (a sealed convention or receipt), or None when
    there is no such document. The stored bytes are verified again, now (off the loop)."""
    document = await public_document(public_id.strip().lower(), tuple(PUBLIC_KINDS))
    if document is None:
        return None
    try:
        content = await storage.get(document.sha256)
    except CorruptedContent:  # the kept bytes were changed behind ordipret's back
        verification = TAMPERED
    except NotFound:
        verification = MISSING
    else:
        verification = await verify_async(content, trusted, now=now)
    return PublicCheck(
        kind=document.kind,
        kind_label=PUBLIC_KINDS[document.kind],
        created_at=document.created_at,
        student_initials=await _student_initials(document.loan_id),
        parties=(
            await agreement_parties(document.public_id)
            if document.kind == "sealed_agreement"
            else parties_of(document)
        ),
        verification=verification,
    )
