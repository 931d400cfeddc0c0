"""`ordipret import-directory FILES… --region CODE [--dry-run]`: the AAF files that feed the
ENTs, imported into a region's students and guardians, in one run that prints its report
(with `--dry-run`, what it would do; nothing written)."""

from __future__ import annotations

from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api.cli.console import console, run_with_database
from api.settings import Settings

PHASES = {
    "lecture": "Lecture des fichiers",
    "import": "Élèves",
    "représentants": "Représentants",
}
SHOWN_ERRORS = 200


def print_report(report) -> None:
    verb = "seraient" if report.dry_run else "ont été"
    console.print(
        f"{report.students_read} élèves, {report.relatives_read} représentants et "
        f"{report.structures_read} établissements lus ({report.mode}) ; "
        f"{report.ignored} autres entrées ignorées."
    )
    console.print(
        f"Élèves : {report.added} {verb} ajoutés, {report.changed} modifiés, "
        f"{report.left} marqués partis ; {report.unchanged} inchangés."
    )
    console.print(
        f"Représentants : {report.guardians_added} ajoutés, {report.guardians_changed} "
        f"modifiés, {report.guardians_removed} retirés."
    )
    for error in report.errors[:SHOWN_ERRORS]:
        console.print(f"entrée {error.entry}, attribut « {error.field} » : {error.message}")
    if report.error_count > SHOWN_ERRORS:
        console.print(f"… et {report.error_count - SHOWN_ERRORS} autres erreurs.")
    if report.error_count:
        console.print(
            f"[yellow]{report.error_count} erreur(s) : ces entrées ne sont pas importées, "
            "les autres le sont.[/yellow]"
        )


def cmd_import_directory(args, settings: Settings) -> int:
    from api.clock import utcnow
    from inventory.scope import Actor, Scope
    from loans.directory_import import import_directory

    paths = [Path(name) for name in args.files]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        console.print(f"[red]Fichier introuvable : {', '.join(missing)}[/red]")
        return 2
    files = [(path.name, path) for path in paths]
    actor = Actor(id=None, name="ligne de commande")

    async def one_run(dry_run: bool):
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            tasks: dict[str, int] = {}

            def advance(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    label = PHASES.get(phase, phase) + (" (vérification)" if dry_run else "")
                    tasks[phase] = bar.add_task(label, total=None)
                bar.update(tasks[phase], completed=done, total=total or None)

            return await import_directory(
                Scope.platform(),
                actor,
                utcnow(),
                args.region,
                files,
                mode=args.mode,
                dry_run=dry_run,
                progress=advance,
            )

    async def work() -> int:
        # One run: a dry run first would read, stage and match every entry twice for a
        # report the real run prints as well (an entry in error is skipped, not a reason to
        # stop; a hostile or unreadable file stops the run before anything is written).
        report = await one_run(dry_run=args.dry_run)
        if args.dry_run:
            print_report(report)
            console.print("Vérification seule : rien n'a été écrit.")
            return 0
        console.print("[green]Import terminé.[/green]")
        print_report(report)
        return 0

    return run_with_database(settings, work)


def register(commands) -> None:
    command = commands.add_parser(
        "import-directory",
        help="importer les élèves et représentants depuis les fichiers AAF de l'annuaire",
    )
    command.add_argument("files", nargs="+", metavar="FICHIER", help="fichiers AAF (XML)")
    command.add_argument("--region", required=True, help="code de la région, par exemple 24")
    command.add_argument(
        "--mode",
        choices=["complet", "delta"],
        help="type d'import (par défaut : d'après le nom des fichiers)",
    )
    command.add_argument("--dry-run", action="store_true", help="vérifier sans rien écrire")
    command.set_defaults(run=cmd_import_directory)
