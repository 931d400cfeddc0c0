"""Piccolo's configuration module (PICCOLO_CONF=api.infra.piccolo_conf): the apps, the engine
they use, and binding every table to the engine built from the settings.

`bind` replaces DB with that engine; the default below only serves Piccolo's own CLI
(`piccolo migrations new … --auto`) during development. Binding lives here, beside DB, so that
the engine module never has to import this one.
"""

from __future__ import annotations

import importlib
import os

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

from api.infra.database import engine_for
from api.settings import Settings

# Every table of every app is bound to the one engine built from the settings.
APP_CONFIG_MODULES = (
    "inventory.piccolo_app",
    "labels.piccolo_app",
    "loans.piccolo_app",
    "api.accounts.piccolo_app",
    "api.jobs.piccolo_app",
)

DB: Engine = engine_for(Settings.from_env().database_url)

APP_REGISTRY = AppRegistry(apps=list(APP_CONFIG_MODULES))


def bind(engine: Engine) -> None:
    """Point every table, and Piccolo's own migration machinery, at `engine`."""
    from piccolo.apps.migrations.tables import Migration

    global DB
    DB = engine
    os.environ["PICCOLO_CONF"] = __name__
    # Piccolo's own migration log caches the first engine it met: rebind it too, or a second
    # database in the same process (benchmarks, tools) would record migrations in the first.
    for table in [Migration, *app_tables()]:
        table._meta.db = engine


def app_tables() -> list:
    """Every table of every app, parents before children."""
    tables = []
    for module_name in APP_CONFIG_MODULES:
        tables += importlib.import_module(module_name).APP_CONFIG.table_classes
    return tables


async def migrate() -> None:
    """Apply every pending migration of every app, in dependency order."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not result.success:
        raise RuntimeError(result.message)
