"""`ordipret worker`: prepare the queued documents (api.jobs) in a process of their own.

ordipret worker          # runs until stopped (Ctrl-C, SIGTERM)
ordipret worker --once   # the jobs waiting now, then stops (cron, tests)

The app runs a worker in its own process too unless ORDIPRET_WORKER=off: with several app
processes or hosts, any number of workers share the queue (a job is claimed by one).
"""

from __future__ import annotations

import argparse
import asyncio

from api.settings import Settings


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="préparer les documents en attente (rapports, planches, conventions)",
        description=(
            "Prépare les documents demandés aux pages et à l'API (rapports d'inventaire, "
            "planches d'étiquettes, conventions) ; sans --once, attend les suivants."
        ),
    )
    parser.add_argument("--once", action="store_true", help="les documents en attente, puis fin")
    parser.set_defaults(run=cmd_worker)


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from api.cli.console import console, run_with_database
    from api.infra.storage import storage_for
    from api.jobs import worker

    storage = storage_for(settings)

    async def work() -> int:
        if args.once:
            return len(await worker.run_all(storage, settings.public_url))
        await worker.work_forever(storage, settings.public_url, asyncio.Event())
        return 0

    try:
        count = run_with_database(settings, work)
    except KeyboardInterrupt:
        return 0
    console.print(f"{count} document(s) préparé(s)", highlight=False)
    return 0
