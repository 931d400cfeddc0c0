"""`ordipret retention`: apply every region's retention periods (loans.retention).

ordipret retention --dry-run           # what is due today: counted, nothing changed
ordipret retention                     # anonymise and delete it (daily, from cron)
ordipret retention --now 2031-09-01    # as on another day (tests, a catch-up)

Only counts per region and kind are printed and recorded, never a name nor an identifier.
"""

from __future__ import annotations

import argparse
import datetime as dt

from api.settings import Settings

KINDS = {
    "students": "élèves anonymisés",
    "guardians": "représentants supprimés",
    "photos": "photos supprimées",
    "agreements": "conventions supprimées",
    "sealed_agreements": "conventions scellées supprimées",
    "receipts": "reçus supprimés",
    "evidence_hashes": "empreintes consignées",
    "files": "fichiers effacés du stockage",
}


def _instant(text: str) -> dt.datetime:
    """AAAA-MM-JJ (midday, Paris) or an ISO date and time (UTC when no offset is given)."""
    from api.clock import PARIS

    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day, dt.time(12), PARIS).astimezone(dt.UTC)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("date attendue : AAAA-MM-JJ ou AAAA-MM-JJTHH:MM") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _batch(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 10_000:
        raise argparse.ArgumentTypeError("nombre entier entre 1 et 10 000 attendu")
    return int(text)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "retention",
        help="anonymiser et supprimer ce que les durées de conservation rendent dû",
        description=(
            "Applique les durées de conservation de chaque région (règles de prêt) : élèves "
            "anonymisés, photos, conventions et reçus supprimés, empreintes consignées. "
            "À lancer chaque jour ; --dry-run d'abord."
        ),
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="compter ce qui est dû, sans rien changer"
    )
    parser.add_argument(
        "--now", type=_instant, default=None, metavar="DATE", help="l'instant des échéances"
    )
    parser.add_argument(
        "--batch", type=_batch, default=500, metavar="N", help="élèves ou prêts par transaction"
    )
    parser.set_defaults(run=cmd_retention)


def report_lines(report) -> list[str]:
    when = f"au {report.now:%d/%m/%Y %H:%M} UTC"
    lines = [
        f"Simulation {when} (rien n'a été changé), ce qui serait fait :"
        if report.dry_run
        else f"Passage n° {report.run_id} {when} :"
    ]
    for region, counts in report.counts.items():
        for kind, n in counts.items():
            lines.append(f"  région {region} : {n} {KINDS.get(kind, kind)}")
    if not report.counts:
        lines.append("  rien n'est dû")
    return lines


def cmd_retention(args: argparse.Namespace, settings: Settings) -> int:
    from api.cli.console import console, run_with_database
    from api.clock import utcnow
    from api.infra.storage import legacy_photo_dir, storage_for
    from inventory.scope import SYSTEM
    from loans.retention import run_retention

    storage = storage_for(settings)
    now = args.now or utcnow()
    report = run_with_database(
        settings,
        lambda: run_retention(
            storage,
            SYSTEM,
            now,
            dry_run=args.dry_run,
            batch_size=args.batch,
            legacy_dir=legacy_photo_dir(settings),
        ),
    )
    for line in report_lines(report):
        console.print(line, highlight=False)
    return 0
