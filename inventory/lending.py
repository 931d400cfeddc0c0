"""Whether a device is lent, read from the one source of truth: its open loan.

A device is lent while a loan of it is open (`loan.closed_at IS NULL`, at most one per device
by the partial unique index `loan_one_open_per_asset`); the asset's own `state` covers the rest.
The fleet must not import `loans` (the dependency runs the other way), so this module reads the
`loan` and `student` tables by name, as `loans.reports.fleet.lent_sql` does: a seam of SQL, not
of Python. Every fragment filters on `closed_at IS NULL` and the loan's `asset`, which the
partial index answers, so the "lent" filter of a list of any size seeks open loans only.

The derived status of a device is `lent` (with the loan's state: prepared, awaiting signature or
handed over) or else its stored state; "in_stock" in a filter means in stock and not lent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import msgspec
from piccolo.columns.combination import WhereRaw

from inventory.db import Prepared
from inventory.tables import Asset

LENT = "lent"
LENT_LABEL = "prêté"
# The open states of a loan (loans.states.OPEN_STATES), for the words shown beside "prêté".
LOAN_STATE_LABELS = {
    "draft": "en préparation",
    "awaiting_signature": "en attente de signature",
    "active": "remis à l'élève",
}


class LoanStatus(msgspec.Struct, frozen=True):
    """The open loan of a lent device. The borrower's class and the due date are given only to
    those who see the loan's establishment (None otherwise)."""

    state: str  # draft, awaiting_signature, active
    class_name: str | None = None
    due_on: dt.date | None = None


def lent_clause() -> WhereRaw:
    """Assets with an open loan (for a Piccolo query on `Asset`): a semi-join that seeks the
    partial index per asset. Not `id IN (open loans)`: with statistics, SQLite builds the list
    of a region's 165,000 open loans first, for every page (150–180 ms, a school's too)."""
    return WhereRaw(open_loan_sql('"asset"."id"'))


def not_lent_clause() -> WhereRaw:
    """Assets without an open loan: an anti-join that seeks the partial index per asset (NOT
    EXISTS rather than NOT IN, which a NULL in `loan.asset` would turn into "no row")."""
    return WhereRaw("NOT " + open_loan_sql('"asset"."id"'))


def open_loan_sql(asset_ref: str) -> str:
    """A correlated test, for raw SQL: the asset `asset_ref` (e.g. `a.id`) has an open loan."""
    return f"EXISTS (SELECT 1 FROM loan l WHERE l.asset = {asset_ref} AND l.closed_at IS NULL)"


_OPEN_LOAN = (
    "SELECT l.asset AS asset_id, l.state AS state, l.due_on AS due_on, "
    "l.establishment AS establishment_id, s.class_name AS class_name "
    "FROM loan l JOIN student s ON s.id = l.student "
)
# One asset's: a read by unique key (the partial index loan_one_open_per_asset), which SQLite
# answers on the event loop's thread without a hop to aiosqlite's (half the cost of a lookup).
_ONE_OPEN_LOAN = Prepared.from_sql(Asset, _OPEN_LOAN + "WHERE l.asset = {} AND l.closed_at IS NULL")


# A keyed read of assets (inventory.db.Prepared `around`) with each one's open loan in the same
# query: one round trip for a lookup instead of two (on PostgreSQL, each is a socket send and a
# wake-up of the server: most of a lookup's cost under load).
WITH_OPEN_LOAN = (
    "SELECT q.*, l.state AS open_loan_state, l.due_on AS open_loan_due_on, "
    "l.establishment AS open_loan_establishment_id, s.class_name AS open_loan_class_name "
    "FROM ({query}) q LEFT JOIN loan l ON l.asset = q.id AND l.closed_at IS NULL "
    "LEFT JOIN student s ON s.id = l.student"
)


def open_loan_in(row: dict) -> dict[int, tuple[LoanStatus, int]]:
    """The open loan read by WITH_OPEN_LOAN, in the shape `open_loans` gives."""
    if row["open_loan_state"] is None:
        return {}
    status = LoanStatus(
        row["open_loan_state"], row["open_loan_class_name"], _day(row["open_loan_due_on"])
    )
    return {row["id"]: (status, row["open_loan_establishment_id"])}


async def open_loans(asset_ids: Iterable[int]) -> dict[int, tuple[LoanStatus, int]]:
    """asset id -> (its open loan with every detail, the loan's establishment id), one query
    for a page or a batch of an export. The caller masks the details out of scope."""
    ids = sorted(set(asset_ids))
    if not ids:
        return {}
    if len(ids) == 1:
        rows = await _ONE_OPEN_LOAN.rows(ids[0])
    else:
        marks = ", ".join("{}" for _ in ids)
        # SQLite's planner takes `closed_at IS NULL` for an equality and reads the whole
        # loan_closed_at range of open loans (165,000 in a region) for every page or batch:
        # the unary + keeps it on the asset index (three loans a device at most). PostgreSQL
        # seeks the partial index loan_one_open_per_asset by itself.
        sqlite = Asset._meta.db.engine_type == "sqlite"
        still_open = "+l.closed_at IS NULL" if sqlite else "l.closed_at IS NULL"
        rows = await Asset.raw(_OPEN_LOAN + f"WHERE {still_open} AND l.asset IN ({marks})", *ids)
    return {
        row["asset_id"]: (
            LoanStatus(row["state"], row["class_name"], _day(row["due_on"])),
            row["establishment_id"],
        )
        for row in rows
    }


def _day(value: object) -> dt.date | None:
    """SQLite answers raw queries with text dates."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def status_label(status: str, loan: LoanStatus | None, states: dict[str, str]) -> str:
    """In French: "prêté" (and what the loan is waiting for) or the stored state's word."""
    if status == LENT:
        if loan is not None and loan.state in LOAN_STATE_LABELS and loan.state != "active":
            return f"{LENT_LABEL} ({LOAN_STATE_LABELS[loan.state]})"
        return LENT_LABEL
    return states.get(status, status)
