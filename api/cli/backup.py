"""`ordipret backup -o FILE` and `ordipret restore FILE` (the work: api/infra/backup/)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from api.settings import Settings


def register(subparsers) -> None:
    backup = subparsers.add_parser(
        "backup",
        help="sauvegarder la base et les documents dans un fichier",
        description=(
            "Écrit une archive cohérente du déploiement, même pendant que le serveur écrit : "
            "la base (API de sauvegarde de SQLite, ou pg_dump), les documents du répertoire "
            "de stockage et un manifeste des empreintes SHA-256."
        ),
    )
    backup.add_argument("-o", "--output", type=Path, required=True, help="fichier à écrire")
    backup.set_defaults(run=cmd_backup)
    restore = subparsers.add_parser(
        "restore",
        help="restaurer une sauvegarde sur un déploiement vide",
        description=(
            "Vérifie toute l'archive avant d'écrire quoi que ce soit, restaure la base et les "
            "documents sur une base vide et un répertoire de documents vide, puis contrôle "
            "l'empreinte de chaque document et le nombre de lignes de chaque table."
        ),
    )
    restore.add_argument("archive", type=Path, help="fichier écrit par ordipret backup")
    restore.set_defaults(run=cmd_restore)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from api.cli.console import console, progress_bar
    from api.infra.backup.archive import BackupError
    from api.infra.backup.taking import take_backup

    try:
        manifest = asyncio.run(take_backup(settings, args.output, progress_bar))
    except (BackupError, OSError) as error:  # OSError: a full or read-only disk
        console.print(f"[red]Sauvegarde impossible : {error}[/red]")
        return 2
    rows = sum(manifest.tables.values())
    console.print(
        f"Sauvegarde écrite dans {args.output} : base {manifest.engine} "
        f"({len(manifest.tables)} tables, {rows} lignes), {len(manifest.documents)} document(s), "
        f"instantané du {manifest.created_at}."
    )
    if manifest.missing_documents:
        console.print(
            f"[red]{len(manifest.missing_documents)} document(s) nommé(s) par la base manquent "
            f"ou sont abîmés dans {settings.var_dir / 'documents'} (le manifeste les liste) : "
            f"{', '.join(manifest.missing_documents[:5])}[/red]"
        )
        return 1
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from api.cli.console import console, progress_bar
    from api.infra.backup.archive import BackupError
    from api.infra.backup.restoring import restore_backup

    try:
        summary = asyncio.run(restore_backup(settings, args.archive, progress_bar))
    except BackupError as error:
        console.print(f"[red]Restauration impossible : {error}[/red]")
        return 2
    manifest, check = summary.manifest, summary.check
    console.print(
        f"Sauvegarde du {manifest.created_at} (ordipret {manifest.app_version}) restaurée : "
        f"{len(manifest.tables)} tables, {sum(manifest.tables.values())} lignes, "
        f"{len(manifest.documents)} fichier(s) de documents ; {check.checked} document(s) "
        "contrôlé(s)."
    )
    for table, (expected, found) in summary.differing_tables.items():
        console.print(
            f"[red]Table {table} : {found} lignes, le manifeste en annonce {expected}.[/red]"
        )
    if check.missing or check.damaged:
        console.print(
            f"[red]Documents sans contenu : {len(check.missing)} ; contenu abîmé : "
            f"{len(check.damaged)} (n° {', '.join(map(str, (check.missing + check.damaged)[:10]))})"
            ".[/red]"
        )
    if summary.pending_migrations:
        console.print(
            f"{len(summary.pending_migrations)} migration(s) de cette version à appliquer : "
            "lancez ordipret migrate avant de servir."
        )
    return 0 if summary.complete else 1
