"""The `ordipret` command run as a real process, on an SQLite file of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def ordipret(
    tmp_path: Path, *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`ordipret …` as a real process on `tmp_path`'s SQLite file and var dir; `env_extra`
    adds settings (e.g. ORDIPRET_PUBLIC_URL)."""
    env = {
        **os.environ,
        "ORDIPRET_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
        "ORDIPRET_VAR_DIR": str(tmp_path / "var"),
        "COLUMNS": "200",
        **(env_extra or {}),
    }
    env.pop("ORDIPRET_TEST_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


_COUNTING = """
import importlib, sys
from api.cli.main import main

module = importlib.import_module(sys.argv[1])
real, calls = getattr(module, sys.argv[2]), []

def counted(*args, **kwargs):
    calls.append(1)
    return real(*args, **kwargs)

setattr(module, sys.argv[2], counted)
code = main(sys.argv[3:])
print(f"calls={len(calls)}")
sys.exit(code)
"""


def ordipret_counting(
    tmp_path: Path, module: str, function: str, *args: str
) -> tuple[subprocess.CompletedProcess, int]:
    """`ordipret …` as `ordipret` does, with the calls of `module.function` (the real one,
    only counted) during the command: (the process, the number of calls)."""
    env = {
        **os.environ,
        "ORDIPRET_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
        "ORDIPRET_VAR_DIR": str(tmp_path / "var"),
        "COLUMNS": "200",
    }
    env.pop("ORDIPRET_TEST_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", _COUNTING, module, function, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    counted = [line for line in done.stdout.splitlines() if line.startswith("calls=")]
    return done, int(counted[-1].removeprefix("calls=")) if counted else -1
