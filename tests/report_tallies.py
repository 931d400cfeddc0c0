"""The check every test of the reports' tallies ends with: each tally holds exactly what a
plain recount of the base tables gives (loans.reports.tallies)."""

from __future__ import annotations

from loans.reports import tallies
from loans.tables import Loan


async def _rows(sql: str) -> set[tuple]:
    """As text: SQLite hands a stored date back as a date, a computed one as text."""
    found = await Loan.raw(sql)
    return {tuple(str(value) for value in row.values()) for row in found}


async def tally_rows(tally: tallies.Tally) -> set[tuple]:
    names = ", ".join(tally.names)
    return await _rows(f"SELECT {names}, n FROM {tally.table} WHERE n <> 0")


async def assert_tallies_match_a_recount() -> None:
    engine_type = Loan._meta.db.engine_type
    for tally in tallies.TALLIES:
        assert await tally_rows(tally) == await _rows(tallies.recount_sql(tally, engine_type)), (
            tally.table
        )
    steps = await _rows(
        f"SELECT student, region, establishment, class_name, status FROM {tallies.STUDENT_STATUS}"
    )
    assert steps == await _rows(tallies.student_status_recount_sql())
