"""What every command shares: the console, progress bars, and running work on the database."""

from __future__ import annotations

import asyncio
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
    from api.infra.database import engine_for
    from api.infra.piccolo_conf import bind

    engine = engine_for(settings.database_url, pool_size=2)
    bind(engine)

    async def main() -> T:
        await engine.start_connection_pool()
        try:
            return await work()
        finally:
            await engine.close_connection_pool()

    return asyncio.run(main())


def migrate_database(settings: Settings) -> None:
    from api.infra.database import engine_for
    from api.infra.piccolo_conf import bind, migrate

    if settings.database_url.startswith("sqlite:"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    bind(engine_for(settings.database_url))
    asyncio.run(migrate())
