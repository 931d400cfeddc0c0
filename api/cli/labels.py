"""`ordipret labels`: a PDF sheet of QR labels from the command line, as platform admin.

ordipret labels --template L7160 --establishment 0450001A -o lycee-a.pdf
ordipret labels --tags CVL-000001 CVL-000002 -o deux.pdf
ordipret labels --blank 210 --region 24 -o vierges.pdf
"""

from __future__ import annotations

import argparse
from pathlib import Path

from api.settings import Settings
from inventory.assets import STATES
from labels.stocks import STOCKS


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "labels",
        help="imprimer des étiquettes QR (PDF)",
        description=(
            "Écrit une planche d'étiquettes QR au format PDF. Les appareils sans code en "
            "reçoivent un. 10 000 étiquettes au plus par fichier."
        ),
    )
    parser.add_argument(
        "--template", default="L7160", choices=list(STOCKS), help="format des étiquettes"
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--establishment", metavar="UAI", help="les appareils d'un établissement")
    what.add_argument("--tags", nargs="+", metavar="TAG", help="ces numéros d'inventaire")
    what.add_argument("--blank", type=int, metavar="N", help="N étiquettes vierges")
    parser.add_argument("--region", metavar="CODE", help="région des étiquettes vierges (INSEE)")
    parser.add_argument("--model", type=int, metavar="ID", help="seulement ce modèle")
    parser.add_argument("--state", choices=list(STATES), help="seulement cet état")
    parser.add_argument(
        "--unlabelled", action="store_true", help="seulement les appareils sans étiquette"
    )
    parser.add_argument(
        "--offset", type=int, default=0, help="étiquettes déjà utilisées sur la 1re planche"
    )
    parser.add_argument(
        "--calibration",
        nargs=2,
        type=float,
        default=(0.0, 0.0),
        metavar=("DX", "DY"),
        help="décalage d'impression en mm (vers la droite, vers le bas)",
    )
    parser.add_argument("-o", "--output", required=True, metavar="FICHIER.pdf")
    parser.set_defaults(run=cmd_labels)


def _plural(count: int, word: str) -> str:
    return f"{count:,}".replace(",", "\u202f") + f" {word}{'s' if count > 1 else ''}"


def cmd_labels(args: argparse.Namespace, settings: Settings) -> int:
    from api.cli.console import console, progress_bar, run_with_database
    from api.clock import utcnow
    from inventory.scope import Scope
    from labels import sheets

    calibration = (float(args.calibration[0]), float(args.calibration[1]))
    stock = sheets.check_print_options(args.template, args.offset, calibration)
    selection = sheets.Selection(
        tags=tuple(args.tags) if args.tags is not None else None,
        establishment_uai=args.establishment,
        model_id=args.model,
        state=args.state,
        unlabelled=args.unlabelled,
        blank=args.blank,
        region_code=args.region,
    )

    async def contents():
        with progress_bar("Codes des étiquettes") as advance:
            return await sheets.label_contents(
                Scope.platform(), utcnow(), settings.public_url, selection, progress=advance
            )

    labels = run_with_database(settings, contents)
    pages = sheets.page_count(len(labels), stock, args.offset)
    # The drawing gives no news until it is done: the bar pulses, then fills.
    with progress_bar(f"Mise en page ({_plural(pages, 'page')})") as advance:
        sheet = sheets.render(labels, stock, args.offset, calibration)
        advance(sheet.pages, sheet.pages)
    output = Path(args.output)
    output.write_bytes(sheet.pdf)
    written = "écrites" if sheet.labels > 1 else "écrite"
    console.print(
        f"[green]{_plural(sheet.labels, 'étiquette')} sur {_plural(sheet.pages, 'page')} "
        f"{written} dans {output}.[/green]"
    )
    return 0
