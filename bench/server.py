"""The production server, started exactly as an operator would, in its own process group."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    pid: int

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def ordipret_env(database_url: str, var_dir: Path) -> dict[str, str]:
    """The environment of every `ordipret` subprocess: the benchmark database, a private var/."""
    env = dict(os.environ)
    env["ORDIPRET_DATABASE_URL"] = database_url
    env["ORDIPRET_VAR_DIR"] = str(var_dir)
    return env


def ordipret(*args: str, env: dict[str, str], timeout: float = 120.0) -> str:
    """Run one `ordipret` command to completion; its stdout, or an error naming its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"ordipret {args[0]} exited with {done.returncode}:\n{done.stderr}{done.stdout}"
        )
    return done.stdout


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the server's supervisor, which stops its workers (Granian's hangs when its
    workers get the signal too), then SIGKILL the whole process group: nothing outlives it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10.0)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5.0)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def production_server(
    database_url: str,
    var_dir: Path,
    workers: int = 2,
    startup_timeout: float = 60.0,
    server: str | None = None,
) -> Iterator[Server]:
    """`ordipret serve --workers N` on a free port, until `/health` answers 200; `server`:
    uvicorn or granian (`--server`), None for the command's default."""
    chosen = ["--server", server] if server else []
    with served(
        lambda host, port: [
            *("-m", "api.cli", "serve", "--host", host, "--port", str(port)),
            *("--workers", str(workers), "--no-access-log", "--log-level", "warning", *chosen),
        ],
        ordipret_env(database_url, var_dir),
        var_dir,
        "/health",
        startup_timeout,
    ) as running:
        yield running


@contextlib.contextmanager
def served(
    command, env: dict[str, str], var_dir: Path, ready_path: str, startup_timeout: float = 60.0
) -> Iterator[Server]:
    """`python command(host, port)…` on a free port, until `ready_path` answers 200.

    The server runs in a new session (its own process group) so that it can be stopped with
    all its workers, whatever happens here: error, Ctrl-C or a SIGTERM sent to the benchmark.
    """
    host, port = "127.0.0.1", free_port()
    log_path = var_dir / "server.log"
    var_dir.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, *command(host, port)],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        server = Server(host=host, port=port, pid=process.pid)
        deadline = time.monotonic() + startup_timeout
        while not _ready(server.url(ready_path)):
            if process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {process.returncode}:\n{_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server did not answer {ready_path} within {startup_timeout:.0f} s:\n"
                    + _tail(log_path)
                )
            time.sleep(0.1)
        yield server
    finally:
        _stop(process)
