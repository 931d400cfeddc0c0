"""The `ordipret` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api.settings import Settings

console = Console()
T = TypeVar("T")


@contextmanager
def progress_bar(description: str):
    """Yield a (done, total) callback that draws a progress bar."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def run_with_database(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Bind the engine, open its pool, run `work`, close the pool; return what `work` returns."""
    from api.database import bind, engine_for

    engine = engine_for(settings.database_url, pool_size=2)
    bind(engine)

    async def main() -> T:
        await engine.start_connection_pool()
        try:
            return await work()
        finally:
            await engine.close_connection_pool()

    return asyncio.run(main())


def _migrate(settings: Settings) -> None:
    from api.database import bind, engine_for, migrate

    if settings.database_url.startswith("sqlite:"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    bind(engine_for(settings.database_url))
    asyncio.run(migrate())


def cmd_migrate(args, settings: Settings) -> int:
    _migrate(settings)
    return 0


def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    settings.with_secret()  # made once here, before the workers start, so that all share it
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        log_level=args.log_level,
        access_log=args.access_log,
    )
    return 0


def cmd_demo(args, settings: Settings) -> int:
    from api.clock import utcnow
    from api.demo import demo_loaded, load_demo

    _migrate(settings)

    async def seed() -> list | None:
        if await demo_loaded():
            return None
        with progress_bar("Appareils de démonstration") as advance:
            return await load_demo(utcnow(), asset_count=args.assets, progress=advance)

    logins = run_with_database(settings, seed)
    if logins:
        console.print(
            "\n[bold]Comptes de démonstration[/bold] (mot de passe identique pour tous) :"
        )
        for email, password, role in logins:
            print(f"  {email:<30} {password}   ({role})")
    else:
        from api.demo import ACCOUNTS, DEMO_PASSWORD

        console.print("Données de démonstration déjà présentes. Comptes :")
        for email, _, _ in ACCOUNTS:
            print(f"  {email:<30} {DEMO_PASSWORD}")
    console.print(f"\nOuvrez http://{args.host}:{args.port}/ (API : /schema)\n")
    return cmd_serve(args, settings)


def cmd_create_user(args, settings: Settings) -> int:
    from api.accounts import create_account
    from api.clock import utcnow

    async def work() -> None:
        await create_account(
            email=args.email,
            password=args.password,
            role=args.role,
            display_name=args.name or "",
            region_code=args.region,
            establishment_uais=args.establishment or None,
            now=utcnow(),
        )
        console.print(f"Compte {args.email} créé ({args.role}).")

    run_with_database(settings, work)
    return 0


def cmd_create_token(args, settings: Settings) -> int:
    from api.accounts import create_token
    from api.clock import utcnow
    from api.tables import Account

    async def work() -> int:
        row = (
            await Account.select(Account.id)
            .where(Account.email == args.email.strip().lower())
            .first()
        )
        if row is None:
            console.print(f"[red]Aucun compte {args.email}.[/red]")
            return 1
        _, token = await create_token(row["id"], args.name, utcnow())
        print(token)  # alone on stdout, for scripts
        return 0

    return run_with_database(settings, work)


def cmd_import_assets(args, settings: Settings) -> int:
    from api.clock import utcnow
    from inventory.asset_import import import_assets
    from inventory.scope import Actor, Scope

    data = Path(args.file).read_bytes()
    actor = Actor(id=None, name="ligne de commande")

    async def work() -> int:
        with progress_bar("Vérification") as advance:
            report = await import_assets(
                Scope.platform(), actor, utcnow(), data, dry_run=True, progress=advance
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
            return 0
        with progress_bar("Import") as advance:
            report = await import_assets(
                Scope.platform(), actor, utcnow(), data, dry_run=False, progress=advance
            )
        if report.errors:  # a concurrent change between the check and the import
            console.print(f"[red]{report.errors[0].message} : rien n'a été importé.[/red]")
            return 1
        console.print(f"[green]{report.created} appareils importés.[/green]")
        return 0

    return run_with_database(settings, work)


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--no-access-log", dest="access_log", action="store_false")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ordipret", description="Prêt de matériel numérique aux lycéens."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="lancer le serveur (production)")
    _serve_options(serve)
    serve.set_defaults(run=cmd_serve)

    commands.add_parser("migrate", help="appliquer les migrations").set_defaults(run=cmd_migrate)

    demo = commands.add_parser("demo", help="migrer, charger la démo et lancer le serveur")
    _serve_options(demo)
    demo.add_argument(
        "--assets", type=int, default=3000, help="nombre d'appareils de démonstration"
    )
    demo.set_defaults(run=cmd_demo)

    user = commands.add_parser("create-user", help="créer un compte")
    user.add_argument("--email", required=True)
    user.add_argument("--password", required=True)
    user.add_argument(
        "--role", required=True, choices=["admin", "region_manager", "it_staff", "head"]
    )
    user.add_argument("--name")
    user.add_argument("--region", help="code INSEE de la région (gestionnaire de région)")
    user.add_argument("--establishment", nargs="+", help="UAI des établissements")
    user.set_defaults(run=cmd_create_user)

    token = commands.add_parser("create-token", help="créer un jeton d'API pour un compte")
    token.add_argument("--email", required=True)
    token.add_argument("--name", default="script")
    token.set_defaults(run=cmd_create_token)

    imports = commands.add_parser("import-assets", help="importer des appareils depuis un CSV")
    imports.add_argument("file")
    imports.add_argument("--dry-run", action="store_true", help="vérifier sans rien écrire")
    imports.set_defaults(run=cmd_import_assets)

    from api.cli_labels import add_labels_command
    from api.cli_reminders import add_reminders_command

    add_labels_command(commands)
    add_reminders_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except ValueError as error:  # a malformed environment variable, named in the message
        console.print(f"[red]{error}[/red]")
        return 2
    from inventory.errors import DomainError

    try:
        return args.run(args, settings)
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        return 2


if __name__ == "__main__":
    sys.exit(main())
