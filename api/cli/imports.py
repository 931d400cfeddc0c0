"""`ordipret import-assets`: a CSV of devices, every row checked, then imported all or nothing
(one pass: the check is the import's own)."""

from __future__ import annotations

from pathlib import Path

from api.cli.console import console, progress_bar, run_with_database
from api.settings import Settings


def cmd_import_assets(args, settings: Settings) -> int:
    from api.clock import utcnow
    from inventory.asset_import import import_assets
    from inventory.scope import Actor, Scope

    data = Path(args.file).read_bytes()
    actor = Actor(id=None, name="ligne de commande")

    async def work() -> int:
        # One pass: the import checks every row before writing anything and writes nothing
        # on an error, so a dry run first would only read and check the file twice.
        with progress_bar("Vérification" if args.dry_run else "Vérification et import") as advance:
            report = await import_assets(
                Scope.platform(), actor, utcnow(), data, dry_run=args.dry_run, progress=advance
            )
        if report.errors:
            for error in report.errors[:200]:
                console.print(f"ligne {error.line}, colonne « {error.column} » : {error.message}")
            more = len(report.errors) - 200
            if more > 0:
                console.print(f"… et {more} autres erreurs.")
            console.print(f"[red]{len(report.errors)} erreur(s) : rien n'a été importé.[/red]")
            return 1
        if args.dry_run:
            console.print(f"Vérification réussie : {report.created} appareils seraient importés.")
        else:
            console.print(f"[green]{report.created} appareils importés.[/green]")
        return 0

    return run_with_database(settings, work)


def register(commands) -> None:
    imports = commands.add_parser("import-assets", help="importer des appareils depuis un CSV")
    imports.add_argument("file")
    imports.add_argument("--dry-run", action="store_true", help="vérifier sans rien écrire")
    imports.set_defaults(run=cmd_import_assets)
