"""Every migration runs on the database being migrated, even when one process migrates several
(benchmarks and tools do): nothing stays bound to the first database it met."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, shutil, sys, tempfile
    from pathlib import Path
    from bench.fleet import migrated_engine

    async def main():
        for _ in range(2):
            directory = Path(tempfile.mkdtemp())
            engine = await migrated_engine(f"sqlite:///{directory / 'db.sqlite'}")
            await engine.close_connection_pool()
            shutil.rmtree(directory)  # the next database must not need this one
        print("migrated twice")

    asyncio.run(main())
    """
)


def test_one_process_migrates_two_databases_one_after_the_other():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "migrated twice" in result.stdout
