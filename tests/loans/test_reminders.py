"""Overdue loans and the rolled-up reminders, with `send` collecting the messages."""

import datetime as dt

import pytest

from inventory.errors import Invalid, NotFound
from inventory.scope import Scope
from loans import lifecycle, overdue, reminders
from loans.reminders import DeliveryFailed
from loans.tables import Guardian, ReminderLog
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    active_loan,
    make_asset,
    make_student,
)

DUE = dt.date(2027, 7, 4)  # the due date active_loan gives
JULY = dt.datetime(2027, 7, 10, 7, 0, tzinfo=dt.UTC)


class Outbox:
    def __init__(self, refuse: bool = False) -> None:
        self.messages = []
        self.refuse = refuse

    async def __call__(self, message) -> None:
        if self.refuse:
            raise DeliveryFailed("refusé")
        self.messages.append(message)


async def guardian(student_id: int, email: str, legal_authority: bool = True) -> None:
    await Guardian.insert(
        Guardian(
            student=student_id,
            last_name="Martin",
            first_name="Alex",
            email=email,
            legal_authority=legal_authority,
        )
    )


async def handed_over(world, tag: str, uai: str, student_id: int) -> int:
    """Like `active_loan`, with room for two devices per student."""
    await make_asset(tag, uai, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag=tag, student_id=student_id, max_open_per_category=2
    )
    await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan_id, NOW.date())
    await lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan_id, ["chargeur"], DUE)
    return loan_id


async def minor_with_two_overdue_devices(world, school="A", prefix="R") -> int:
    student = (await make_student(school, last_name="Durand")).id
    uai = UAI_A if school == "A" else UAI_B
    await handed_over(world, f"{prefix}-1", uai, student)
    await handed_over(world, f"{prefix}-2", uai, student)
    await guardian(student, "parent@example.org")
    await guardian(student, "autre@example.org", legal_authority=False)
    return student


async def test_a_loan_is_overdue_the_day_after_its_due_date_in_paris(world):
    await active_loan(world, "O-1", UAI_A, (await make_student()).id)
    assert (await overdue.overdue_loans(PLATFORM, DUE)).total == 0
    late = await overdue.overdue_loans(PLATFORM, DUE + dt.timedelta(days=1))
    assert [(i.asset_tag, i.days_overdue) for i in late.items] == [("O-1", 1)]
    # 4 July 21:30 UTC is 23:30 in Paris, still the due day; 22:30 UTC is already 5 July.
    evening = dt.datetime(2027, 7, 4, 21, 30, tzinfo=dt.UTC)
    report = await reminders.send_reminders(PLATFORM, evening, Outbox(), dry_run=True)
    assert report.overdue_loans == 0
    night = evening + dt.timedelta(hours=1)
    report = await reminders.send_reminders(PLATFORM, night, Outbox(), dry_run=True)
    assert report.overdue_loans == 1


async def test_school_staff_see_their_overdue_loans_and_managers_the_counts(world):
    await minor_with_two_overdue_devices(world)
    await active_loan(world, "O-B", UAI_B, (await make_student("B")).id)
    today = JULY.date()
    school_a = Scope.establishments({world.establishment_ids["A"]: world.region_ids["24"]})
    assert (await overdue.overdue_loans(school_a, today)).total == 2
    with pytest.raises(NotFound):
        await overdue.overdue_loans(school_a, today, establishment_uai=UAI_B)
    region = await overdue.region_overdue(Scope.region(world.region_ids["24"]), "24", today)
    assert (region.loans, region.students) == (3, 2)
    assert [(e.uai, e.loans, e.oldest_due_on) for e in region.establishments] == [
        (UAI_A, 2, DUE),
        (UAI_B, 1, DUE),
    ]
    with pytest.raises(NotFound):
        await overdue.region_overdue(school_a, "24", today)


async def test_one_rolled_up_reminder_per_student_goes_to_guardians_with_authority(world):
    student = await minor_with_two_overdue_devices(world)
    outbox = Outbox()
    report = await reminders.send_reminders(PLATFORM, JULY, outbox)
    assert (report.overdue_loans, report.students, report.sent, report.unreachable) == (2, 1, 1, 0)
    [message] = outbox.messages
    assert message["To"] == "parent@example.org"
    assert message["Cc"] is None
    assert message["Subject"] == "Rappel : matériel prêté à rendre"
    assert message["Reply-To"] == "numerique@lycee-a.fr"
    text = message.get_body(("plain",)).get_content()
    assert "R-1, à rendre le 04/07/2027" in text and "R-2" in text
    assert "numerique@lycee-a.fr" in text
    assert "Durand" not in text and "2NDE3" not in text
    html = message.get_body(("html",)).get_content()
    assert "<li>Ordinateur portable n° R-1, à rendre le 04/07/2027</li>" in html
    [log] = await ReminderLog.select().where(ReminderLog.student == student).output(load_json=True)
    assert (len(log["loan_ids"]), log["recipients"]) == (2, 1)


async def test_a_student_reminded_less_than_a_week_ago_is_skipped(world):
    await minor_with_two_overdue_devices(world)
    await reminders.send_reminders(PLATFORM, JULY, Outbox())
    again = Outbox()
    report = await reminders.send_reminders(PLATFORM, JULY + dt.timedelta(hours=5), again)
    assert (report.sent, report.skipped_recent, again.messages) == (0, 1, [])
    week_later = await reminders.send_reminders(PLATFORM, JULY + dt.timedelta(days=7), Outbox())
    assert week_later.sent == 1
    with pytest.raises(Invalid):
        await reminders.send_reminders(PLATFORM, JULY, Outbox(), min_days=0)


async def test_an_adult_student_without_a_known_address_is_counted_unreachable(world):
    adult = (await make_student(birth_date=dt.date(2005, 1, 2))).id
    await active_loan(world, "A-1", UAI_A, adult)
    await guardian(adult, "parent@example.org")  # no longer copied: the student is of age
    outbox = Outbox()
    report = await reminders.send_reminders(PLATFORM, JULY, outbox)
    assert (report.sent, report.unreachable, outbox.messages) == (0, 1, [])

    async def from_the_ent(ids):
        return {adult: "eleve@ent.example.org"}

    report = await reminders.send_reminders(PLATFORM, JULY, outbox, student_emails=from_the_ent)
    assert report.sent == 1
    assert (outbox.messages[0]["To"], outbox.messages[0]["Cc"]) == ("eleve@ent.example.org", None)


async def test_a_minor_with_a_known_address_gets_it_with_the_guardians_in_copy(world):
    student = await minor_with_two_overdue_devices(world)

    async def from_the_ent(ids):
        return {student: "eleve@ent.example.org"}

    outbox = Outbox()
    await reminders.send_reminders(PLATFORM, JULY, outbox, student_emails=from_the_ent)
    [message] = outbox.messages
    assert (message["To"], message["Cc"]) == ("eleve@ent.example.org", "parent@example.org")


async def test_a_dry_run_sends_and_logs_nothing(world):
    student = await minor_with_two_overdue_devices(world)
    outbox = Outbox()
    report = await reminders.send_reminders(PLATFORM, JULY, outbox, dry_run=True)
    assert outbox.messages == [] and await ReminderLog.count() == 0
    [planned] = report.planned
    assert (planned.student_id, planned.tags, planned.recipients) == (student, ["R-1", "R-2"], 1)


async def test_only_the_chosen_school_is_reminded_and_returned_devices_never(world):
    await minor_with_two_overdue_devices(world, "A", "RA")
    await minor_with_two_overdue_devices(world, "B", "RB")
    back = await active_loan(world, "RX", UAI_A, (await make_student()).id)
    await lifecycle.take_back(PLATFORM, ACTOR, JULY, back, accessories_returned=[], condition="A")
    outbox = Outbox()
    report = await reminders.send_reminders(PLATFORM, JULY, outbox, establishment_uai=UAI_B)
    assert (report.overdue_loans, report.sent) == (2, 1)
    assert "RB-1" in outbox.messages[0].get_body(("plain",)).get_content()


async def test_a_refused_message_is_counted_and_not_logged(world):
    await minor_with_two_overdue_devices(world)
    report = await reminders.send_reminders(PLATFORM, JULY, Outbox(refuse=True))
    assert (report.sent, report.failed) == (0, 1)
    assert await ReminderLog.count() == 0
