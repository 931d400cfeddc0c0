"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, Request
from litestar.config.csrf import CSRFConfig
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore
from litestar.template import TemplateConfig

from api import controllers, pages
from api.errors import EXCEPTION_HANDLERS
from api.infra import storage
from api.infra.database import bind, engine_for
from api.infra.security import PrincipalMiddleware
from api.infra.sessions import RotatingSessionConfig
from api.pages.formatting import register_filters
from api.request_checks import check_request
from api.settings import Settings

HERE = Path(__file__).parent
LOGIN_PATHS = {"/api/v1/auth/login", pages.LOGIN_PATH}


def _stores(settings: Settings) -> dict[str, Store]:
    """Sessions and login counters must be shared by every worker: Redis when configured,
    else files under var/ (one machine, several processes)."""
    if settings.redis_url:
        root = RedisStore.with_client(url=settings.redis_url, namespace="ordipret")
        return {
            "sessions": root.with_namespace("sessions"),
            "rate_limit": root.with_namespace("rate_limit"),
        }
    return {
        "sessions": FileStore(settings.var_dir / "sessions", create_directories=True),
        "rate_limit": FileStore(settings.var_dir / "rate_limit", create_directories=True),
    }


async def _is_login_attempt(request: Request) -> bool:
    return request.method == "POST" and request.url.path in LOGIN_PATHS


def create_app(settings: Settings | None = None) -> Litestar:
    settings = (settings or Settings.from_env()).with_secret()
    engine = engine_for(settings.database_url, pool_size=settings.db_pool_size)
    bind(engine)

    @asynccontextmanager
    async def database_pool(_: Litestar) -> AsyncIterator[None]:
        await engine.start_connection_pool()
        try:
            yield
        finally:
            await engine.close_connection_pool()

    sessions = RotatingSessionConfig(
        store="sessions",
        key="ordipret_session",
        max_age=12 * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    login_limit = RateLimitConfig(
        rate_limit=("minute", settings.login_rate_limit_per_minute),
        check_throttle_handler=_is_login_attempt,
        store="rate_limit",
    )
    return Litestar(
        route_handlers=[
            *controllers.ROUTES,
            *pages.ROUTES,
            create_static_files_router(
                path="/static", directories=[HERE / "static"], opt={"exclude_from_auth": True}
            ),
        ],
        lifespan=[database_pool],
        before_request=check_request,
        stores=_stores(settings),
        middleware=[
            sessions.middleware,
            login_limit.middleware,
            DefineMiddleware(PrincipalMiddleware, exclude=["^/schema", "^/static/"]),
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="ordipret_csrf",
            cookie_secure=settings.secure_cookies,
            # The JSON API is protected by SameSite=Lax cookies and by refusing non-JSON bodies;
            # scripts use bearer tokens. HTML forms carry the CSRF token.
            exclude=["^/api/", "^/livez", "^/health", "^/schema", "^/static/"],
        ),
        template_config=TemplateConfig(
            directory=HERE / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=register_filters,
        ),
        openapi_config=OpenAPIConfig(
            title="ordipret",
            version="1.0",
            description="Prêt de matériel numérique aux lycéens.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(), JsonRenderPlugin()],
        ),
        plugins=[ProblemDetailsPlugin(ProblemDetailsConfig())],
        exception_handlers=EXCEPTION_HANDLERS,
        logging_config=LoggingConfig(
            log_exceptions="never",  # errors.py logs unexpected ones, without personal data
            loggers={"ordipret": {"level": "INFO", "handlers": ["queue_listener"]}},
        ),
        state={"settings": settings, storage.STATE_KEY: storage.storage_for(settings)},
        debug=False,
    )
