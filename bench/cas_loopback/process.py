"""A real CAS server (django-cas-server) in a subprocess on loopback, and a browser's walk
through its login form. Shared by the ENT tests and the sign-in benchmark."""

from __future__ import annotations

import contextlib
import html
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "bench.cas_loopback.django_site.settings"
_HIDDEN = re.compile(r"<input[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _django(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "django", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


@contextlib.contextmanager
def cas_server(directory: Path, slo_callback: str = "") -> Iterator[str]:
    """Migrate, declare the services, serve; yields the CAS base URL (…/cas)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "CAS_TEST_DB": str(directory / "cas.sqlite"),
        "SLO_CALLBACK": slo_callback,
        "PYTHONPATH": str(ROOT),
    }
    _django(env, "migrate", "--noinput")
    subprocess.run(
        [sys.executable, str(Path(__file__).parent / "django_site" / "setup_services.py")],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    port = free_port()
    log = open(directory / "cas.log", "wb")  # noqa: SIM115 (kept open while it runs)
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/cas"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError((directory / "cas.log").read_text())
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def login_form_fields(page: str) -> dict[str, str]:
    """Every hidden input of the CAS login page (CSRF token, `lt`, service…)."""
    fields = {}
    for tag in _HIDDEN.findall(page):
        attributes = dict(_ATTR.findall(tag))
        if attributes.get("type") == "hidden" and "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


async def ticket_url(ent: httpx.AsyncClient, login_url: str, username: str, password: str) -> str:
    """Follow a CAS login URL as a browser: the form if there is no CAS session yet, then the
    redirect back to the service, which is returned (…?ticket=ST-…)."""
    page = await ent.get(login_url)
    if page.status_code in (301, 302, 303):
        return page.headers["location"]
    fields = login_form_fields(page.text)
    fields.update(username=username, password=password)
    answer = await ent.post(login_url, data=fields, headers={"Referer": login_url})
    assert answer.status_code in (301, 302, 303), answer.text[:2000]
    return answer.headers["location"]
