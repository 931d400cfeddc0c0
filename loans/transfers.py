"""Where a transferred device went, told to the school that sent it.

After a transfer the device and its new loan belong to the new school: the sending school no
longer sees them. It still sees its own loan, closed as `transferred`; these reads follow that
loan's continuation (`previous`) to name the new school, and only that (no student, no state).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from inventory.errors import DomainError
from inventory.scope import Scope
from inventory.tables import Asset
from labels.scan import resolve_scan
from loans.tables import Loan


@dataclass(frozen=True, slots=True)
class TransferredTo:
    loan_id: int  # the sending school's loan, closed as transferred
    asset_tag: str
    uai: str
    name: str
    on: dt.datetime | None
    contact_email: str = ""  # so that the sending school can reach the new one
    contact_phone: str = ""


async def transferred_to(scope: Scope, loan_id: int) -> TransferredTo | None:
    """The school the loan `loan_id` (one the caller sees) went on at, when it was transferred."""
    rows = await Loan.select(
        Loan.asset.tag,
        Loan.closed_at,
        Loan.establishment.name,
        Loan.establishment.uai,
        Loan.establishment.contact_email,
        Loan.establishment.contact_phone,
    ).where((Loan.previous == loan_id) & (Loan.id != loan_id))
    if not rows:
        return None
    row = rows[0]
    closed = await Loan.select(Loan.closed_at).where(Loan.id == loan_id).first()
    return TransferredTo(
        loan_id,
        row["asset.tag"],
        row["establishment.uai"],
        row["establishment.name"],
        closed["closed_at"] if closed else None,
        row["establishment.contact_email"],
        row["establishment.contact_phone"],
    )


async def where_it_went(scope: Scope, raw: str) -> TransferredTo | None:
    """For a device the caller no longer sees (the scan or the address gave not found): the
    school it was transferred to from one of the caller's schools, else None."""
    try:
        found = await resolve_scan(Scope.platform(), raw)
    except DomainError:  # unknown or malformed: the caller's own answer stands
        return None
    if found.asset is None:
        return None
    asset = await Asset.select(Asset.id).where(Asset.tag == found.asset.tag).first()
    if asset is None:
        return None
    sent = await (
        Loan.select(Loan.id, Loan.establishment, Loan.establishment.region)
        .where((Loan.asset == asset["id"]) & (Loan.state == "transferred"))
        .order_by(Loan.id, ascending=False)
    )
    for loan in sent:
        if scope.sees_establishment(loan["establishment"], loan["establishment.region"]):
            return await transferred_to(scope, loan["id"])
    return None
