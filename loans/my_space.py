"""What the student and guardian space shows: the loans of the students an ENT identity may
see (`loans.ent_linking.SpaceAccess`), their documents, and what awaits a signature.

The space has no staff scope. Every read starts from the access's student ids: a loan or a
document of another student is not found (the same 404 as an unknown id). Only documents
meant for the family are readable: the conventions, the sealed conventions and the return
receipts (not the signature images, paper scans or damage photos kept for the school).
"""

from __future__ import annotations

import datetime as dt
import json

import msgspec

from inventory.errors import NotFound
from inventory.scope import Scope
from loans import agreement_records
from loans.agreement_records import SignerStatus
from loans.documents import DocumentView, get_document
from loans.ent_linking import SpaceAccess
from loans.policy import accessories_for, policy_for_region
from loans.states import OPEN_STATES
from loans.storage import Storage
from loans.tables import Document, Guardian, Loan, LossDeclaration, Student

READABLE_KINDS = ("agreement", "sealed_agreement", "receipt")
DOCUMENT_LABELS = {
    "agreement": "Convention de prêt",
    "sealed_agreement": "Convention signée (scellée)",
    "receipt": "Reçu de restitution",
}
SIGNING_STATES = ("draft", "awaiting_signature")


class SpaceStudent(msgspec.Struct, frozen=True):
    id: int
    last_name: str
    first_name: str
    class_name: str
    school_name: str


class SpaceDocument(msgspec.Struct, frozen=True):
    id: int
    kind: str
    label: str
    version: int
    created_at: dt.datetime


class SpaceLoan(msgspec.Struct, frozen=True):
    id: int
    state: str
    student_id: int
    establishment_id: int
    region_id: int
    school_name: str
    device: str  # « Lenovo ThinkPad E14 »
    category: str
    asset_tag: str
    serial: str
    due_on: dt.date | None
    overdue: bool
    handed_over_at: dt.datetime | None
    closed_at: dt.datetime | None
    accessories: list[str]  # what was given (or will be): what to bring back
    documents: list[SpaceDocument] = []
    signers: list[SignerStatus] = []
    agreement_version: int | None = None
    agreement_sha256: str | None = None
    to_sign: bool = False  # the current convention awaits this identity's signature
    declaration: str | None = None  # a pending loss or theft declaration: its kind

    @property
    def scope(self) -> Scope:
        """A scope that sees this loan only: for the domain's use-cases, once ownership has
        been checked (`space_loan`)."""
        return Scope.establishments({self.establishment_id: self.region_id})


def signer_key(access: SpaceAccess, student_id: int) -> tuple[str, int | None]:
    """Who this identity signs as on a loan of `student_id`."""
    if access.kind == "guardian":
        return "guardian", access.guardian_ids[student_id]
    return "student", None


async def requester_name(access: SpaceAccess, student_id: int) -> str:
    """« Prénom Nom » of whoever is signed in for `student_id`: the student, or the guardian
    row of this identity (what a declaration or a request records as its author)."""
    if access.kind == "guardian":
        query = Guardian.select(Guardian.first_name, Guardian.last_name).where(
            Guardian.id == access.guardian_ids[student_id]
        )
    else:
        query = Student.select(Student.first_name, Student.last_name).where(
            Student.id == student_id
        )
    row = await query.first()
    assert row is not None  # the access was read from these rows
    return f"{row['first_name']} {row['last_name']}"


async def students_of(access: SpaceAccess) -> list[SpaceStudent]:
    if not access.student_ids:
        return []
    rows = await (
        Student.select(
            Student.id,
            Student.last_name,
            Student.first_name,
            Student.class_name,
            Student.establishment.name.as_alias("school_name"),
        )
        .where(Student.id.is_in(list(access.student_ids)))
        .order_by(Student.first_name)
    )
    return [SpaceStudent(**row) for row in rows]


_LOAN_COLUMNS = (
    Loan.id,
    Loan.state,
    Loan.student,
    Loan.establishment,
    Loan.establishment.region.as_alias("region_id"),
    Loan.establishment.name.as_alias("school_name"),
    Loan.category,
    Loan.due_on,
    Loan.accessories_given,
    Loan.handed_over_at,
    Loan.closed_at,
    Loan.created_at,
    Loan.asset.tag.as_alias("asset_tag"),
    Loan.asset.serial.as_alias("serial"),
    Loan.asset.model.as_alias("model_id"),
    Loan.asset._.model._.manufacturer.as_alias("manufacturer"),
    Loan.asset._.model._.name.as_alias("model_name"),
    Loan.asset._.model._.accessories.as_alias("model_accessories"),
)


async def loans_of(access: SpaceAccess, student_id: int, today: dt.date) -> list[SpaceLoan]:
    """The student's loans, open ones first, newest first; nothing for a student not seen."""
    if not access.sees(student_id):
        return []
    rows = await Loan.select(*_LOAN_COLUMNS).where(Loan.student == student_id)
    rows.sort(key=lambda r: (r["state"] not in OPEN_STATES, -r["created_at"].timestamp()))
    return [await _loan(access, row, today) for row in rows]


async def space_loan(access: SpaceAccess, loan_id: int, today: dt.date) -> SpaceLoan:
    """One loan of a student the identity sees; anyone else's: NotFound."""
    row = await Loan.select(*_LOAN_COLUMNS).where(Loan.id == loan_id).first()
    if row is None or not access.sees(row["student"]):
        raise NotFound(f"Prêt n° {loan_id} introuvable.")
    return await _loan(access, row, today)


async def _loan(access: SpaceAccess, row: dict, today: dt.date) -> SpaceLoan:
    given = row["accessories_given"]
    given = json.loads(given) if isinstance(given, str) else list(given or [])
    if not given and row["state"] in SIGNING_STATES:  # not handed over yet: what will be given
        policy = await policy_for_region(row["region_id"])
        given = accessories_for(policy, row["model_id"], row["model_accessories"] or [])
    documents = await Document.select(
        Document.id, Document.kind, Document.version, Document.created_at
    ).where((Document.loan == row["id"]) & Document.kind.is_in(list(READABLE_KINDS)))
    agreement = await agreement_records.current_agreement(row["id"])
    signers = (
        agreement_records.statuses(
            agreement, await agreement_records.signatures_of(agreement["id"])
        )
        if agreement
        else []
    )
    mine = signer_key(access, row["student"])
    to_sign = (
        row["state"] in SIGNING_STATES
        and agreement is not None
        and agreement["sha256"] is not None
        and any((s.role, s.guardian_id) == mine and not s.signed for s in signers)
    )
    pending = (
        await LossDeclaration.select(LossDeclaration.kind)
        .where((LossDeclaration.loan == row["id"]) & (LossDeclaration.state == "pending"))
        .first()
    )
    return SpaceLoan(
        id=row["id"],
        state=row["state"],
        student_id=row["student"],
        establishment_id=row["establishment"],
        region_id=row["region_id"],
        school_name=row["school_name"],
        device=f"{row['manufacturer']} {row['model_name']}",
        category=row["category"],
        asset_tag=row["asset_tag"],
        serial=row["serial"],
        due_on=row["due_on"],
        overdue=row["state"] == "active" and row["due_on"] is not None and row["due_on"] < today,
        handed_over_at=row["handed_over_at"],
        closed_at=row["closed_at"],
        accessories=given,
        documents=[
            SpaceDocument(
                id=d["id"],
                kind=d["kind"],
                label=DOCUMENT_LABELS[d["kind"]],
                version=d["version"],
                created_at=d["created_at"],
            )
            for d in sorted(documents, key=lambda d: d["id"])
        ],
        signers=signers,
        agreement_version=agreement["version"] if agreement else None,
        agreement_sha256=agreement["sha256"] if agreement else None,
        to_sign=to_sign,
        declaration=pending["kind"] if pending else None,
    )


async def space_document(
    storage: Storage, access: SpaceAccess, document_id: int
) -> tuple[DocumentView, bytes]:
    """A convention or receipt of a loan of a student the identity sees; else NotFound."""
    row = (
        await Document.select(Document.loan.student.as_alias("student"))
        .where((Document.id == document_id) & Document.kind.is_in(list(READABLE_KINDS)))
        .first()
    )
    if row is None or row["student"] is None or not access.sees(row["student"]):
        raise NotFound(f"Document n° {document_id} introuvable.")
    return await get_document(storage, Scope.platform(), document_id)


async def agreement_pdf(
    storage: Storage, access: SpaceAccess, loan_id: int, today: dt.date
) -> tuple[int, bytes]:
    """The current convention of one of the identity's loans, to read before signing."""
    loan = await space_loan(access, loan_id, today)
    if loan.agreement_sha256 is None or loan.agreement_version is None:
        raise NotFound(f"Prêt n° {loan_id} : aucune convention émise.")
    return loan.agreement_version, await storage.get(loan.agreement_sha256)
