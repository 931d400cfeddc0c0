"""Sending email over SMTP (aiosmtplib), with the server settings of the deployment.

`SmtpMailer` keeps one connection open for a batch of messages (a reminder run sends
hundreds), sets `From` and `Message-ID`, and reconnects once if the server hung up between
two messages. A message the server refuses raises `loans.reminders.DeliveryFailed`, so that
the run goes on with the next one; a server that cannot be reached or refuses the login
stops the run. Addresses never reach a log or an error message.

Settings (`api.settings.SmtpSettings`, from the environment):
ORDIPRET_SMTP_HOST, ORDIPRET_SMTP_PORT (587), ORDIPRET_SMTP_USER, ORDIPRET_SMTP_PASSWORD,
ORDIPRET_SMTP_FROM (e.g. "Prêt de matériel <ne-pas-repondre@region.fr>"),
ORDIPRET_SMTP_TLS: "starttls" (default, required once connected), "ssl" (TLS from the
first byte, usually port 465) or "none" (a relay on the local network or loopback only),
ORDIPRET_SMTP_TIMEOUT (seconds, 30).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

import aiosmtplib

from api.settings import SmtpSettings
from loans.reminders import DeliveryFailed


class SmtpMailer:
    """`async with SmtpMailer(settings) as mailer: await mailer.send(message)`: one
    connection for every message of the block."""

    def __init__(self, settings: SmtpSettings) -> None:
        if settings.problems():
            raise ValueError("; ".join(settings.problems()))
        self.settings = settings
        self._client: aiosmtplib.SMTP | None = None
        self._domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None

    def _new_client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            username=s.user or None,
            password=s.password or None,
            timeout=s.timeout,
            use_tls=s.tls == "ssl",
            start_tls=s.tls == "starttls",
        )

    async def __aenter__(self) -> SmtpMailer:
        return self  # connected at the first message: a run with nothing to send stays offline

    async def __aexit__(self, *exc_info) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except aiosmtplib.SMTPException:
                client.close()

    async def send(self, message: EmailMessage) -> None:
        if self._client is None:
            await self._connect()
        del message["From"], message["Message-ID"]
        message["From"] = self.settings.sender
        message["Message-ID"] = make_msgid(domain=self._domain)
        try:
            await self._deliver(message)
        except aiosmtplib.SMTPServerDisconnected:
            # Servers drop long sessions: one fresh connection, one more try.
            await self._connect()
            await self._deliver(message)

    async def _connect(self) -> None:
        self._client = self._new_client()
        await self._client.connect()

    async def _deliver(self, message: EmailMessage) -> None:
        assert self._client is not None
        # Recipients refused one by one while others accepted are not an error: the message
        # reached someone, and the next run will not know better.
        try:
            await self._client.send_message(message)
        except (
            aiosmtplib.SMTPRecipientsRefused,
            aiosmtplib.SMTPSenderRefused,
            aiosmtplib.SMTPDataError,
        ) as error:
            # The server's text may quote an address: keep only the kind and the code.
            code = getattr(error, "code", "")
            raise DeliveryFailed(f"{type(error).__name__} {code}".strip()) from None
