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

from inventory.tables import Asset

LENT = "lent"
LENT_LABEL = "prêté"
# The open states of a loan (loans.states.OPEN_STATES), for the words shown beside "prêté".
LOAN_STATE_LABELS = {
    "draft": "en préparation",
    "awaiting_signature": "en attente de signature",
    "active": "remis à l'élève",
}

# The open loans' devices: the partial index on loan (asset) WHERE closed_at IS NULL holds them.
OPEN_LOAN_ASSETS = "SELECT l.asset FROM loan l WHERE l.closed_at IS NULL"


class LoanStatus(msgspec.Struct, frozen=True):
    """The open loan of a lent device. The borrower's class and the due date are given only to
    those who see the loan's establishment (None otherwise)."""

    state: str  # draft, awaiting_signature, active
    class_name: str | None = None
    due_on: dt.date | None = None


def lent_clause() -> WhereRaw:
    """Assets with an open loan (for a Piccolo query on `Asset`)."""
    return WhereRaw(f'"asset"."id" IN ({OPEN_LOAN_ASSETS})')


def not_lent_clause() -> WhereRaw:
    """Assets without an open loan: an anti-join that seeks the partial index per asset (NOT
    EXISTS rather than NOT IN, which a NULL in `loan.asset` would turn into "no row")."""
    return WhereRaw("NOT " + open_loan_sql('"asset"."id"'))


def open_loan_sql(asset_ref: str) -> str:
    """A correlated test, for raw SQL: the asset `asset_ref` (e.g. `a.id`) has an open loan."""
    return f"EXISTS (SELECT 1 FROM loan l WHERE l.asset = {asset_ref} AND l.closed_at IS NULL)"


async def open_loans(asset_ids: Iterable[int]) -> dict[int, tuple[LoanStatus, int]]:
    """asset id -> (its open loan with every detail, the loan's establishment id), one query
    for a page or a batch of an export. The caller masks the details out of scope."""
    ids = sorted(set(asset_ids))
    if not ids:
        return {}
    marks = ", ".join("{}" for _ in ids)
    # SQLite without statistics would read every open loan by the closed_at index (100,000 in
    # a region: 50-600 ms a page) rather than each device's few loans; the unary plus keeps
    # that index out. PostgreSQL picks the per-device index by itself (and has no unary plus
    # for timestamps).
    sqlite = Asset._meta.db.engine_type == "sqlite"
    still_open = "+l.closed_at IS NULL" if sqlite else "l.closed_at IS NULL"
    rows = await Asset.raw(
        "SELECT l.asset AS asset_id, l.state AS state, l.due_on AS due_on, "
        "l.establishment AS establishment_id, s.class_name AS class_name "
        "FROM loan l JOIN student s ON s.id = l.student "
        f"WHERE {still_open} AND l.asset IN ({marks})",
        *ids,
    )
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
