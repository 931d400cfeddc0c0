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
who decided a request is left out (the loans' part: `loans.personal_data_loans`). Actors
without an account are kept as they are: the student or guardian themselves (« … (ENT) »),
the system, the command line.
"""

from __future__ import annotations

import datetime as dt

from inventory.scope import Scope
from loans import students
from loans.personal_data_loans import FAMILY_ROLES, event, json_of, loans_of
from loans.tables import (
    CorrectionRequest,
    EntLinkProposal,
    Guardian,
    ReminderLog,
    StudentEvent,
)


def _plain(value):
    """JSON-ready: dates and times in ISO 8601."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def collect(scope: Scope, student_id: int) -> dict:
    """The student's data as a JSON-ready dict; NotFound outside the scope. Each document
    carries its `sha256`: the archive adds its bytes from the storage."""
    record = await students.get_student(scope, student_id)
    loans, declarations = await loans_of(student_id)
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
            "reminders": [{**r, "loan_ids": json_of(r["loan_ids"])} for r in reminders],
            "history": [event(e) for e in history],
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
