"""`ordipret serve`, `migrate` and `demo`: the server and its database."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from api.cli.console import console, migrate_database, progress_bar, run_with_database
from api.settings import Settings


def cmd_migrate(args, settings: Settings) -> int:
    migrate_database(settings)
    return 0


def uvicorn_options(args, settings: Settings) -> dict:
    """uvicorn's options. Forwarded headers (X-Forwarded-For, X-Forwarded-Proto) are believed
    only from the proxies of ORDIPRET_TRUSTED_PROXIES: uvicorn's own default trusts loopback,
    which lets anything on the host — or any client, behind a proxy that passes the header
    through — choose its address, and so its login rate-limit counter."""
    trusted = list(settings.trusted_proxies)
    return {
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        "proxy_headers": bool(trusted),
        # Explicit even when off: uvicorn would otherwise read FORWARDED_ALLOW_IPS.
        "forwarded_allow_ips": trusted,
        "log_level": args.log_level,
        "access_log": args.access_log,
    }


def prepare_metrics_directory(settings: Settings) -> Path:
    """prometheus_client's multiprocess mode, for every worker to add to one view: a
    directory of their metric files (PROMETHEUS_MULTIPROC_DIR, else `<var>/metrics`),
    emptied of a previous run's, named in the environment before any worker imports
    prometheus_client (it reads the variable once, at import)."""
    directory = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or settings.var_dir / "metrics")
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory.resolve())
    return directory


def cmd_serve(args, settings: Settings) -> int:
    settings.with_secret()  # made once here, before the workers start, so that all share it
    prepare_metrics_directory(settings)
    if args.command == "serve":  # production: one JSON object a line (api/infra/logs.py)
        os.environ.setdefault("ORDIPRET_LOG_FORMAT", "json")
    if getattr(args, "server", SERVERS[0]) == "granian":
        from api.cli import granian_server

        granian_server.serve(args)
        return 0
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, **uvicorn_options(args, settings))
    return 0


def cmd_demo(args, settings: Settings) -> int:
    from dataclasses import replace

    from api.clock import utcnow

    if args.database_url:  # the server reads its settings from the environment
        from api.infra.database import engine_for

        try:
            engine_for(args.database_url)
        except ValueError as error:  # a scheme other than sqlite or postgresql
            console.print(f"[red]--database-url : {error}[/red]")
            return 2
        os.environ["ORDIPRET_DATABASE_URL"] = args.database_url
        settings = replace(settings, database_url=args.database_url)
    if args.scale:
        from api.cli.demo_scale import cmd_demo_scale

        status = cmd_demo_scale(args, settings)
        if status or args.no_serve:
            return status
        console.print(f"\nOuvrez http://{args.host}:{args.port}/ (API : /schema)\n")
        return cmd_serve(args, settings)
    from api.demo import demo_loaded, load_demo
    from api.infra.seal import seal_key_for
    from api.infra.storage import storage_for

    migrate_database(settings)

    async def seed() -> list | None:
        if await demo_loaded():
            return None
        with progress_bar("Appareils de démonstration") as advance:
            loans = (storage_for(settings), seal_key_for(settings), settings.public_url)
            return await load_demo(utcnow(), asset_count=args.assets, progress=advance, loans=loans)

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
    if args.no_serve:
        return 0
    console.print(f"\nOuvrez http://{args.host}:{args.port}/ (API : /schema)\n")
    return cmd_serve(args, settings)


# The first is the default: the faster one for this app, measured by `python -m bench lookup`
# under both (2 workers, same run): Granian answered the device lookup 1.2 to 2 times as fast
# as uvicorn on SQLite and PostgreSQL, and the bare app and /livez faster too (2026-12-06).
SERVERS = ("granian", "uvicorn")


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    # The app writes its own access line (route template, status, duration: api/infra/
    # request_context.py); the server's own would add the path and its query string, where
    # names searched for and tokens travel: off unless asked for.
    parser.add_argument("--server-access-log", dest="access_log", action="store_true")
    parser.add_argument("--no-access-log", dest="access_log", action="store_false")
    parser.set_defaults(access_log=False)
    parser.add_argument(
        "--server",
        choices=SERVERS,
        default=SERVERS[0],
        help="serveur HTTP (par défaut %(default)s, le plus rapide mesuré)",
    )


def register(commands) -> None:
    serve = commands.add_parser("serve", help="lancer le serveur (production)")
    _serve_options(serve)
    serve.set_defaults(run=cmd_serve)

    commands.add_parser("migrate", help="appliquer les migrations").set_defaults(run=cmd_migrate)

    demo = commands.add_parser("demo", help="migrer, charger la démo et lancer le serveur")
    _serve_options(demo)
    demo.add_argument(
        "--assets", type=int, default=3000, help="nombre d'appareils de démonstration"
    )
    demo.add_argument(
        "--scale",
        choices=["region", "national", "tiny"],
        metavar="{region,national}",
        help=(
            "construire dans une base vide un jeu de données à l'échelle d'une région (150 "
            "lycées, 200 000 élèves et appareils, trois années de prêts) ou national (13 "
            "régions, PostgreSQL seulement)"
        ),
    )
    demo.add_argument("--seed", type=int, default=2026, help="graine des données (--scale)")
    demo.add_argument("--database-url", help="base à utiliser (sinon ORDIPRET_DATABASE_URL)")
    demo.add_argument(
        "--no-serve", action="store_true", help="construire la démonstration sans lancer le serveur"
    )
    demo.set_defaults(run=cmd_demo)
