"""Counts of the fleet reports kept by the database itself, in the transaction of each change.

Grouping every region's devices, students and loans at each request took 6–8 s for the
platform overview (2 million devices, 6 million loans). The reports read small tally tables
instead: one row per combination of what they group by, with its count `n`. Triggers on the
base tables add 1 to the row a new or changed row now falls in and take 1 from the one it
fell in before, so every writer (use-cases, imports, bulk loads, a hand-written UPDATE)
keeps them right: correct by construction, nothing to refresh.

Each tally is written once, as the key its source row falls in (`Tally.keys`); from that one
definition come the triggers of both engines and the plain recount (`recount_sql`: the
GROUP BY over the base table), which fills the tallies at migration and after bulk loads and
is what the tests compare the tallies with after random operations.

The students' step (the furthest a student went today: handed over, signed, prepared,
missing) depends on their loans and conventions, so a per-student row
(`tally_student_status`) keeps the step each enrolled student is at; loan and agreement
triggers recompute it for the student concerned, and `tally_student` counts those rows.

Rows whose count comes back to 0 stay (the next change reuses them); readers skip them.
Keys never hold NULL (a unique index would not match it): 0 for no establishment (the
region's stock) or no model, '' for no condition, a sentinel date for no date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

# The sentinel of a loan without a due date: never overdue.
NO_DUE_DATE = "9999-12-31"
INCIDENT_STATES = ("lost", "stolen")
ENDED_STATES = ("returned", *INCIDENT_STATES)


@dataclass(frozen=True)
class Dialect:
    """What differs between the engines in the keys: dates and instants."""

    engine_type: str

    @property
    def sqlite(self) -> bool:
        return self.engine_type == "sqlite"

    def date(self, text: str) -> str:
        return f"'{text}'" if self.sqlite else f"DATE '{text}'"

    def year(self, column: str) -> str:
        if self.sqlite:
            return f"CAST(substr({column}, 1, 4) AS INTEGER)"
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"

    def month(self, column: str) -> str:
        """The month in Europe/Paris of an instant, as year * 12 + month - 1.

        SQLite has no time zones, but a month needs only the offset at its first midnight:
        +2 hours for April to October (summer time starts before the last day of March and
        ends after the first of October), +1 hour otherwise. An instant is in the month its
        time +2 hours falls in when that month starts in summer time, else in the month of
        its time +1 hour."""
        if not self.sqlite:
            paris = f"({column} AT TIME ZONE 'Europe/Paris')"
            return (
                f"CAST(EXTRACT(YEAR FROM {paris}) * 12 + EXTRACT(MONTH FROM {paris}) - 1 "
                "AS INTEGER)"
            )
        shift = (
            f"CASE WHEN strftime('%m', {column}, '+2 hours') BETWEEN '04' AND '10' "
            "THEN '+2 hours' ELSE '+1 hours' END"
        )
        return (
            f"(CAST(strftime('%Y', {column}, {shift}) AS INTEGER) * 12 "
            f"+ CAST(strftime('%m', {column}, {shift}) AS INTEGER) - 1)"
        )


Keys = Callable[[Dialect, str], list[tuple[str, tuple[str, ...]]]]


@dataclass(frozen=True)
class Tally:
    table: str
    columns: tuple[tuple[str, str], ...]  # the key's columns and their SQL types
    source: str  # the table whose rows it counts
    watched: tuple[str, ...]  # the source's columns the key depends on
    # For a row of `source` named `alias`: the (condition, key values) it counts under; a
    # row may count under several keys (a loan is a hand-out, then an end) or none.
    keys: Keys

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]


def _asset_keys(d: Dialect, a: str) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (
            "1 = 1",
            (
                f"{a}.region",
                f"COALESCE({a}.establishment, 0)",
                f"{a}.model",
                f"{a}.state",
                f"COALESCE({d.year(f'{a}.acquired_on')}, 0)",
            ),
        )
    ]


def repair_sql(loan: str) -> str:
    """A return that sent the device to repair (`loans.lifecycle.take_back`'s rule)."""
    return (
        f"{loan}.state = 'returned' AND "
        f"({loan}.return_condition = 'D' OR {loan}.damage_notes <> '')"
    )


def _open_loan_keys(d: Dialect, loan: str) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (
            f"{loan}.closed_at IS NULL",
            (
                f"{loan}.establishment",
                f"{loan}.state",
                f"COALESCE({loan}.due_on, {d.date(NO_DUE_DATE)})",
            ),
        )
    ]


def _incident_sql(loan: str) -> str:
    return f"({loan}.state IN {INCIDENT_STATES} OR ({repair_sql(loan)}))"


def _ended_key(d: Dialect, loan: str, model: str) -> tuple[str, ...]:
    return (
        f"{loan}.establishment",
        "'ended'",
        d.month(f"{loan}.closed_at"),
        f"{loan}.state",
        f"COALESCE({loan}.return_condition, '')",
        f"CASE WHEN {repair_sql(loan)} THEN 1 ELSE 0 END",
        model,
    )


def _ended_sql(loan: str) -> str:
    return f"{loan}.closed_at IS NOT NULL AND {loan}.state IN {ENDED_STATES}"


def _loan_month_keys(d: Dialect, loan: str) -> list[tuple[str, tuple[str, ...]]]:
    model = (
        f"CASE WHEN {_incident_sql(loan)} "
        f"THEN (SELECT m.model FROM asset m WHERE m.id = {loan}.asset) ELSE 0 END"
    )
    handed = (f"{loan}.establishment", "'handed'", d.month(f"{loan}.handed_over_at"))
    return [
        # A hand-out (a transfer's continuation is not one: the device was handed out once).
        (
            f"{loan}.handed_over_at IS NOT NULL AND {loan}.previous IS NULL",
            (*handed, "''", "''", "0", "0"),
        ),
        # An end: a return (its condition, a repair?), a loss, a theft (with the model).
        (_ended_sql(loan), _ended_key(d, loan, model)),
    ]


def _student_keys(d: Dialect, s: str) -> list[tuple[str, tuple[str, ...]]]:
    return [
        ("1 = 1", (f"{s}.region", f"{s}.establishment", f"{s}.class_name", f"{s}.status")),
    ]


ASSETS = Tally(
    table="tally_asset",
    columns=(
        ("region", "INTEGER"),
        ("establishment", "INTEGER"),
        ("model", "INTEGER"),
        ("state", "VARCHAR(20)"),
        ("acquired_year", "INTEGER"),
    ),
    source="asset",
    watched=("region", "establishment", "model", "state", "acquired_on"),
    keys=_asset_keys,
)
OPEN_LOANS = Tally(
    table="tally_open_loan",
    columns=(("establishment", "INTEGER"), ("state", "VARCHAR(20)"), ("due_on", "DATE")),
    source="loan",
    watched=("establishment", "state", "due_on", "closed_at"),
    keys=_open_loan_keys,
)
LOAN_MONTHS = Tally(
    table="tally_loan_month",
    columns=(
        ("establishment", "INTEGER"),
        ("kind", "VARCHAR(6)"),
        ("month", "INTEGER"),
        ("state", "VARCHAR(20)"),
        ("return_condition", "VARCHAR(1)"),
        ("repair", "INTEGER"),
        ("model", "INTEGER"),
    ),
    source="loan",
    watched=(
        "establishment",
        "state",
        "handed_over_at",
        "closed_at",
        "previous",
        "return_condition",
        "damage_notes",
        "asset",
    ),
    keys=_loan_month_keys,
)
STUDENTS = Tally(
    table="tally_student",
    columns=(
        ("region", "INTEGER"),
        ("establishment", "INTEGER"),
        ("class_name", "VARCHAR(20)"),
        ("status", "VARCHAR(12)"),
    ),
    source="tally_student_status",
    watched=("region", "establishment", "class_name", "status"),
    keys=_student_keys,
)
TALLIES = (ASSETS, OPEN_LOANS, LOAN_MONTHS, STUDENTS)
STUDENT_STATUS = "tally_student_status"
# Every table of this module, emptied after the base tables by whoever empties a database.
TABLES = (*(t.table for t in TALLIES), STUDENT_STATUS)


def status_sql(student: str) -> str:
    """The furthest step of the student whose id is `student` today: `handed_over` (an
    active loan: the device is in their hands), `signed` (an open loan whose current
    convention is fully signed), `prepared` (another open loan), `missing`."""
    return f"""CASE
    WHEN EXISTS (SELECT 1 FROM loan l WHERE l.student = {student} AND l.closed_at IS NULL
                 AND l.state = 'active') THEN 'handed_over'
    WHEN EXISTS (SELECT 1 FROM loan l JOIN agreement g ON g.loan = l.id
                 WHERE l.student = {student} AND l.closed_at IS NULL
                 AND g.superseded_at IS NULL AND g.completed_at IS NOT NULL) THEN 'signed'
    WHEN EXISTS (SELECT 1 FROM loan l WHERE l.student = {student} AND l.closed_at IS NULL)
      THEN 'prepared'
    ELSE 'missing' END"""


# Reading the loans' moments of a period. -----------------------------------------------------

# A loan's moments: its hand-out and its end, the instant column each is filed by, and the
# place of its key in LOAN_MONTHS.keys.
MOMENTS = {"handed": ("handed_over_at", 0), "ended": ("closed_at", 1)}


def moments_sql(
    kind: str,
    engine_type: str,
    scoped: Callable[[str], str],
    months: tuple[int, int] | None,
    edges: list[tuple[dt.datetime, dt.datetime]],
) -> tuple[str, list]:
    """The loans' `kind` moments of a period, as rows of LOAN_MONTHS (its columns and `n`):
    the tally for the whole months `months` (first, last), and the loans themselves for the
    instants `edges` (the period's partial months, read through an index on the instant).
    `scoped` gives the condition keeping the establishments covered, for a column."""
    names = LOAN_MONTHS.names
    parts: list[str] = []
    args: list = []
    if months is not None:
        parts.append(
            f"SELECT {', '.join(names)}, n FROM {LOAN_MONTHS.table} "
            f"WHERE kind = '{kind}' AND month >= {{}} AND month <= {{}} "
            f"AND {scoped('establishment')}"
        )
        args += list(months)
    column, index = MOMENTS[kind]
    condition, key = LOAN_MONTHS.keys(Dialect(engine_type), "r")[index]
    named = ", ".join(f"{value} AS {name}" for value, name in zip(key, names, strict=True))
    for start, end in edges:
        parts.append(
            f"SELECT {named}, 1 AS n FROM loan r WHERE {condition} "
            f"AND r.{column} >= {{}} AND r.{column} < {{}} AND {scoped('r.establishment')}"
        )
        args += [start, end]
    if not parts:
        parts.append(f"SELECT {', '.join(names)}, n FROM {LOAN_MONTHS.table} WHERE 1 = 0")
    return " UNION ALL ".join(parts), args


# Creating, filling and checking. ------------------------------------------------------------


# Indexes on the base tables for what the tallies leave to them: warranties ending soon (a
# small slice of the devices) and the loans of a period's partial months, platform-wide.
BASE_INDEXES = {
    "asset_warranty_report": (
        "asset (warranty_end, region, establishment, model) "
        "WHERE state IN ('in_stock', 'in_repair')"
    ),
    "loan_handed_at": "loan (handed_over_at)",
    "loan_closed_at": "loan (closed_at)",
}


def create_sql() -> list[str]:
    """The tables and their unique keys (the same on both engines), and the indexes of
    BASE_INDEXES."""
    statements = [f"CREATE INDEX {name} ON {target}" for name, target in BASE_INDEXES.items()]
    for tally in TALLIES:
        columns = ", ".join(f"{name} {kind} NOT NULL" for name, kind in tally.columns)
        statements.append(f"CREATE TABLE {tally.table} ({columns}, n INTEGER NOT NULL)")
        statements.append(
            f"CREATE UNIQUE INDEX {tally.table}_key ON {tally.table} ({', '.join(tally.names)})"
        )
    statements.append(
        f"CREATE TABLE {STUDENT_STATUS} (student INTEGER NOT NULL PRIMARY KEY, "
        "region INTEGER NOT NULL, establishment INTEGER NOT NULL, "
        "class_name VARCHAR(20) NOT NULL, status VARCHAR(12) NOT NULL)"
    )
    return statements


def drop_sql(engine_type: str) -> list[str]:
    return [
        *drop_triggers_sql(engine_type),
        *(f"DROP TABLE {name}" for name in TABLES),
        *(f"DROP INDEX {name}" for name in BASE_INDEXES),
    ]


def recount_sql(tally: Tally, engine_type: str) -> str:
    """The plain GROUP BY of `tally`'s source: what the tally must hold (n ≠ 0 rows)."""
    d = Dialect(engine_type)
    selects = []
    for condition, key in tally.keys(d, "r"):
        pairs = zip(key, tally.names, strict=True)
        named = ", ".join(f"{value} AS {name}" for value, name in pairs)
        selects.append(f"SELECT {named} FROM {tally.source} r WHERE {condition}")
    names = ", ".join(tally.names)
    return (
        f"SELECT {names}, COUNT(*) AS n FROM ({' UNION ALL '.join(selects)}) counted "
        f"GROUP BY {names}"
    )


def student_status_recount_sql() -> str:
    return (
        f"SELECT s.id AS student, s.region AS region, COALESCE(s.establishment, 0) AS "
        f"establishment, s.class_name AS class_name, {status_sql('s.id')} AS status "
        "FROM student s WHERE s.left_on IS NULL"
    )


def refill_sql(engine_type: str) -> list[str]:
    """Empty every tally and fill it again from the base tables, the triggers dropped
    meanwhile (they would count the refill itself): at migration, and after a bulk load that
    went faster without them. Run the statements in one transaction."""
    return [
        *drop_triggers_sql(engine_type),
        *(f"DELETE FROM {name}" for name in TABLES),
        f"INSERT INTO {STUDENT_STATUS} {student_status_recount_sql()}",
        *(
            f"INSERT INTO {t.table} ({', '.join(t.names)}, n) {recount_sql(t, engine_type)}"
            for t in TALLIES
        ),
        *create_triggers_sql(engine_type),
    ]


# Triggers. ----------------------------------------------------------------------------------


def _upsert(tally: Tally, d: Dialect, alias: str, delta: int) -> list[str]:
    names = ", ".join(tally.names)
    return [
        f"INSERT INTO {tally.table} ({names}, n) SELECT {', '.join(key)}, {delta} "
        f"WHERE {condition} "
        f"ON CONFLICT ({names}) DO UPDATE SET n = {tally.table}.n + excluded.n"
        for condition, key in tally.keys(d, alias)
    ]


def _student_status_insert(alias: str) -> str:
    return (
        f"INSERT INTO {STUDENT_STATUS} (student, region, establishment, class_name, status) "
        f"SELECT {alias}.id, {alias}.region, COALESCE({alias}.establishment, 0), "
        f"{alias}.class_name, {status_sql(f'{alias}.id')} WHERE {alias}.left_on IS NULL"
    )


def _student_status_refresh(student: str) -> str:
    """Recompute one student's step, written only when it changed."""
    step = status_sql(f"{STUDENT_STATUS}.student")
    return (
        f"UPDATE {STUDENT_STATUS} SET status = {step} "
        f"WHERE {STUDENT_STATUS}.student = {student} AND {STUDENT_STATUS}.status <> {step}"
    )


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    event: str  # INSERT, DELETE, UPDATE OF …
    statements: tuple[str, ...]


def triggers(engine_type: str) -> list[Trigger]:
    d = Dialect(engine_type)
    found: list[Trigger] = []
    sources = {tally.source for tally in TALLIES}
    for source in sorted(sources):
        mine = [t for t in TALLIES if t.source == source]
        watched = sorted({column for t in mine for column in t.watched})
        found += [
            Trigger(
                f"{source}_tally_insert",
                source,
                "INSERT",
                tuple(s for t in mine for s in _upsert(t, d, "NEW", 1)),
            ),
            Trigger(
                f"{source}_tally_delete",
                source,
                "DELETE",
                tuple(s for t in mine for s in _upsert(t, d, "OLD", -1)),
            ),
            Trigger(
                f"{source}_tally_update",
                source,
                f"UPDATE OF {', '.join(watched)}",
                tuple(
                    s for t in mine for s in (*_upsert(t, d, "OLD", -1), *_upsert(t, d, "NEW", 1))
                ),
            ),
        ]
    # Students' steps: the student row itself, then what moves a student's step.
    found += [
        Trigger("student_tally_insert", "student", "INSERT", (_student_status_insert("NEW"),)),
        Trigger(
            "student_tally_update",
            "student",
            "UPDATE OF region, establishment, class_name, left_on",
            (
                f"DELETE FROM {STUDENT_STATUS} WHERE student = OLD.id",
                _student_status_insert("NEW"),
            ),
        ),
        Trigger(
            "student_tally_delete",
            "student",
            "DELETE",
            (f"DELETE FROM {STUDENT_STATUS} WHERE student = OLD.id",),
        ),
        Trigger("loan_step_insert", "loan", "INSERT", (_student_status_refresh("NEW.student"),)),
        Trigger(
            "loan_step_update",
            "loan",
            "UPDATE OF student, state, closed_at",
            (_student_status_refresh("OLD.student"), _student_status_refresh("NEW.student")),
        ),
        Trigger("loan_step_delete", "loan", "DELETE", (_student_status_refresh("OLD.student"),)),
    ]
    of_loan = "(SELECT l.student FROM loan l WHERE l.id = {}.loan)"
    found += [
        Trigger(
            "agreement_step_insert",
            "agreement",
            "INSERT",
            (_student_status_refresh(of_loan.format("NEW")),),
        ),
        Trigger(
            "agreement_step_update",
            "agreement",
            "UPDATE OF loan, superseded_at, completed_at",
            (
                _student_status_refresh(of_loan.format("OLD")),
                _student_status_refresh(of_loan.format("NEW")),
            ),
        ),
        Trigger(
            "agreement_step_delete",
            "agreement",
            "DELETE",
            (_student_status_refresh(of_loan.format("OLD")),),
        ),
    ]
    # A device given another model carries its losses, thefts and repairs along.
    found.append(
        Trigger(
            "asset_tally_model",
            "asset",
            "UPDATE OF model",
            (_move_incidents(d, "OLD.model", -1), _move_incidents(d, "NEW.model", 1)),
        )
    )
    return found


def _move_incidents(d: Dialect, model: str, sign: int) -> str:
    """The asset's losses, thefts and repairs counted under `model`, `sign` times."""
    key = _ended_key(d, "r", model)
    grouped = ", ".join(k for k in key if k not in (model, "'ended'"))  # no constants
    names = ", ".join(LOAN_MONTHS.names)
    return (
        f"INSERT INTO {LOAN_MONTHS.table} ({names}, n) SELECT {', '.join(key)}, {sign} * COUNT(*) "
        f"FROM loan r WHERE r.asset = NEW.id AND {_ended_sql('r')} AND {_incident_sql('r')} "
        f"GROUP BY {grouped} "
        f"ON CONFLICT ({names}) DO UPDATE SET n = {LOAN_MONTHS.table}.n + excluded.n"
    )


def create_triggers_sql(engine_type: str) -> list[str]:
    statements = []
    for trigger in triggers(engine_type):
        body = ";\n  ".join(trigger.statements)
        if engine_type == "sqlite":
            statements.append(
                f"CREATE TRIGGER {trigger.name} AFTER {trigger.event} ON {trigger.table} "
                f"FOR EACH ROW BEGIN\n  {body};\nEND"
            )
        else:
            statements.append(
                f"CREATE FUNCTION {trigger.name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n  {body};\n  RETURN NULL;\nEND $$"
            )
            statements.append(
                f"CREATE TRIGGER {trigger.name} AFTER {trigger.event} ON {trigger.table} "
                f"FOR EACH ROW EXECUTE FUNCTION {trigger.name}()"
            )
    return statements


def drop_triggers_sql(engine_type: str) -> list[str]:
    statements = []
    for trigger in triggers(engine_type):
        if engine_type == "sqlite":
            statements.append(f"DROP TRIGGER IF EXISTS {trigger.name}")
        else:
            statements.append(f"DROP TRIGGER IF EXISTS {trigger.name} ON {trigger.table}")
            statements.append(f"DROP FUNCTION IF EXISTS {trigger.name}()")
    return statements
