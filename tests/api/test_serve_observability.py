"""`ordipret serve --workers 2` as an operator starts it: one coherent Prometheus view over
both workers (multiprocess mode), and JSON log lines carrying the request ids."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from bench.server import production_server
from tests.factories import UAI_A, make_asset

TOKEN = "scrape-token-of-the-process-test"
ROUTE = "/api/v1/assets/{tag}"


def _get(url: str, token: str, request_id: str = "") -> tuple[int, str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if request_id:
        headers["X-Request-ID"] = request_id
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers["X-Request-ID"], response.read().decode()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _value(text: str, name: str, **labels: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


async def test_two_workers_give_one_view_of_the_metrics_and_log_json_lines(
    world, database_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("ORDIPRET_METRICS_TOKEN", TOKEN)
    monkeypatch.setenv("ORDIPRET_ACCESS_LOG", "1")  # its lines are read below
    monkeypatch.delenv("ORDIPRET_LOG_FORMAT", raising=False)  # serve's default: JSON
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    await make_asset("R24-PROC1", UAI_A, world.model_id)
    var = tmp_path / "var"
    with production_server(database_url, var, workers=2, server="granian") as running:
        url = running.url("/api/v1/assets/R24-PROC1")
        token = world.tokens["manager_24"]
        answers = await asyncio.gather(
            *(asyncio.to_thread(_get, url, token, f"proc-{n}") for n in range(20))
        )
        # Each scrape is a new connection, answered by either worker: all see the 20.
        scrapes = [_get(running.url("/metrics"), TOKEN)[2] for _ in range(4)]
        files = (var / "metrics").glob("gauge_livesum_*.db")
        pids = {re.sub(r"\D", "", path.stem) for path in files}
        anonymous = _status(running.url("/metrics"))
    assert anonymous == 401
    assert [(status, request_id) for status, request_id, _ in answers] == [
        (200, f"proc-{n}") for n in range(20)
    ]
    for text in scrapes:
        assert _value(text, "ordipret_requests_total", path=ROUTE, status_code="200") == 20
        assert _value(text, "ordipret_sign_ins_total", method="token", outcome="success") == 20
        assert _value(text, "ordipret_db_pool_connections") >= 2  # both workers' pools
    assert len(pids) == 2  # each worker writes its figures where the other's are read

    log = (var / "server.log").read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    access = {line["request_id"]: line for line in lines if line["logger"] == "ordipret.access"}
    assert {f"proc-{n}" for n in range(20)} <= access.keys()
    assert access["proc-7"]["route"] == ROUTE and access["proc-7"]["status"] == 200
    assert "R24-PROC1" not in log  # no path in any line, the server's access log is off
