"""`ordipret create-user` and `create-token`: staff accounts from the command line."""

from __future__ import annotations

from api.cli.console import console, run_with_database
from api.settings import Settings


def cmd_create_user(args, settings: Settings) -> int:
    from api.accounts.staff import create_account
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
    from api.accounts.staff import create_token
    from api.accounts.tables import Account
    from api.clock import utcnow

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


def register(commands) -> None:
    user = commands.add_parser("create-user", help="créer un compte")
    user.add_argument("--email", required=True)
    user.add_argument("--password", required=True)
    user.add_argument(
        "--role", required=True, choices=["admin", "region_manager", "it_staff", "head", "dpo"]
    )
    user.add_argument("--name")
    user.add_argument("--region", help="code INSEE de la région (gestionnaire de région, DPD)")
    user.add_argument("--establishment", nargs="+", help="UAI des établissements")
    user.set_defaults(run=cmd_create_user)

    token = commands.add_parser("create-token", help="créer un jeton d'API pour un compte")
    token.add_argument("--email", required=True)
    token.add_argument("--name", default="script")
    token.set_defaults(run=cmd_create_token)
