"""`ordipret analyse`: refresh the database planner's statistics (inventory.statistics).

Meant to run nightly from cron or a systemd timer, beside the imports that refresh them
themselves: `15 3 * * * ordipret analyse`. A second or two on a region's database.
"""

from __future__ import annotations

import argparse

from api.settings import Settings


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "analyse",
        help="mettre à jour les statistiques de la base (à lancer chaque nuit)",
        description=(
            "Met à jour les statistiques dont la base de données se sert pour choisir ses "
            "index (ANALYZE). À lancer chaque nuit (cron) ; les imports le font aussi."
        ),
    )
    parser.set_defaults(run=cmd_analyse)


def cmd_analyse(args: argparse.Namespace, settings: Settings) -> int:
    from api.cli.console import console, run_with_database
    from inventory.statistics import refresh_statistics

    run_with_database(settings, refresh_statistics)
    console.print("Statistiques de la base mises à jour.")
    return 0
