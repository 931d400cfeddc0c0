"""The loans part of a student's personal data export (`loans.personal_data`): each loan of
the student with its device, events, agreements and signatures, signing links, documents,
photos and loss or theft declarations, read from the student's loan ids only.

Staff are not the student's data: a staff account acting (an actor snapshot with an account
id) is shown as STAFF; who recorded a signature, issued a convention, sent a link or decided
a declaration is left out; the head of school's signature keeps its role, not the name.
Actors without an account are kept (the student or guardian « (ENT) », the system).
"""

from __future__ import annotations

import json

from loans.tables import (
    Agreement,
    Document,
    Loan,
    LoanEvent,
    LoanPhoto,
    LossDeclaration,
    Signature,
    SigningLink,
)

STAFF = "personnel de l'établissement ou de la Région"
FAMILY_ROLES = ("student", "guardian")


def json_of(value):
    return json.loads(value) if isinstance(value, str) else value


def actor(actor_id: int | None, name: str) -> str:
    return STAFF if actor_id is not None else name


def event(row: dict) -> dict:
    changes = json_of(row["changes"]) or {}
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
            row[name] = json_of(row[name])
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
    ids = [a["id"] for a in rows] or [0]
    signatures = await Signature.select(*Signature.all_columns()).where(
        Signature.agreement.is_in(ids)
    )
    # Links mailed to sign remotely: when and for whom, never the token's hash nor the sender.
    links = await SigningLink.select(
        SigningLink.agreement,
        SigningLink.role,
        SigningLink.created_at,
        SigningLink.expires_at,
        SigningLink.used_at,
    ).where(SigningLink.agreement.is_in(ids))
    for agreement in rows:
        agreement["signers_required"] = [
            {"role": s.get("role"), "name": s.get("name") if s.get("role") in FAMILY_ROLES else ""}
            for s in json_of(agreement.pop("required")) or []
        ]
        agreement["signatures"] = [
            _signature(s) for s in signatures if s["agreement"] == agreement["id"]
        ]
        agreement["signing_links"] = [
            {k: v for k, v in link.items() if k != "agreement"}
            for link in links
            if link["agreement"] == agreement["id"]
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


async def loans_of(student_id: int) -> tuple[list[dict], list[dict]]:
    """The student's loans, each with what belongs to it, and their declarations."""
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
        loan["events"] = [event(e) for e in events if e["loan"] == mine]
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
    return loans, declarations
