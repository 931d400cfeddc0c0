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
