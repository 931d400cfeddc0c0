"""Headless Chromium against the app served for real by uvicorn.

The server runs in a thread with its own event loop; the database engine (and its pool)
belongs to that loop, so test data is written through `live_server.run(coroutine)`, which
runs the coroutine there. Debian's `chromium` is driven by Playwright via `executable_path`:
never `playwright install`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from api.app import create_app
from api.infra.piccolo_conf import bind
from api.settings import Settings
from inventory.tables import Region
from tests import database
from tests.factories import PASSWORD, World, make_world

T = TypeVar("T")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = "Chromium introuvable : installez le paquet Debian chromium (apt-get install chromium)"


def chromium_path() -> str:
    """The browser, or a skip; on CI (CI=true) a missing browser fails the run instead."""
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if Path(path).is_file() and os.access(path, os.X_OK):
        return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(MISSING)
    pytest.skip(MISSING)


class LiveServer:
    """uvicorn on 127.0.0.1 and a free port, in a thread with its own event loop."""

    def __init__(self, app) -> None:
        self.engine = Region._meta.db  # bound by create_app
        self.loop = asyncio.new_event_loop()
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(
            app, log_level="warning", lifespan="on", ws="none", loop="asyncio", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self._serve, name="uvicorn-browser-tests", daemon=True
        )

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve(sockets=[self.socket]))

    def start(self) -> None:
        self.thread.start()
        for _ in range(500):
            if self.server.started or not self.thread.is_alive():
                break
            threading.Event().wait(0.01)
        if not self.server.started:
            raise RuntimeError("le serveur de test n'a pas démarré")

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine in the server's loop (where the database pool lives)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.loop.close()
        self.socket.close()


@pytest.fixture(scope="module")
def live_server(database_url: str, tmp_path_factory) -> Iterator[LiveServer]:
    var_dir = tmp_path_factory.mktemp("live")
    settings = Settings(
        database_url=database_url,
        secret_key="browser-secret-key-browser-secret-key-0123",
        var_dir=var_dir,
        login_rate_limit_per_minute=1000,
    )
    previous_engine = Region._meta.db
    server = LiveServer(create_app(settings))
    server.start()
    yield server
    server.stop()
    bind(previous_engine)  # leave the tables as later test modules expect them


@pytest.fixture
def world(live_server: LiveServer) -> World:
    """The personas and schools of tests/factories.py, on empty tables of the live server."""
    bind(live_server.engine)  # another test module may have bound the tables elsewhere
    live_server.run(database.truncate_all(live_server.engine))
    return live_server.run(make_world())


@pytest.fixture(scope="module")
def browser(live_server: LiveServer) -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris"
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def log_in(
    page: Page, persona: str, password: str = PASSWORD, suivant: str | None = "/appareils"
) -> None:
    """Sign in, then land on `suivant` (None: where the persona's role starts its day)."""
    page.goto("/connexion" + (f"?suivant={suivant}" if suivant else ""))
    page.get_by_label("Adresse électronique").fill(f"{persona}@ordipret.test")
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()


def serious_violations(page: Page) -> list[str]:
    """The axe-core violations of the page as it is now that are serious or critical."""
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
