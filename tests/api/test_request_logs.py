"""Logs as operators read them: with `ORDIPRET_LOG_FORMAT=json` one JSON object a line, each
carrying the id of its request (the one sent back in `X-Request-ID`), one access line per
request (method, route template, status, duration; no path, no query string), and no
personal data in any of them."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from litestar.logging import LoggingConfig

from api.infra.logs import OrdipretJsonFormatter, RequestIdFilter, logging_config, request_id_from
from api.infra.metrics import prometheus_config, unmatched_recorder
from api.infra.request_context import RequestContext
from api.settings import Settings
from tests.api.test_pages import log_in
from tests.conftest import client_for
from tests.factories import make_student


@pytest.fixture
def capture():
    """`with capture() as lines:` every line the `ordipret` loggers write in the block,
    through the formatter and filter of `ORDIPRET_LOG_FORMAT=json`, each parsed (a line that
    is not one JSON object fails the test)."""

    @contextlib.contextmanager
    def capturing() -> Iterator[list[dict]]:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(OrdipretJsonFormatter())
        handler.addFilter(RequestIdFilter())
        logger = logging.getLogger("ordipret")
        logger.addHandler(handler)
        lines: list[dict] = []
        try:
            yield lines
        finally:
            logger.removeHandler(handler)
            lines.extend(json.loads(line) for line in stream.getvalue().splitlines())

    return capturing


def test_the_json_format_is_configured_for_the_app_and_text_is_the_default():
    config = logging_config("json")
    formatter = config.handlers["console"]["formatter"]
    assert config.formatters[formatter]["()"] is OrdipretJsonFormatter
    assert "request_id" in config.handlers["queue_listener"]["filters"]
    # Litestar's own defaults are left as they were (another app's logging still configures)
    assert "filters" not in LoggingConfig().handlers["queue_listener"]
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"ORDIPRET_LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(ValueError, match="ORDIPRET_LOG_FORMAT"):
        Settings.from_env({"ORDIPRET_LOG_FORMAT": "xml"})


async def test_each_request_has_one_json_access_line_with_the_id_sent_back(capture, client):
    with capture() as lines:
        response = await client.get("/livez", params={"q": "Dupont"})
    request_id = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    (access,) = [line for line in lines if line["logger"] == "ordipret.access"]
    assert access["request_id"] == request_id
    assert access["method"] == "GET" and access["route"] == "/livez"
    assert access["status"] == 200 and access["duration_ms"] >= 0
    assert {"time", "level", "message"} <= access.keys() and access["level"] == "INFO"
    assert "Dupont" not in json.dumps(lines) and "q=" not in access["message"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("req-2026.12.06:abc_DEF-1", True),
        ("x" * 65, False),  # too long
        ("a b", False),
        ("<script>", False),
        ("", False),
    ],
)
async def test_a_safe_request_id_is_kept_and_any_other_replaced(client, sent, kept):
    response = await client.get("/livez", headers={"X-Request-ID": sent})
    echoed = response.headers["x-request-id"]
    assert (echoed == sent) is kept
    if not kept:
        assert re.fullmatch(r"[0-9a-f]{32}", echoed)


async def test_a_path_no_route_matches_gets_an_id_and_an_access_line_too(capture, client):
    with capture() as lines:
        response = await client.get("/api/v1/personne/1234567890A")
    assert response.status_code == 404
    (access,) = [line for line in lines if line["logger"] == "ordipret.access"]
    assert access["route"] == "<unmatched>" and access["status"] == 404
    assert access["request_id"] == response.headers["x-request-id"]
    assert "1234567890A" not in json.dumps(lines)


async def test_domain_lines_of_a_request_carry_its_id_and_no_personal_data(
    capture, as_, app, world
):
    student = await make_student(last_name="Confidentiel", first_name="Zoé", ine="1234567890C")
    with capture() as lines:
        response = await as_("it_a").patch(
            f"/api/v1/students/{student.id}",
            json={"class_name": "TG4", "last_name": "Secret"},
            headers={"X-Request-ID": "trace-42"},
        )
        async with client_for(app) as browser:
            await log_in(browser, "it_a", password="mauvais-mot-de-passe")
    assert response.status_code == 200, response.text
    audit = [line for line in lines if line["logger"] == "ordipret.audit"]
    assert audit and {line["request_id"] for line in audit} == {"trace-42"}
    assert any("class_name" in line["message"] for line in audit)
    # the patch, and the sign-in form read then sent: three requests, three ids
    assert len({line["request_id"] for line in lines}) == 3
    text = json.dumps(lines, ensure_ascii=False)
    for secret in ("Confidentiel", "Zoé", "Secret", "1234567890C", "TG4", "it_a@ordipret.test"):
        assert secret not in text
    assert "mauvais-mot-de-passe" not in text and world.tokens["it_a"] not in text


async def test_the_access_line_is_written_only_when_asked(capture):
    """ORDIPRET_ACCESS_LOG: off by default (the reverse proxy and /metrics see every request),
    one line a request when on; the request id is sent back either way."""

    async def answer(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [], "path_template": "/x"}
    for asked in (False, True):
        sent: list[dict] = []

        async def send(message, sent=sent) -> None:
            sent.append(message)

        context = RequestContext(answer, unmatched_recorder(prometheus_config()), access_log=asked)
        with capture() as lines:
            await context(dict(scope), None, send)
        assert len([line for line in lines if line["logger"] == "ordipret.access"]) == asked
        assert dict(sent[0]["headers"])[b"x-request-id"]
    assert Settings.from_env({}).access_log is False
    assert Settings.from_env({"ORDIPRET_ACCESS_LOG": "1"}).access_log is True
    with pytest.raises(ValueError, match="ORDIPRET_ACCESS_LOG"):
        Settings.from_env({"ORDIPRET_ACCESS_LOG": "peut-être"})


def test_new_request_ids_are_distinct_and_shaped_like_uuids():
    ids = {request_id_from(None) for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids)
