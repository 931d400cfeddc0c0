"""The Litestar application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
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
from api.access_log import AccessLogMiddleware
from api.accounts import principal_cache
from api.controllers import health
from api.errors import ERROR_PAGE, EXCEPTION_HANDLERS, problem_details_handler
from api.infra import storage
from api.infra.database import engine_for
from api.infra.login_throttle import LoginThrottle
from api.infra.logs import logging_config
from api.infra.metrics import pool_sampling, prometheus_config, unmatched_recorder
from api.infra.piccolo_conf import bind
from api.infra.request_context import RequestContext
from api.infra.security import PrincipalMiddleware
from api.infra.sessions import RotatingSessionConfig
from api.jobs import answers as jobs
from api.jobs import worker
from api.openapi import document_problems
from api.pages.errors import error_page
from api.pages.formatting import register_filters
from api.request_checks import check_request
from api.settings import Settings

HERE = Path(__file__).parent


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

    @asynccontextmanager
    async def principals(_: Litestar) -> AsyncIterator[None]:
        async with principal_cache.serving(engine):  # after the pool, closed before it
            yield

    sessions = RotatingSessionConfig(
        store="sessions",
        key="ordipret_session",
        max_age=12 * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    stores = _stores(settings)
    login_throttle = LoginThrottle(stores["rate_limit"], settings.login_rate_limit_per_minute)
    documents = storage.storage_for(settings)
    wake_worker = asyncio.Event()

    @asynccontextmanager
    async def job_worker(application: Litestar) -> AsyncIterator[None]:
        if settings.worker == "off":
            yield
            return
        async with worker.running(documents, settings.public_url, wake_worker) as task:
            application.state[health.WORKER_STATE] = task  # /health asks whether it runs
            yield

    @asynccontextmanager
    async def sampling(_: Litestar) -> AsyncIterator[None]:
        async with pool_sampling(engine):
            yield

    prometheus = prometheus_config()
    app = Litestar(
        route_handlers=[
            *controllers.ROUTES,
            *pages.ROUTES,
            create_static_files_router(
                path="/static", directories=[HERE / "static"], opt={"exclude_from_auth": True}
            ),
        ],
        lifespan=[database_pool, principals, job_worker, sampling],
        before_request=check_request,
        stores=stores,
        middleware=[
            prometheus.middleware,
            sessions.middleware,
            DefineMiddleware(PrincipalMiddleware, exclude=["^/schema", "^/static/"]),
            AccessLogMiddleware,  # writes the student reads a request noted (api/access_log)
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
        plugins=[
            ProblemDetailsPlugin(ProblemDetailsConfig(exception_handler=problem_details_handler))
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        logging_config=logging_config(settings.log_format),
        state={
            "settings": settings,
            storage.STATE_KEY: documents,
            "login_throttle": login_throttle,
            ERROR_PAGE: error_page,
            jobs.WAKE_KEY: wake_worker,
        },
        debug=False,
    )
    document_problems(app)
    # Around routing itself, so that a path no route matches gets a request id, an access
    # line and its count too (api/infra/request_context.py).
    app.asgi_handler = RequestContext(
        app.asgi_handler, unmatched_recorder(prometheus), access_log=settings.access_log
    )
    return app
