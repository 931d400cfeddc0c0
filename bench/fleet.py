"""A fresh benchmark database holding the demo region and a fleet of any size.

Nothing is cached between runs: SQLite gets a new file in a temporary directory, PostgreSQL
gets its public schema dropped and recreated. The fleet goes through the real import path
(`api.demo.load_demo`, then `inventory.asset_import.import_assets` for the rest), in files
of at most 50,000 rows, the import's own limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from bench.registry import BenchmarkFailed

ROWS_PER_FILE = 50_000
EXTRA_PREFIXES = ("CVM", "CVN", "CVP", "CVQ", "CVR", "CVS", "CVT", "CVU", "CVV")  # demo is CVL


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def engine_name(url: str) -> str:
    return "postgresql" if is_postgres(url) else "sqlite"


async def _reset_postgres(url: str) -> None:
    import asyncpg

    name = urlparse(url).path.lstrip("/")
    # Dropping a schema is only ever done to a database meant for it.
    if "bench" not in name and "test" not in name:
        raise BenchmarkFailed(
            f"refusing to wipe database {name!r}: its name must contain 'bench' or 'test'"
        )
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


def fresh_database(url: str | None, tmp_dir: Path) -> str:
    """The URL of an empty database: the given PostgreSQL one wiped, else a new SQLite file."""
    if not url:
        return f"sqlite:///{(tmp_dir / 'bench.sqlite').resolve()}"
    if not is_postgres(url):
        raise BenchmarkFailed(f"--database-url: postgresql://… expected, not {url!r}")
    asyncio.run(_reset_postgres(url))
    return url


@dataclass(frozen=True)
class FleetAsset:
    tag: str
    establishment_uai: str


def _rows(data: bytes) -> list[list[str]]:
    from inventory.csv_format import DELIMITER

    return [line.split(DELIMITER) for line in data.decode().splitlines()[1:] if line]


def _with_unique_serials(data: bytes, taken: set[str]) -> bytes:
    """`asset_csv` draws random serials per file: rename the rare clash with earlier files,
    as the import would (rightly) refuse a second asset with the same serial."""
    from inventory.csv_format import COLUMNS, DELIMITER

    serial = COLUMNS.index("serial")
    lines = data.decode().splitlines()
    for index in range(1, len(lines)):
        fields = lines[index].split(DELIMITER)
        if not fields[0]:
            continue
        suffix = 0
        while fields[serial] in taken:
            suffix += 1
            fields[serial] = f"{fields[serial][:10]}B{suffix}"
        taken.add(fields[serial])
        lines[index] = DELIMITER.join(fields)
    return ("\n".join(lines) + "\n").encode()


def fleet_files(size: int) -> list[bytes]:
    """Import files totalling `size` assets: first the demo's own file, then more prefixes."""
    from api.demo import asset_csv

    first = min(size, ROWS_PER_FILE)
    files = [asset_csv(first)]  # what load_demo imports itself
    taken = {row[1] for row in _rows(files[0])}
    remaining, seed = size - first, 100
    for prefix in EXTRA_PREFIXES:
        if remaining <= 0:
            break
        count = min(remaining, ROWS_PER_FILE)
        files.append(_with_unique_serials(asset_csv(count, seed=seed, tag_prefix=prefix), taken))
        remaining -= count
        seed += 1
    if remaining > 0:
        raise BenchmarkFailed(f"fleet of {size} assets: too large for the prefixes available")
    return files


async def migrated_engine(url: str):
    """The database at `url`, migrated quietly, bound to every table, its pool open."""
    from api.infra.database import engine_for
    from api.infra.piccolo_conf import bind, migrate

    engine = engine_for(url, pool_size=2)
    bind(engine)
    chatter = io.StringIO()  # Piccolo narrates every migration on stdout
    try:
        with contextlib.redirect_stdout(chatter):
            await migrate()
    except Exception:
        print(chatter.getvalue())
        raise
    await engine.start_connection_pool()
    return engine


async def _load(url: str, files: list[bytes], now: dt.datetime) -> None:
    from api.demo import load_demo
    from inventory.asset_import import import_assets
    from inventory.scope import Actor, Scope

    engine = await migrated_engine(url)
    try:
        await load_demo(now, asset_count=len(_rows(files[0])))
        actor = Actor(id=None, name="banc d'essai")
        for data in files[1:]:
            report = await import_assets(Scope.platform(), actor, now, data, dry_run=False)
            if report.errors:
                raise BenchmarkFailed(f"fleet import refused: {report.errors[:3]}")
    finally:
        await engine.close_connection_pool()


def load_fleet(url: str, size: int) -> list[FleetAsset]:
    """Migrate the empty database at `url`, load the demo data and a fleet of `size` assets;
    return every asset with its establishment, so a benchmark can pick visible ones."""
    from inventory.csv_format import COLUMNS

    files = fleet_files(size)
    asyncio.run(_load(url, files, dt.datetime.now(dt.UTC)))
    tag, uai = COLUMNS.index("tag"), COLUMNS.index("establishment_uai")
    return [FleetAsset(row[tag], row[uai]) for data in files for row in _rows(data)]
