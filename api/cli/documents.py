"""`ordipret migrate-photos`: move damage photos taken before documents existed (files under
`<var dir>/photos`) into the document storage (`ORDIPRET_STORAGE`).

Until it has run, those photos are still served from their files, but only by the host that
holds them: run it once on that host before serving from several hosts (PostgreSQL storage).
It is idempotent; the old files are left in place, to delete once it reports none missing.
"""

from __future__ import annotations

import argparse

from api.settings import Settings


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "migrate-photos",
        help="ranger les photos de dégâts antérieures dans le stockage des documents",
        description=(
            "Copie chaque photo encore conservée comme fichier dans <ORDIPRET_VAR_DIR>/photos "
            "vers le stockage des documents (ORDIPRET_STORAGE). Les fichiers d'origine restent "
            "en place."
        ),
    )
    parser.set_defaults(run=cmd_migrate_photos)


def cmd_migrate_photos(args: argparse.Namespace, settings: Settings) -> int:
    from api.cli.console import console, run_with_database
    from api.infra.storage import legacy_photo_dir, storage_for
    from inventory.scope import SYSTEM
    from loans.photos import adopt_legacy_photos

    storage, legacy_dir = storage_for(settings), legacy_photo_dir(settings)
    report = run_with_database(settings, lambda: adopt_legacy_photos(storage, legacy_dir, SYSTEM))
    console.print(f"{report.adopted} photo(s) rangée(s) dans le stockage des documents.")
    if report.missing:
        console.print(
            f"[red]{len(report.missing)} photo(s) introuvable(s) dans {legacy_dir} : "
            f"{', '.join(report.missing)}[/red]"
        )
        return 1
    return 0
