"""`ordipret serve --server granian`: the same app under Granian (a Rust HTTP server).

Granian starts its workers as fresh processes and builds the app in each by calling
`proxied_app` (its ASGI interface runs Litestar's lifespan in every worker, where the
database pool opens its connections). Forwarded headers are believed only from the proxies
of ORDIPRET_TRUSTED_PROXIES, as under uvicorn: Granian's own wrapper, given that list, and
no wrapper at all without it (the client's address is then the socket's).
"""

from __future__ import annotations

from api.settings import Settings

# uvicorn's level names, as `ordipret serve --log-level` takes them, to Granian's.
_LEVELS = {"trace": "debug", "debug": "debug", "info": "info", "warning": "warning"}


def proxied_app():
    from api.app import create_app

    return proxied(create_app(), Settings.from_env())


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
