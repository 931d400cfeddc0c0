"""Piccolo's configuration module (PICCOLO_CONF=api.infra.piccolo_conf).

`api.infra.database.bind` replaces DB with the engine built from the settings; the default below
only serves Piccolo's own CLI (`piccolo migrations new … --auto`) during development.
"""

from piccolo.conf.apps import AppRegistry

from api.infra.database import APP_CONFIG_MODULES, engine_for
from api.settings import Settings

DB = engine_for(Settings.from_env().database_url)

APP_REGISTRY = AppRegistry(apps=list(APP_CONFIG_MODULES))
