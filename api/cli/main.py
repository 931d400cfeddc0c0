"""`ordipret`: the command line. Each command group is a module of this package with a
`register(commands)` function; this one only assembles them and runs the chosen command."""

from __future__ import annotations

import argparse
import os
import sys

from api.cli import (
    accounts,
    backup,
    directory,
    documents,
    imports,
    labels,
    reminders,
    reports,
    retention,
    server,
    statistics,
    verify,
    worker,
)
from api.cli.console import console
from api.settings import Settings

COMMAND_GROUPS = (
    server,
    accounts,
    imports,
    directory,
    labels,
    reminders,
    documents,
    verify,
    reports,
    worker,
    statistics,
    backup,
    retention,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ordipret", description="Prêt de matériel numérique aux lycéens."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(commands)
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
