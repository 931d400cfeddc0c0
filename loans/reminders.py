"""Reminders of overdue loans: ONE rolled-up email per student listing all their overdue
devices, never one per device, and at most one per student every `min_days` days (a
`ReminderLog` row records each email sent).

Recipients: the student, and the guardians with legal authority who have an email address
when the student is a minor on the day. The student's own address comes from the ENT
(`student_emails`, a lookup the caller passes in); until the ENT is wired nobody passes one,
so minors are reached through their guardians and adult students cannot be reached yet: they
are counted as unreachable, never skipped silently.

Pure domain: the caller passes `send` (which delivers one message, raising `DeliveryFailed`
when the server refuses it) and `now`; nothing here reads the environment or logs addresses.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime

from inventory.errors import Invalid
from inventory.regions import establishment_key
from inventory.scope import Scope
from loans.mail import REMINDER_SUBJECT, Device, SchoolContact, reminder_html, reminder_text
from loans.minors import is_minor, paris_day
from loans.overdue import overdue_where
from loans.tables import Guardian, Loan, ReminderLog

Send = Callable[[EmailMessage], Awaitable[None]]
StudentEmails = Callable[[list[int]], Awaitable[dict[int, str]]]
Progress = Callable[[int, int], None]
DEFAULT_MIN_DAYS = 7
CHUNK = 500  # ids per IN (…) list


class DeliveryFailed(Exception):
    """The mail server refused this one message (its recipients, its content): the run goes
    on with the next student. Anything else `send` raises stops the run."""


@dataclass(frozen=True)
class PlannedReminder:
    """What a dry run would send: counts and tags only, no address."""

    student_id: int
    class_name: str
    tags: list[str]
    recipients: int


@dataclass
class ReminderReport:
    overdue_loans: int = 0
    students: int = 0  # students with at least one overdue loan
    sent: int = 0  # emails sent (or, on a dry run, that would be)
    recipients: int = 0  # addresses those emails went to
    skipped_recent: int = 0  # reminded less than `min_days` days ago
    unreachable: int = 0  # no address known for the student nor a guardian to copy
    failed: int = 0  # refused by the mail server
    dry_run: bool = False
    planned: list[PlannedReminder] = field(default_factory=list)


async def send_reminders(
    scope: Scope,
    now: dt.datetime,
    send: Send,
    *,
    establishment_uai: str | None = None,
    min_days: int = DEFAULT_MIN_DAYS,
    dry_run: bool = False,
    student_emails: StudentEmails | None = None,
    progress: Progress | None = None,
) -> ReminderReport:
    if min_days < 1:
        raise Invalid({"min_days": "au moins 1 jour entre deux rappels"})
    today = paris_day(now)
    loans = await _overdue(scope, today, establishment_uai)
    by_student: dict[int, list[dict]] = defaultdict(list)
    for loan in loans:
        by_student[loan["student"]].append(loan)
    students = sorted(by_student)
    report = ReminderReport(overdue_loans=len(loans), students=len(students), dry_run=dry_run)
    recent = await _recently_reminded(now - dt.timedelta(days=min_days))
    guardians = await _guardian_emails(students)
    own = await student_emails(students) if student_emails and students else {}
    for done, student_id in enumerate(students, start=1):
        own_loans = by_student[student_id]
        if student_id in recent:
            report.skipped_recent += 1
        else:
            await _remind(report, now, send, student_id, own_loans, own, guardians, today)
        if progress is not None:
            progress(done, len(students))
    return report


async def _remind(report, now, send, student_id, loans, own, guardians, today) -> None:
    first = loans[0]
    copies = guardians.get(student_id, []) if is_minor(first["birth_date"], today) else []
    student = own.get(student_id)
    to = [student] if student else copies
    cc = [email for email in copies if email != student] if student else []
    if not to:
        report.unreachable += 1
        return
    tags = [loan["asset_tag"] for loan in loans]
    if report.dry_run:
        report.planned.append(PlannedReminder(student_id, first["class_name"], tags, len(to + cc)))
    else:
        try:
            await send(_message(now, loans, to, cc))
        except DeliveryFailed:
            report.failed += 1
            return
        await ReminderLog.insert(
            ReminderLog(
                student=student_id,
                sent_at=now,
                loan_ids=[loan["id"] for loan in loans],
                recipients=len(to + cc),
            )
        )
    report.sent += 1
    report.recipients += len(to + cc)


def _message(now: dt.datetime, loans: list[dict], to: list[str], cc: list[str]) -> EmailMessage:
    devices = [Device(loan["asset_tag"], loan["category"], loan["due_on"]) for loan in loans]
    contacts = []
    for loan in loans:
        contact = SchoolContact(loan["school"], loan["school_email"], loan["school_phone"])
        if contact not in contacts:
            contacts.append(contact)
    message = EmailMessage()
    message["Subject"] = REMINDER_SUBJECT
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    if contacts[0].email:
        message["Reply-To"] = contacts[0].email
    message["Date"] = format_datetime(now)
    message.set_content(reminder_text(devices, contacts))
    message.add_alternative(reminder_html(devices, contacts), subtype="html")
    return message


async def _overdue(scope: Scope, today: dt.date, establishment_uai: str | None) -> list[dict]:
    where = overdue_where(today)
    if (scoped := scope.restrict(Loan.establishment.region, Loan.establishment)) is not None:
        where &= scoped
    if establishment_uai:
        establishment = await establishment_key(scope, establishment_uai)
        where &= Loan.establishment == establishment.id
    return await (
        Loan.select(
            Loan.id,
            Loan.student,
            Loan.category,
            Loan.due_on,
            Loan.asset.tag.as_alias("asset_tag"),
            Loan.student.birth_date.as_alias("birth_date"),
            Loan.student.class_name.as_alias("class_name"),
            Loan.establishment.name.as_alias("school"),
            Loan.establishment.contact_email.as_alias("school_email"),
            Loan.establishment.contact_phone.as_alias("school_phone"),
        )
        .where(where)
        .order_by(Loan.student, Loan.due_on, Loan.id)
    )


async def _recently_reminded(since: dt.datetime) -> set[int]:
    rows = await ReminderLog.select(ReminderLog.student).where(
        ReminderLog.sent_at > since.astimezone(dt.UTC)
    )
    return {row["student"] for row in rows}


async def _guardian_emails(student_ids: list[int]) -> dict[int, list[str]]:
    """Addresses of the guardians with legal authority, per student, without duplicates."""
    emails: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(student_ids), CHUNK):
        rows = await (
            Guardian.select(Guardian.student, Guardian.email)
            .where(
                Guardian.student.is_in(student_ids[start : start + CHUNK])
                & (Guardian.legal_authority == True)  # noqa: E712 - a SQL comparison
                & (Guardian.email != "")
            )
            .order_by(Guardian.id)
        )
        for row in rows:
            address = row["email"].strip()
            if address and address.lower() not in {e.lower() for e in emails[row["student"]]}:
                emails[row["student"]].append(address)
    return emails
