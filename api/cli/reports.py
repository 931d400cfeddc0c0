"""`ordipret report`: the PDF report of a region or an establishment over a period, as the
platform (the region is given explicitly), with a progress bar.

ordipret report --region 24 --from 01/09/2026 --to 30/06/2027 -o rapport-24.pdf
ordipret report --region 24 --establishment 0450001A --from 2026-09-01 --to 2027-06-30 -o a.pdf
"""

from __future__ import annotations

import argparse
from pathlib import Path

from api.settings import Settings


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="écrire le rapport PDF d'une région ou d'un établissement",
        description=(
            "Écrit le rapport du parc (chiffres clés, graphiques, tableaux) d'une région, ou "
            "d'un de ses établissements, sur une période. Sans période : l'année scolaire en "
            "cours."
        ),
    )
    parser.add_argument("--region", required=True, metavar="CODE", help="code INSEE de la région")
    parser.add_argument("--establishment", metavar="UAI", help="seulement cet établissement")
    parser.add_argument(
        "--from", dest="period_from", metavar="JJ/MM/AAAA", help="premier jour de la période"
    )
    parser.add_argument(
        "--to", dest="period_to", metavar="JJ/MM/AAAA", help="dernier jour de la période, inclus"
    )
    parser.add_argument("-o", "--output", required=True, metavar="FICHIER.pdf")
    parser.set_defaults(run=cmd_report)


def _day(text: str | None, name: str, errors: dict[str, str]):
    from inventory.csv_format import parse_date

    if text is None:
        return None
    try:
        return parse_date(text)
    except ValueError:
        errors[name] = f"date invalide : {text} (JJ/MM/AAAA ou AAAA-MM-JJ attendu)"
        return None


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from api.cli.console import console, progress_bar, run_with_database
    from api.clock import today
    from inventory.errors import Invalid
    from inventory.scope import Scope
    from loans import report_pdf
    from loans.reports import target as targets

    errors: dict[str, str] = {}
    first = _day(args.period_from, "--from", errors)
    last = _day(args.period_to, "--to", errors)
    if errors:
        raise Invalid(errors)

    async def gather(advance):
        target = await targets.resolve(
            Scope.platform(),
            today(),
            region=args.region,
            establishment=args.establishment,
            period_from=first,
            period_to=last,
        )
        return await report_pdf.gather(target, progress=advance)

    with progress_bar("Rapport") as advance:
        data = run_with_database(settings, lambda: gather(advance))
        pdf = report_pdf.render(data)
        advance(report_pdf.STEPS, report_pdf.STEPS)
    output = Path(args.output)
    output.write_bytes(pdf)
    console.print(f"[green]Rapport de {data.place} écrit dans {output}.[/green]")
    return 0
