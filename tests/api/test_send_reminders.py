"""`ordipret send-reminders` and the SMTP mailer, against a real SMTP server (aiosmtpd) on
loopback that keeps every message it receives."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import os
import subprocess
import sys
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller

from api.infra.mailer import SmtpMailer
from api.settings import SmtpSettings, smtp_settings_from_env
from bench.server import free_port
from loans import lifecycle
from loans.minors import paris_day
from loans.reminders import DeliveryFailed
from loans.tables import Guardian, ReminderLog
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, make_asset, make_student

SENDER = "Prêt de matériel <ne-pas-repondre@region.example.org>"
REFUSED = "refuse@example.org"

# Runs `ordipret` with send-reminders registered, whether api/cli.py wires it in yet or not.


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    """An aiosmtpd handler keeping what it receives; refuses REFUSED at RCPT."""

    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 boîte inconnue"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, mailbox
    finally:
        controller.stop()


def smtp_env(controller) -> dict[str, str]:
    return {
        "ORDIPRET_SMTP_HOST": controller.hostname,
        "ORDIPRET_SMTP_PORT": str(controller.port),
        "ORDIPRET_SMTP_TLS": "none",
        "ORDIPRET_SMTP_FROM": SENDER,
    }


async def send_reminders_command(settings, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        **os.environ,
        "ORDIPRET_DATABASE_URL": settings.database_url,
        "ORDIPRET_VAR_DIR": str(settings.var_dir),
        "COLUMNS": "200",
        **env,
    }
    for name in [n for n in environ if n.startswith("ORDIPRET_SMTP_") and n not in env]:
        del environ[name]
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "api.cli", "send-reminders", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def overdue_devices(world, student_id: int, *tags: str) -> None:
    """Devices handed over to the student and due five days ago (the command reads the clock)."""
    due = paris_day(dt.datetime.now(dt.UTC)) - dt.timedelta(days=5)
    for tag in tags:
        await make_asset(tag, UAI_A, world.model_id)
        loan_id = await lifecycle.prepare_loan(
            PLATFORM, ACTOR, NOW, asset_tag=tag, student_id=student_id, max_open_per_category=3
        )
        await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan_id, NOW.date())
        await lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan_id, ["chargeur"], due)


async def guardian(student_id: int, email_address: str) -> None:
    await Guardian.insert(
        Guardian(student=student_id, last_name="Martin", first_name="Alex", email=email_address)
    )


@pytest_asyncio.fixture(loop_scope="session")
async def overdue_school(world):
    """A minor with two overdue devices and one guardian, a minor with one device and two
    guardians, and an adult whose address nobody knows yet."""
    two = (await make_student(last_name="Deuxappareils")).id
    await overdue_devices(world, two, "M-1", "M-2")
    await guardian(two, "parent.deux@example.org")
    one = (await make_student(last_name="Unappareil")).id
    await overdue_devices(world, one, "M-3")
    await guardian(one, "mere@example.org")
    await guardian(one, "pere@example.org")
    adult = (await make_student(last_name="Majeur", birth_date=dt.date(2000, 1, 1))).id
    await overdue_devices(world, adult, "M-4")
    return world


async def test_one_french_email_per_student_reaches_the_smtp_server(
    overdue_school, settings, smtp_server
):
    controller, mailbox = smtp_server
    done = await send_reminders_command(settings, **smtp_env(controller))
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(sorted(r.recipients) for r in mailbox.received) == [
        ["mere@example.org", "pere@example.org"],
        ["parent.deux@example.org"],
    ]
    both = next(r for r in mailbox.received if r.recipients == ["parent.deux@example.org"])
    message = both.message
    assert message["Subject"] == "Rappel : matériel prêté à rendre"
    assert message["From"] == SENDER and message["Message-ID"]
    assert message["To"] == "parent.deux@example.org"
    text = message.get_body(("plain",)).get_content()
    due = (paris_day(dt.datetime.now(dt.UTC)) - dt.timedelta(days=5)).strftime("%d/%m/%Y")
    assert "Les appareils suivants" in text
    assert f"n° M-1, à rendre le {due}" in text and f"n° M-2, à rendre le {due}" in text
    assert "numerique@lycee-a.fr" in text
    assert "Deuxappareils" not in text
    assert "<li>" in message.get_body(("html",)).get_content()
    assert "2 rappels envoyés (3 destinataires)" in done.stdout
    assert "1 élève injoignable" in done.stdout
    assert "@" not in done.stdout + done.stderr  # counts only, never an address
    assert await ReminderLog.count() == 2


async def test_a_second_run_the_same_day_sends_nothing(overdue_school, settings, smtp_server):
    controller, mailbox = smtp_server
    first = await send_reminders_command(settings, **smtp_env(controller))
    assert first.returncode == 0, first.stdout + first.stderr
    again = await send_reminders_command(settings, **smtp_env(controller))
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(mailbox.received) == 2
    assert "0 rappel envoyé" in again.stdout
    assert "2 élèves déjà relancés récemment" in again.stdout
    assert await ReminderLog.count() == 2


async def test_a_dry_run_prints_what_would_be_sent_and_sends_nothing(overdue_school, settings):
    done = await send_reminders_command(settings, "--dry-run", "--establishment", UAI_A)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 rappels seraient envoyés (3 destinataires)" in done.stdout
    assert "2 appareils (M-1, M-2) → 1 destinataire" in done.stdout
    assert "@" not in done.stdout
    assert await ReminderLog.count() == 0


async def test_without_a_mail_server_configured_nothing_is_attempted(overdue_school, settings):
    done = await send_reminders_command(settings)
    assert done.returncode == 2
    assert "ORDIPRET_SMTP_HOST" in done.stdout and "ORDIPRET_SMTP_FROM" in done.stdout
    assert await ReminderLog.count() == 0


async def test_the_mailer_sets_the_sender_and_reports_a_refused_message(smtp_server):
    controller, mailbox = smtp_server
    settings = SmtpSettings(
        host=controller.hostname, port=controller.port, sender=SENDER, tls="none"
    )
    message = EmailMessage()
    message["To"] = REFUSED
    message["Subject"] = "Essai"
    message.set_content("Bonjour")
    async with SmtpMailer(settings) as mailer:
        with pytest.raises(DeliveryFailed) as refused:
            await mailer.send(message)
        assert REFUSED not in str(refused.value)
        del message["To"]
        message["To"] = "eleve@example.org"
        await mailer.send(message)  # the same connection goes on
    [received] = mailbox.received
    assert (received.sender, received.recipients) == (
        "ne-pas-repondre@region.example.org",
        ["eleve@example.org"],
    )


def test_smtp_settings_come_from_the_environment_and_name_the_wrong_one():
    settings = smtp_settings_from_env(
        {"ORDIPRET_SMTP_HOST": "smtp.region.fr", "ORDIPRET_SMTP_TLS": "SSL"}
    )
    assert (settings.port, settings.tls) == (465, "ssl")
    assert settings.problems() == ["ORDIPRET_SMTP_FROM n'est pas défini (adresse d'expédition)"]
    with pytest.raises(ValueError, match="ORDIPRET_SMTP_TLS"):
        smtp_settings_from_env({"ORDIPRET_SMTP_TLS": "oui"})
