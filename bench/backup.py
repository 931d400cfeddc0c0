"""`backup`: `ordipret backup` and `ordipret restore` of a region, against a plain copy of the
same database measured in the same run.

Needs a region's data (`--scale region --reuse --database-url URL`, as `region`): the bench
works on a private copy. The baseline is what any backup must at least do: copy the database
(SQLite: the file, `shutil.copyfile`; PostgreSQL: `pg_dump --format=custom` alone). Then the
real commands, each a process of its own: `ordipret backup -o FILE` (the snapshot, the
documents, the manifest's hashes and counts), and `ordipret restore FILE` onto an empty
deployment (every hash checked before writing, the database restored, every document and
count checked after). Figures: seconds of each, the ratios to the copy, the archive's size,
the commands' peak RSS.
"""

from __future__ import annotations

import asyncio
import resource
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench.fleet import engine_name, is_postgres
from bench.region import _pg, private_copy
from bench.registry import BenchmarkFailed, Figures, Options, Rows, benchmark
from bench.server import ordipret, ordipret_env

TIMEOUT_S = 1800.0


def _copy_baseline(url: str, target: Path) -> None:
    if not is_postgres(url):
        shutil.copyfile(url.removeprefix("sqlite:///"), target)
        return
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", url],
        check=True,
        capture_output=True,
        timeout=TIMEOUT_S,
    )


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux


def _empty_target(url: str, tmp: Path) -> str:
    if not is_postgres(url):
        return f"sqlite:///{tmp / 'restored' / 'ordipret.sqlite'}"
    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/") + "_restored"
    admin = parsed._replace(path="/postgres").geturl()
    asyncio.run(_pg(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_pg(admin, f'CREATE DATABASE "{name}"'))
    return parsed._replace(path=f"/{name}").geturl()


def _drop(url: str) -> None:
    if is_postgres(url):
        parsed = urllib.parse.urlparse(url)
        admin = parsed._replace(path="/postgres").geturl()
        asyncio.run(_pg(admin, f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)'))


def table(f: Figures) -> Rows:
    return [
        ("what", "seconds", "× the plain copy"),
        ("plain copy of the database (baseline)", f"{f['copy_s']:.1f}", "1.00"),
        ("ordipret backup -o FILE", f"{f['backup_s']:.1f}", f"{f['backup_ratio']:.2f}"),
        (
            "ordipret restore FILE (onto an empty deployment)",
            f"{f['restore_s']:.1f}",
            f"{f['restore_ratio']:.2f}",
        ),
        (
            f"{f['engine']}: archive {f['archive_mb']:,.0f} MB, database copy "
            f"{f['copy_mb']:,.0f} MB; peak RSS of the commands {f['peak_rss_mb']:.0f} MB",
        ),
    ]


@benchmark("backup", "ordipret backup and restore of a region, against a plain copy", table)
def backup(options: Options) -> Figures:
    if not (options.reuse and options.database_url):
        raise BenchmarkFailed("backup: --scale region --reuse --database-url URL (a region's data)")
    with tempfile.TemporaryDirectory(prefix="ordipret-bench-backup-") as tmp:
        tmp_dir = Path(tmp)
        with private_copy(options.database_url, tmp_dir) as url:
            env = ordipret_env(url, tmp_dir / "var")
            print("· plain copy…", flush=True)
            copy = tmp_dir / "copy"
            copy_s = _timed(lambda: _copy_baseline(url, copy))
            archive = tmp_dir / "region.tar"
            print("· ordipret backup…", flush=True)
            backup_s = _timed(
                lambda: ordipret("backup", "-o", str(archive), env=env, timeout=TIMEOUT_S)
            )
            target = _empty_target(url, tmp_dir)
            try:
                print("· ordipret restore…", flush=True)
                restored = ordipret_env(target, tmp_dir / "restored")
                restore_s = _timed(
                    lambda: ordipret("restore", str(archive), env=restored, timeout=TIMEOUT_S)
                )
            finally:
                _drop(target)
            return {
                "engine": engine_name(url),
                "copy_s": round(copy_s, 2),
                "backup_s": round(backup_s, 2),
                "restore_s": round(restore_s, 2),
                "backup_ratio": round(backup_s / copy_s, 2),
                "restore_ratio": round(restore_s / copy_s, 2),
                "copy_mb": round(copy.stat().st_size / 2**20, 1),
                "archive_mb": round(archive.stat().st_size / 2**20, 1),
                "peak_rss_mb": round(_children_peak_mb(), 1),
            }
