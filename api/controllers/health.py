"""Liveness (the process answers) and readiness (the database answers)."""

from litestar import Response, get

from inventory.tables import Region


@get("/livez", exclude_from_auth=True, tags=["santé"], summary="Le processus répond")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


@get("/health", exclude_from_auth=True, tags=["santé"], summary="État du service et de la base")
async def health() -> Response[dict]:
    try:
        await Region.count()
    except Exception:  # any database failure means "not ready"
        return Response({"status": "indisponible", "database": "injoignable"}, status_code=503)
    return Response({"status": "ok", "database": "ok"})


ROUTES = [livez, health]
