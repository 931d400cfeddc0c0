"""Who looked: every read of a student's personal data by staff, kept for the region's audit.

A read is recorded by `record_reads`, one INSERT … SELECT in its own short transaction: the
student and their region are found by the database from what the reader opened (students by
id, a loan, a document), so that recording costs no extra round trip and names only students
that exist. The reader is a snapshot (id, name, role): the entry outlives the account.

Lists write one row per student shown (kind `list`), in the same one statement, with the
list's filter — the names of the filters that hold personal data (a name, an INE, an ENT key),
never their values. Reads by students and guardians of their own data are not recorded.

The audit (`list_reads`) is scoped by region: a data protection officer's scope is their
region; the platform's is every region. Newest first, by cursor (`inventory.keyset`), each
filter answered by an index of the migration `student_access` (region, student, account, date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from inventory import keyset
from inventory.db import write_transaction
from inventory.errors import Invalid
from inventory.reference_pages import CountedPage
from inventory.scope import Scope
from loans.reports.target import paris_midnight
from loans.tables import Student, StudentAccess

# What was read, as the audit names it.
KINDS = {
    "record": "fiche de l'élève",
    "loan": "prêt",
    "agreement": "convention",
    "document": "document",
    "photo": "photo",
    "list": "liste d'élèves",
    "export": "export",
}
SORT = "student_access.newest"
KEYS = (
    keyset.Key(StudentAccess.at, descending=True),
    keyset.Key(StudentAccess.id, descending=True),
)

# Where the students read come from: the SQL after FROM, with `{}` for its argument(s).
_STUDENTS = "student s WHERE s.id IN ({marks})"
_LOANS = "loan l JOIN student s ON s.id = l.student WHERE l.id IN ({marks})"
_DOCUMENT = (
    "document d JOIN loan l ON l.id = d.loan JOIN student s ON s.id = l.student WHERE d.id = {}"
)


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads: a staff account, as the entry keeps it."""

    account_id: int
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Read:
    """One thing a request read: students by id, or the students of loans, or the student of
    a document (a document of no loan names no student: it records nothing)."""

    kind: str
    student_ids: tuple[int, ...] = ()
    loan_ids: tuple[int, ...] = ()
    document_id: int | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown access kind {self.kind!r}")


class AccessView(msgspec.Struct, frozen=True):
    id: int
    at: dt.datetime
    account_id: int
    account_name: str
    account_role: str
    student_id: int
    student_name: str
    kind: str
    why: str
    detail: str


@dataclass(frozen=True)
class AccessFilters:
    student_id: int | None = None
    ine: str | None = None  # the whole INE (stored upper case)
    account_id: int | None = None
    first_day: dt.date | None = None  # days in Paris, both included
    last_day: dt.date | None = None


def _typed(sql_type: str) -> str:
    """A parameter of a SELECT list: PostgreSQL cannot infer its type there."""
    return "{}::" + sql_type if StudentAccess._meta.db.engine_type == "postgres" else "{}"


def _source(read: Read) -> tuple[str, list]:
    """The read as a SELECT of (student, region, kind, detail), and its arguments."""
    if read.student_ids or read.loan_ids:
        ids = sorted(set(read.student_ids or read.loan_ids))
        source = _STUDENTS if read.student_ids else _LOANS
        where, args = source.format(marks=", ".join("{}" for _ in ids)), list(ids)
    elif read.document_id is not None:
        where, args = _DOCUMENT, [read.document_id]
    else:
        return "", []
    columns = f"s.id AS student, s.region AS region, {_typed('varchar')} AS kind"
    select = f"SELECT {columns}, {_typed('varchar')} AS detail FROM {where}"
    return select, [read.kind, read.detail[:500], *args]


async def record_reads(reader: Reader, now: dt.datetime, why: str, reads: Sequence[Read]) -> None:
    """One entry per student of each read, all in one INSERT … SELECT. `why`: the page or
    route that served them."""
    sources = [_source(read) for read in dict.fromkeys(reads)]  # the same read once
    sources = [(sql, args) for sql, args in sources if sql]
    if not sources:
        return
    union = " UNION ALL ".join(sql for sql, _ in sources)
    head = ", ".join(
        [_typed("timestamptz"), _typed("integer"), _typed("varchar"), _typed("varchar")]
    )
    sql = (
        "INSERT INTO student_access (at, account_id, account_name, account_role, why, "
        "region, student, kind, detail) "
        f"SELECT {head}, {_typed('varchar')}, r.region, r.student, r.kind, r.detail "
        f"FROM ({union}) AS r"
    )
    args = [now, reader.account_id, reader.name[:200], reader.role[:20], why[:200]]
    for _, source_args in sources:
        args += source_args
    async with write_transaction():
        await StudentAccess.raw(sql, *args)


def _select(scope: Scope, filters: AccessFilters, ine_ids: list[int] | None):
    query = StudentAccess.select(
        StudentAccess.id,
        StudentAccess.at,
        StudentAccess.account_id,
        StudentAccess.account_name,
        StudentAccess.account_role,
        StudentAccess.student.as_alias("student_id"),
        StudentAccess.student.last_name.as_alias("last_name"),
        StudentAccess.student.first_name.as_alias("first_name"),
        StudentAccess.kind,
        StudentAccess.why,
        StudentAccess.detail,
    )
    clauses = []
    if (where := scope.restrict(StudentAccess.region)) is not None:
        clauses.append(where)
    if filters.student_id is not None:
        clauses.append(StudentAccess.student == filters.student_id)
    if ine_ids is not None:
        clauses.append(StudentAccess.student.is_in(ine_ids or [-1]))
    if filters.account_id is not None:
        clauses.append(StudentAccess.account_id == filters.account_id)
    if filters.first_day is not None:
        clauses.append(StudentAccess.at >= paris_midnight(filters.first_day))
    if filters.last_day is not None:
        clauses.append(StudentAccess.at < paris_midnight(filters.last_day + dt.timedelta(days=1)))
    for clause in clauses:
        query = query.where(clause)
    return query


async def list_reads(
    scope: Scope, filters: AccessFilters, *, limit: int, cursor: str | None = None
) -> CountedPage[AccessView]:
    """A page of the access log the scope may audit, newest first."""
    if filters.first_day and filters.last_day and filters.first_day > filters.last_day:
        raise Invalid({"to": "la date de fin précède la date de début"})
    after = keyset.decode(cursor, SORT, KEYS)
    ine_ids = None
    if filters.ine and filters.ine.strip():
        # The INE names one student (in practice): their ids first, so that the student
        # index answers the log's query.
        found_ids = Student.select(Student.id).where(Student.ine == filters.ine.strip().upper())
        ine_ids = [row["id"] for row in await found_ids]
    found = await keyset.fetch_page(
        lambda: _select(scope, filters, ine_ids), SORT, KEYS, after, limit
    )
    total, exact = await keyset.capped_count(_select(scope, filters, ine_ids))
    items = [
        AccessView(
            id=row["id"],
            at=row["at"],
            account_id=row["account_id"],
            account_name=row["account_name"],
            account_role=row["account_role"],
            student_id=row["student_id"],
            student_name=f"{row['last_name']} {row['first_name']}",
            kind=row["kind"],
            why=row["why"],
            detail=row["detail"],
        )
        for row in found.rows
    ]
    return CountedPage(items, total, exact, found.next_cursor, found.previous_cursor)
