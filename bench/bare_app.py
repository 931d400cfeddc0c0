"""The bare Litestar app the lookup is compared with: one JSON route, no middleware, no
database, served by the same server with the same workers (`python -m bench.bare_app`).

Its answer is the size and shape of an asset's (a dozen fields, a nested model), so that the
ratio lookup / bare says what ordipret adds — authentication, middleware, one scoped query —
on top of the framework and the server, not what JSON of another size costs.
"""

from __future__ import annotations

import argparse

from litestar import Litestar, get

ASSET = {
    "tag": "R24-0000001",
    "serial": "5CD1234XYZ",
    "model": {
        "id": 1,
        "manufacturer": "Lenovo",
        "name": "ThinkPad E14",
        "category": "laptop",
        "accessories": ["chargeur", "housse"],
    },
    "region_code": "24",
    "establishment": {"uai": "0180005H", "name": "Lycée Alain-Fournier"},
    "state": "in_stock",
    "condition": "A",
    "acquired_on": "2025-09-01",
    "warranty_end": "2028-09-01",
    "notes": "",
    "created_at": "2025-09-01T08:00:00Z",
    "updated_at": "2025-09-01T08:00:00Z",
    "status": "in_stock",
    "loan": None,
    "location": None,
}


@get("/bare", sync_to_thread=False)
def bare() -> dict:
    return ASSET


def create_app() -> Litestar:
    return Litestar(route_handlers=[bare], openapi_config=None)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_app")
    parser.add_argument("--server", choices=["uvicorn", "granian"], required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.server == "granian":
        from granian.constants import Interfaces
        from granian.log import LogLevels
        from granian.server import Server

        Server(
            "bench.bare_app:create_app",
            address=args.host,
            port=args.port,
            workers=args.workers,
            interface=Interfaces.ASGI,
            factory=True,
            log_level=LogLevels.warning,
        ).serve()
        return
    import uvicorn

    uvicorn.run(
        "bench.bare_app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
