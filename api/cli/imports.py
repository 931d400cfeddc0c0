"""`ordipret import-assets` and `ordipret import-students`: a CSV file, every row checked, then
imported all or nothing. One pass: the check is the import's own (it writes nothing when a row
is wrong), so a dry run first would only read and check the file twice."""

from __future__ import annotations

from pathlib import Path

from api.cli.console import console, progress_bar, run_with_database
from api.settings import Settings

SHOWN_ERRORS = 200


def _refused(errors) -> int:
    """Print the errors by line and column (the first ones), say nothing was written: 1."""
    for error in errors[:SHOWN_ERRORS]:
        console.print(f"ligne {error.line}, colonne « {error.column} » : {error.message}")
    if (more := len(errors) - SHOWN_ERRORS) > 0:
        console.print(f"… et {more} autres erreurs.")
    console.print(f"[red]{len(errors)} erreur(s) : rien n'a été importé.[/red]")
    return 1


def _phase(args) -> str:
    return "Vérification" if args.dry_run else "Vérification et import"


def cmd_import_assets(args, settings: Settings) -> int:
    from api.clock import utcnow
    from inventory.asset_import import import_assets
    from inventory.scope import Actor, Scope

    data = Path(args.file).read_bytes()
    actor = Actor(id=None, name="ligne de commande")

    async def work() -> int:
        with progress_bar(_phase(args)) as advance:
            report = await import_assets(
                Scope.platform(), actor, utcnow(), data, dry_run=args.dry_run, progress=advance
            )
        if report.errors:
            return _refused(report.errors)
        if args.dry_run:
            console.print(f"Vérification réussie : {report.created} appareils seraient importés.")
        else:
            console.print(f"[green]{report.created} appareils importés.[/green]")
        return 0

    return run_with_database(settings, work)


def cmd_import_students(args, settings: Settings) -> int:
    from api.clock import utcnow
    from inventory.scope import Actor, Scope
    from loans.student_import import MAX_ROWS_OFFLINE, import_students

    data = Path(args.file).read_bytes()
    actor = Actor(id=None, name="ligne de commande")

    async def work() -> int:
        with progress_bar(_phase(args)) as advance:
            report = await import_students(
                Scope.platform(),
                actor,
                utcnow(),
                data,
                dry_run=args.dry_run,
                progress=advance,
                max_rows=MAX_ROWS_OFFLINE,
            )
        if report.errors:
            return _refused(report.errors)
        verb = "seraient" if args.dry_run else "ont été"
        console.print(
            f"[green]Élèves : {report.created} {verb} créés, {report.updated} mis à jour.[/green]"
        )
        return 0

    return run_with_database(settings, work)


def register(commands) -> None:
    imports = commands.add_parser("import-assets", help="importer des appareils depuis un CSV")
    imports.add_argument("file")
    imports.add_argument("--dry-run", action="store_true", help="vérifier sans rien écrire")
    imports.set_defaults(run=cmd_import_assets)
    students = commands.add_parser(
        "import-students",
        help="importer des élèves et leurs représentants depuis un CSV (250 000 lignes au plus)",
    )
    students.add_argument("file")
    students.add_argument("--dry-run", action="store_true", help="vérifier sans rien écrire")
    students.set_defaults(run=cmd_import_students)
