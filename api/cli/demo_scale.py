"""`ordipret demo --scale region|national`: build the scale demo in an empty database (see
`api.demo_scale`), with a progress bar per table, then print the counts and the time taken."""

from __future__ import annotations

import datetime as dt

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api.cli.console import console, migrate_database, run_with_database
from api.settings import Settings

# What each table holds, for the progress bars and the summary.
TABLE_LABELS = {
    "region": "Régions",
    "device_model": "Modèles d'appareils",
    "establishment": "Établissements",
    "student": "Élèves",
    "guardian": "Représentants légaux",
    "asset": "Appareils",
    "loan": "Prêts",
    "agreement": "Conventions",
    "signature": "Signatures",
    "asset_event": "Historique des appareils",
    "loan_event": "Historique des prêts",
    "campaign": "Campagnes",
}


def _bars(totals: dict[str, int | None]):
    progress = Progress(
        TextColumn("{task.description:<26}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    tasks = {
        table: progress.add_task(label, total=totals.get(table))
        for table, label in TABLE_LABELS.items()
        if table not in ("region", "device_model")  # a handful of rows: no bar
    }

    def advance(done: int, total: int, written: dict[str, int]) -> None:
        for table, task in tasks.items():
            progress.update(task, completed=written[table])

    return progress, advance


def build_scale_demo(settings: Settings, scale: str, seed: int, now: dt.datetime):
    """Migrate, check the database is empty, build; returns (Built, logins) or None when the
    database already holds data (the refusal is printed)."""
    from api.demo import ACCOUNTS, DEMO_PASSWORD
    from api.demo_scale import SCALES, build, database_is_empty

    migrate_database(settings)
    size = SCALES[scale]

    async def work():
        from inventory.tables import Region

        if not await database_is_empty():
            console.print(
                "[red]La base de données n'est pas vide : la démonstration à grande échelle "
                "ne se construit que dans une base neuve. Indiquez une autre base "
                "(--database-url ou ORDIPRET_DATABASE_URL) ou videz celle-ci.[/red]"
            )
            return None
        totals = {
            "establishment": size.regions * size.establishments,
            "student": size.regions * size.students,
            "asset": size.regions * size.devices,
        }
        progress, advance = _bars(totals)
        with progress:
            built = await build(Region._meta.db, scale, seed, now, advance)
        logins = await _accounts(built, now, ACCOUNTS, DEMO_PASSWORD)
        return built, logins

    return run_with_database(settings, work)


async def _accounts(built, now: dt.datetime, accounts, password: str) -> list[tuple]:
    """The plain demo's accounts: the region manager and the data protection officer hold the
    first region, the school staff the first school."""
    from api.accounts import staff

    logins = []
    for email, role, name in accounts:
        await staff.create_account(
            email=email,
            password=password,
            role=role,
            display_name=name,
            region_code=built.first_region if role in staff.REGIONAL_ROLES else None,
            establishment_uais=[built.first_school] if role in ("it_staff", "head") else None,
            now=now,
        )
        logins.append((email, password, staff.ROLES[role]))
    return logins


def cmd_demo_scale(args, settings: Settings) -> int:
    from api.clock import utcnow

    if args.scale == "national" and settings.database_url.startswith("sqlite:"):
        console.print(
            "[red]La démonstration nationale (13 régions, 2 millions d'appareils) demande "
            "PostgreSQL : indiquez la base avec --database-url postgresql://… ou "
            "ORDIPRET_DATABASE_URL. Sur SQLite, utilisez --scale region.[/red]"
        )
        return 2
    result = build_scale_demo(settings, args.scale, args.seed, utcnow())
    if result is None:
        return 1
    built, logins = result
    console.print(f"\n[bold]Démonstration « {args.scale} » construite[/bold] (graine {args.seed})")
    for table, count in built.counts.items():
        label = TABLE_LABELS.get(table, table)
        print(f"  {label:<28} {count:>12,}".replace(",", "\u202f"))
    console.print(f"en {built.seconds:.0f} s.")
    console.print("\n[bold]Comptes de démonstration[/bold] (mot de passe identique pour tous) :")
    for email, password, role in logins:
        print(f"  {email:<30} {password}   ({role})")
    return 0
