"""`ordipret serve --server granian`: the same app under Granian (a Rust HTTP server).

Granian starts its workers as fresh processes and builds the app in each by calling
`proxied_app` (its ASGI interface runs Litestar's lifespan in every worker, where the
database pool opens its connections). Forwarded headers are believed only from the proxies
of ORDIPRET_TRUSTED_PROXIES, as under uvicorn: Granian's own wrapper, given that list, and
no wrapper at all without it (the client's address is then the socket's).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

from api.settings import Settings

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

# uvicorn's level names, as `ordipret serve --log-level` takes them, to Granian's.
_LEVELS = {"trace": "debug", "debug": "debug", "info": "info", "warning": "warning"}


def proxied_app():
    from api.app import create_app

    _die_with_the_supervisor()
    return proxied(create_app(), Settings.from_env())


def _die_with_the_supervisor() -> None:
    """Granian's workers are processes of their own: when the supervisor is killed outright
    (`kill -9`, the OOM killer), they would go on serving and writing, orphaned, where
    uvicorn's single process dies whole. On Linux the kernel can signal a child when its
    parent dies: ask it for SIGKILL, and leave at once if the parent is already gone."""
    if sys.platform != "linux":
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # died before the request above was made
        os._exit(1)


def proxied(app, settings: Settings):
    """`app` believing forwarded headers only from the trusted proxies, if any."""
    trusted = list(settings.trusted_proxies)
    if not trusted:
        return app
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    return wrap_asgi_with_proxy_headers(app, trusted)


def granian_options(args) -> dict:
    from granian.constants import Interfaces
    from granian.log import LogLevels

    return {
        "address": args.host,
        "port": args.port,
        "workers": args.workers,
        "interface": Interfaces.ASGI,  # ASGI with lifespan (not "asginl")
        "factory": True,
        "log_level": LogLevels(_LEVELS.get(args.log_level, args.log_level)),
        "log_access": args.access_log,
        # As uvicorn's supervisor does: a worker that dies is replaced; and a worker that does
        # not stop (signalled while still importing the app) is killed, not waited for ever.
        "respawn_failed_workers": True,
        "workers_kill_timeout": 10,
    }


def serve(args) -> None:
    from granian.server import Server

    Server(f"{__name__}:proxied_app", **granian_options(args)).serve()
