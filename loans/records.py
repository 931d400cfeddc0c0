"""Reading loans: one loan in scope, its view, its history along transfers."""

from __future__ import annotations

import datetime as dt
import json

from piccolo.columns.combination import Or, WhereRaw

from inventory.db import PARAMETER, Prepared, for_update
from inventory.errors import NotFound
from inventory.scope import Scope
from loans.agreement_records import SignedState, signed_states
from loans.loan_views import LoanEventView, LoanStudent, LoanView
from loans.tables import Loan, LoanEvent

COLUMNS = (
    *Loan.all_columns(),
    Loan.asset.tag.as_alias("asset_tag"),
    Loan.asset.state.as_alias("asset_state"),
    Loan.asset.establishment.as_alias("asset_establishment"),
    Loan.student.last_name.as_alias("student_last_name"),
    Loan.student.first_name.as_alias("student_first_name"),
    Loan.student.class_name.as_alias("student_class_name"),
    Loan.student.ent_id.as_alias("student_ent_id"),
    Loan.establishment.uai.as_alias("establishment_uai"),
    Loan.establishment.region.as_alias("region_id"),
)


def _by_id(lock: bool):
    query = Loan.select(*COLUMNS).where(Loan.id == PARAMETER)
    return for_update(query, Loan) if lock else query


_BY_ID = Prepared(Loan, lambda: _by_id(lock=False))
_BY_ID_LOCKED = Prepared(Loan, lambda: _by_id(lock=True))


async def loan_row(scope: Scope, loan_id: int, lock: bool = False) -> dict:
    """The loan with its asset, student and school columns; NotFound outside the scope."""
    rows = await (_BY_ID_LOCKED if lock else _BY_ID).rows(loan_id)
    if not rows or not scope.sees_establishment(rows[0]["establishment"], rows[0]["region_id"]):
        raise NotFound(f"Prêt n° {loan_id} introuvable.")
    return decoded(rows[0])


def decoded(row: dict) -> dict:
    """Raw reads return JSON columns as text."""
    for key in ("accessories_planned", "accessories_given", "accessories_returned"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row


def view(row: dict, today: dt.date, signed: SignedState | None = None) -> LoanView:
    """`signed`: from `agreement_records.signed_states` (read in one batch for a list)."""
    signed = signed or SignedState()
    given, returned = row["accessories_given"] or [], row["accessories_returned"] or []
    return LoanView(
        id=row["id"],
        state=row["state"],
        asset_tag=row["asset_tag"],
        category=row["category"],
        student=LoanStudent(
            id=row["student"],
            last_name=row["student_last_name"],
            first_name=row["student_first_name"],
            class_name=row["student_class_name"],
            ent_id=row["student_ent_id"],
        ),
        establishment_uai=row["establishment_uai"],
        campaign_id=row["campaign"],
        previous_id=row["previous"],
        due_on=row["due_on"],
        overdue=row["state"] == "active" and row["due_on"] is not None and row["due_on"] < today,
        signed=signed.signed,
        paper_signed_on=signed.paper_signed_on,
        accessories_given=given,
        accessories_returned=returned,
        # Only a return can miss accessories: a transferred loan's went on with the device.
        missing_accessories=[a for a in given if a not in returned]
        if row["state"] == "returned"
        else [],
        return_condition=row["return_condition"],
        damage_notes=row["damage_notes"],
        incident_on=row["incident_on"],
        circumstances=row["circumstances"],
        police_report_ref=row["police_report_ref"],
        police_report_on=row["police_report_on"],
        created_at=row["created_at"],
        handed_over_at=row["handed_over_at"],
        closed_at=row["closed_at"],
    )


async def get_loan(scope: Scope, loan_id: int, today: dt.date) -> LoanView:
    row = await loan_row(scope, loan_id)
    return view(row, today, (await signed_states([loan_id]))[loan_id])


async def loan_history(scope: Scope, loan_id: int) -> list[LoanEventView]:
    """Newest first, following the chain of transfers back to the first school."""
    row = await loan_row(scope, loan_id)
    chain = [row["id"]]
    previous = row["previous"]
    while previous is not None:
        chain.append(previous)
        link = await Loan.select(Loan.previous).where(Loan.id == previous).first()
        assert link is not None  # a foreign key: loans are never deleted
        previous = link["previous"]
    rows = await (
        LoanEvent.select(
            LoanEvent.loan.as_alias("loan_id"),
            LoanEvent.at,
            LoanEvent.actor_name,
            LoanEvent.action,
            LoanEvent.changes,
        )
        .where(LoanEvent.loan.is_in(chain))
        .order_by(LoanEvent.id, ascending=False)
        .output(load_json=True)
    )
    return [LoanEventView(**r) for r in rows]


def in_regions(region_ids) -> WhereRaw:
    """Loans of the establishments of these regions, for lists read in the loans' own order
    (newest first, by due date). A subquery with the loan's column behind a unary plus, not the
    join on the establishment's region: SQLite, without statistics, would walk the region's
    establishments and sort every loan of them (600,000 rows: 1.9 s) instead of reading the
    loans in the list's order and stopping at the page's end (2 ms). PostgreSQL plans either
    by its statistics. The ids are integers from the caller's scope or the database."""
    ids = ", ".join(str(int(region_id)) for region_id in sorted(region_ids))
    return WhereRaw(
        f"+loan.establishment IN (SELECT id FROM establishment WHERE region IN ({ids}))"
    )


def list_scope(scope: Scope):
    """`scope.restrict` for the lists of loans: see `in_regions`."""
    if scope.everything or not scope.region_ids:
        return scope.restrict(Loan.establishment.region, Loan.establishment)
    regional = in_regions(scope.region_ids)
    if scope.establishment_ids:
        return Or(regional, Loan.establishment.is_in(sorted(scope.establishment_ids)))
    return regional
