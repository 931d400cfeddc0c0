"""Everything held about one student (RGPD art. 15 and 20), as plain data: the record, the
guardians (their rows for this student only), ENT links, loans with their events, agreements
and signatures, documents and photos (metadata: the bytes are added by
`loans.personal_data_archive`), loss or theft declarations, requests made from the space,
reminders sent, the terms accepted and the record's history.

Every row is read from the student's own id outward (student -> loans -> agreements ->
signatures; student -> guardians, requests, reminders, events), never by a name or a school,
so nothing of another student can come in. The export is the person's, not a school's: a
student who changed school gets the loans of their former school too, once the caller's
scope sees the student (`students.student_row`).

Staff are not the student's personal data: a staff account acting in the history is shown as
« personnel de l'établissement ou de la Région » (an actor snapshot with an account id), and
who recorded a signature, issued a convention or decided a request is left out. Actors
without an account are kept as they are: the student or guardian themselves (« … (ENT) »),
the system, the command line. The head of school's signature keeps its role, not the name
(the signed convention itself, which the student holds, names them).
"""

from __future__ import annotations

import datetime as dt
import json

from inventory.scope import Scope
from loans import students
from loans.tables import (
    Agreement,
    CorrectionRequest,
    Document,
    EntLinkProposal,
    Guardian,
    Loan,
    LoanEvent,
    LoanPhoto,
    LossDeclaration,
    ReminderLog,
    Signature,
    StudentEvent,
)

STAFF = "personnel de l'établissement ou de la Région"
FAMILY_ROLES = ("student", "guardian")


def _plain(value):
    """JSON-ready: dates and times in ISO 8601, JSON columns decoded (SQLite gives text)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def actor(actor_id: int | None, name: str) -> str:
    return STAFF if actor_id is not None else name


def _event(row: dict) -> dict:
    changes = _json(row["changes"]) or {}
    role = (changes.get("role") or [None, None])[-1] if row["action"] == "sign" else None
    if role and role not in FAMILY_ROLES:  # the head of school signed: their role, not name
        changes = {**changes, "signer": [None, role]}
    return {
        "at": row["at"],
        "actor": actor(row["actor_id"], row["actor_name"]),
        "action": row["action"],
        "changes": changes,
    }


async def _loans(student_id: int) -> list[dict]:
    rows = (
        await Loan.select(
            Loan.id,
            Loan.state,
            Loan.establishment._.uai.as_alias("establishment_uai"),
            Loan.establishment._.name.as_alias("establishment_name"),
            Loan.asset._.tag.as_alias("asset_tag"),
            Loan.asset._.serial.as_alias("asset_serial"),
            Loan.asset._.model._.manufacturer.as_alias("manufacturer"),
            Loan.asset._.model._.name.as_alias("model"),
            Loan.category,
            Loan.campaign._.name.as_alias("campaign"),
            Loan.previous.as_alias("previous_loan_id"),
            Loan.due_on,
            Loan.accessories_planned,
            Loan.accessories_given,
            Loan.accessories_returned,
            Loan.return_condition,
            Loan.damage_notes,
            Loan.incident_on,
            Loan.circumstances,
            Loan.police_report_ref,
            Loan.police_report_on,
            Loan.created_at,
            Loan.handed_over_at,
            Loan.closed_at,
        )
        .where(Loan.student == student_id)
        .order_by(Loan.id)
    )
    for row in rows:
        for name in ("accessories_planned", "accessories_given", "accessories_returned"):
            row[name] = _json(row[name])
    return rows


async def _agreements(loan_ids: list[int]) -> list[dict]:
    rows = (
        await Agreement.select(
            Agreement.id,
            Agreement.loan,
            Agreement.version,
            Agreement.terms_version,
            Agreement.sha256,
            Agreement.public_id,
            Agreement.required,
            Agreement.issued_at,
            Agreement.superseded_at,
            Agreement.completed_at,
        )
        .where(Agreement.loan.is_in(loan_ids))
        .order_by(Agreement.id)
    )
    signatures = await Signature.select(*Signature.all_columns()).where(
        Signature.agreement.is_in([a["id"] for a in rows] or [0])
    )
    for agreement in rows:
        agreement["signers_required"] = [
            {"role": s.get("role"), "name": s.get("name") if s.get("role") in FAMILY_ROLES else ""}
            for s in _json(agreement.pop("required")) or []
        ]
        agreement["signatures"] = [
            _signature(s) for s in signatures if s["agreement"] == agreement["id"]
        ]
    return rows


def _signature(row: dict) -> dict:
    family = row["role"] in FAMILY_ROLES
    return {
        "role": row["role"],
        "signer_name": row["signer_name"] if family else "",
        "method": row["method"],
        "signed_at": row["signed_at"],
        # Where a family member signed from is theirs; a desk's computer is the school's.
        "client_address": row["client_address"] if family else "",
        "user_agent": row["user_agent"] if family else "",
        "document_sha256": row["document_sha256"],
        "image_sha256": row["image_sha256"],
        "scan_sha256": row["scan_sha256"],
        "without_scan": row["without_scan"],
        "ent_key": row["ent_key"],
        "auth_method": row["auth_method"],
    }


async def _by_loan(table, columns, loan_ids: list[int], order) -> list[dict]:
    return await table.select(*columns).where(table.loan.is_in(loan_ids)).order_by(order)


async def collect(scope: Scope, student_id: int) -> dict:
    """The student's data as a JSON-ready dict; NotFound outside the scope. Each document
    carries its `sha256`: the archive adds its bytes from the storage."""
    record = await students.get_student(scope, student_id)
    loans = await _loans(student_id)
    loan_ids = [loan["id"] for loan in loans] or [0]
    agreements = await _agreements(loan_ids)
    events = await _by_loan(
        LoanEvent,
        (LoanEvent.loan, LoanEvent.at, LoanEvent.actor_id, LoanEvent.actor_name)
        + (LoanEvent.action, LoanEvent.changes),
        loan_ids,
        LoanEvent.id,
    )
    documents = await _by_loan(
        Document,
        (Document.id, Document.loan, Document.kind, Document.version, Document.media_type)
        + (Document.size, Document.sha256, Document.public_id, Document.created_at),
        loan_ids,
        Document.id,
    )
    photos = await _by_loan(
        LoanPhoto,
        (LoanPhoto.loan, LoanPhoto.taken_at, LoanPhoto.content_type, LoanPhoto.document),
        loan_ids,
        LoanPhoto.id,
    )
    declarations = await _by_loan(
        LossDeclaration,
        (LossDeclaration.loan, LossDeclaration.kind, LossDeclaration.incident_on)
        + (LossDeclaration.circumstances, LossDeclaration.police_report_ref)
        + (LossDeclaration.police_report_on, LossDeclaration.declared_by_role)
        + (LossDeclaration.declared_by_name, LossDeclaration.auth_method, LossDeclaration.state)
        + (LossDeclaration.created_at, LossDeclaration.decided_at, LossDeclaration.decision_note),
        loan_ids,
        LossDeclaration.id,
    )
    for loan in loans:
        mine = loan["id"]
        loan["events"] = [_event(e) for e in events if e["loan"] == mine]
        loan["agreements"] = [
            {k: v for k, v in a.items() if k not in ("id", "loan")}
            for a in agreements
            if a["loan"] == mine
        ]
        loan["documents"] = [
            {k: v for k, v in d.items() if k != "loan"} for d in documents if d["loan"] == mine
        ]
        loan["photos"] = [
            {
                "taken_at": p["taken_at"],
                "content_type": p["content_type"],
                "document_id": p["document"],
            }
            for p in photos
            if p["loan"] == mine
        ]
        loan["loss_declarations"] = [
            {k: v for k, v in d.items() if k != "loan"} for d in declarations if d["loan"] == mine
        ]
    guardian_rows = await Guardian.select(*students.GUARDIAN_COLUMNS).where(
        Guardian.student == student_id
    )
    proposals = await EntLinkProposal.select(
        EntLinkProposal.ent_id,
        EntLinkProposal.auth_method,
        EntLinkProposal.state,
        EntLinkProposal.created_at,
        EntLinkProposal.decided_at,
    ).where(EntLinkProposal.student == student_id)
    corrections = await CorrectionRequest.select(
        CorrectionRequest.guardian.as_alias("guardian_id"),
        CorrectionRequest.field,
        CorrectionRequest.requested_value,
        CorrectionRequest.explanation,
        CorrectionRequest.requested_by_role,
        CorrectionRequest.requested_by_name,
        CorrectionRequest.auth_method,
        CorrectionRequest.state,
        CorrectionRequest.created_at,
        CorrectionRequest.decided_at,
        CorrectionRequest.decision_note,
    ).where(CorrectionRequest.student == student_id)
    reminders = await ReminderLog.select(
        ReminderLog.sent_at, ReminderLog.loan_ids, ReminderLog.recipients
    ).where(ReminderLog.student == student_id)
    history = (
        await StudentEvent.select(
            StudentEvent.at,
            StudentEvent.actor_id,
            StudentEvent.actor_name,
            StudentEvent.action,
            StudentEvent.changes,
        )
        .where(StudentEvent.student == student_id)
        .order_by(StudentEvent.id)
    )
    return _plain(
        {
            "student": {
                "id": record.id,
                "region_code": record.region_code,
                "establishment": {
                    "uai": record.establishment.uai,
                    "name": record.establishment.name,
                },
                "ent_id": record.ent_id,
                "ine": record.ine,
                "last_name": record.last_name,
                "first_name": record.first_name,
                "birth_date": record.birth_date,
                "class_name": record.class_name,
                "left_on": record.left_on,
                "created_at": record.created_at,
            },
            "guardians": sorted(guardian_rows, key=lambda g: g["id"]),
            "ent_links": {"student_ent_id": record.ent_id, "proposals": proposals},
            "loans": loans,
            "consents": _consents(loans),
            "requests": {
                "ent_link_proposals": proposals,
                "loss_declarations": [
                    {"loan_id": d["loan"], **{k: v for k, v in d.items() if k != "loan"}}
                    for d in declarations
                ],
                "corrections": corrections,
            },
            "reminders": [{**r, "loan_ids": _json(r["loan_ids"])} for r in reminders],
            "history": [_event(e) for e in history],
        }
    )


def _consents(loans: list[dict]) -> list[dict]:
    """The loan terms each family signature accepted: which convention, which terms version."""
    return [
        {
            "loan_id": loan["id"],
            "agreement_version": agreement["version"],
            "terms_version": agreement["terms_version"],
            "role": signature["role"],
            "signer_name": signature["signer_name"],
            "method": signature["method"],
            "signed_at": signature["signed_at"],
        }
        for loan in loans
        for agreement in loan["agreements"]
        for signature in agreement["signatures"]
        if signature["role"] in FAMILY_ROLES
    ]
