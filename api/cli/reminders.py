"""`ordipret send-reminders`: one rolled-up email per student with overdue devices.

ordipret send-reminders --dry-run                  # what would be sent, nothing sent or logged
ordipret send-reminders --establishment 0450001A   # one school only
ordipret send-reminders --min-days 14              # at most one reminder per student per 14 days

Meant to run daily (cron, systemd timer): a student reminded less than `--min-days` days ago
is skipped. Only counts are printed, never an address or a name.
"""

from __future__ import annotations

import argparse

from api.settings import Settings
from loans.reminders import DEFAULT_MIN_DAYS, ReminderReport


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "send-reminders",
        help="envoyer les rappels des prêts en retard (un courriel par élève)",
        description=(
            "Envoie à chaque élève dont un appareil aurait dû être rendu un seul courriel "
            "récapitulant ses appareils en retard, avec ses représentants légaux en copie s'il "
            "est mineur. Serveur d'envoi : variables ORDIPRET_SMTP_*."
        ),
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="montrer ce qui serait envoyé, sans rien envoyer"
    )
    parser.add_argument("--establishment", metavar="UAI", help="seulement cet établissement")
    parser.add_argument(
        "--min-days",
        type=int,
        default=DEFAULT_MIN_DAYS,
        metavar="N",
        help="jours au moins entre deux rappels à un même élève (défaut : %(default)s)",
    )
    parser.set_defaults(run=cmd_send_reminders)


def _count(count: int, singular: str, plural: str) -> str:
    return f"{count:,}".replace(",", "\u202f") + " " + (singular if count < 2 else plural)


def _print_report(console, report: ReminderReport) -> None:
    for planned in report.planned:
        tags = ", ".join(planned.tags)
        console.print(
            f"  élève n° {planned.student_id} ({planned.class_name or 'sans classe'}) : "
            f"{_count(len(planned.tags), 'appareil', 'appareils')} ({tags}) → "
            f"{_count(planned.recipients, 'destinataire', 'destinataires')}",
            highlight=False,
        )
    if report.dry_run:
        sent = _count(report.sent, "rappel serait envoyé", "rappels seraient envoyés")
    else:
        sent = _count(report.sent, "rappel envoyé", "rappels envoyés")
    lines = [
        _count(report.overdue_loans, "prêt en retard", "prêts en retard")
        + f" pour {_count(report.students, 'élève', 'élèves')}",
        f"{sent} ({_count(report.recipients, 'destinataire', 'destinataires')})",
        _count(report.skipped_recent, "élève déjà relancé", "élèves déjà relancés") + " récemment",
        _count(report.unreachable, "élève injoignable", "élèves injoignables")
        + " (aucune adresse connue)",
    ]
    if report.failed:
        lines.append(_count(report.failed, "envoi refusé", "envois refusés") + " par le serveur")
    for line in lines:
        console.print(line, highlight=False)


def cmd_send_reminders(args: argparse.Namespace, settings: Settings) -> int:
    import aiosmtplib

    from api.cli.console import console, progress_bar, run_with_database
    from api.clock import utcnow
    from api.infra.mailer import SmtpMailer
    from inventory.scope import Scope
    from loans.reminders import send_reminders

    smtp = settings.smtp
    if not args.dry_run and smtp.problems():
        for problem in smtp.problems():
            console.print(f"[red]{problem}[/red]")
        return 2

    async def nothing(message) -> None:  # a dry run sends nothing
        raise AssertionError("a dry run never sends")

    async def work() -> ReminderReport:
        options = {
            "establishment_uai": args.establishment,
            "min_days": args.min_days,
            "dry_run": args.dry_run,
        }
        if args.dry_run:
            with progress_bar("Rappels (simulation)") as advance:
                return await send_reminders(
                    Scope.platform(), utcnow(), nothing, progress=advance, **options
                )
        async with SmtpMailer(smtp) as mailer:
            with progress_bar("Rappels") as advance:
                return await send_reminders(
                    Scope.platform(), utcnow(), mailer.send, progress=advance, **options
                )

    try:
        report = run_with_database(settings, work)
    except (aiosmtplib.SMTPException, OSError) as error:
        # Connection or login failure: what was sent before is logged, the rest waits.
        console.print(
            f"[red]Envoi interrompu : serveur {smtp.host}:{smtp.port} "
            f"({type(error).__name__}).[/red]"
        )
        return 1
    _print_report(console, report)
    return 1 if report.failed else 0
