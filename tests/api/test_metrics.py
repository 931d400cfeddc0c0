"""`/metrics`: Prometheus names by the convention, labels by route template (never a tag, a
student id, a name, an email or a token), sign-ins counted by method, the pool and the job
queue, and the scrape closed to anyone without the token."""

from __future__ import annotations

import dataclasses
import re

import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families

from api.clock import utcnow
from api.jobs import queue
from tests.api.test_pages import log_in
from tests.conftest import client_for
from tests.factories import UAI_A, make_asset, make_student

TOKEN = "metrics-token-for-the-tests"
OURS = re.compile(r"^ordipret_[a-z0-9_]+$")


@pytest_asyncio.fixture(loop_scope="session")
async def scrape(app, settings):
    """`await scrape()`: the families of one scrape, by name, with the metrics token set."""
    state = app.state
    state["settings"] = dataclasses.replace(settings, metrics_token=TOKEN)
    async with client_for(app, Authorization=f"Bearer {TOKEN}") as prometheus:

        async def scraped() -> dict:
            response = await prometheus.get("/metrics")
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith("text/plain")
            return {family.name: family for family in text_string_to_metric_families(response.text)}

        yield scraped
    state["settings"] = settings


def sample(families: dict, name: str, **labels: str) -> float:
    """The value of one series (0 when it does not exist yet)."""
    family_name = re.sub(r"_(total|count|sum|bucket)$", "", name)
    return sum(
        s.value
        for s in families[family_name].samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def label_values(families: dict) -> set[str]:
    return {
        value
        for family in families.values()
        if family.name.startswith("ordipret_")
        for s in family.samples
        for value in s.labels.values()
    }


def route_templates(app) -> set[str]:
    return {route.path_format for route in app.routes} | {
        path for route in app.routes for path in getattr(route, "paths", ())
    }


async def test_metrics_are_refused_without_the_metrics_token(app, settings, as_, client):
    assert (await client.get("/metrics")).status_code == 401  # no token configured: nobody
    app.state["settings"] = dataclasses.replace(settings, metrics_token=TOKEN)
    try:
        refused = await client.get("/metrics")
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401
        assert (await as_("admin").get("/metrics")).status_code == 401  # an account's token
        assert "ordipret_" not in refused.text + wrong.text
    finally:
        app.state["settings"] = settings


async def test_an_allowed_address_scrapes_without_the_token(app, settings, client):
    # httpx's ASGI transport calls from 127.0.0.1
    app.state["settings"] = dataclasses.replace(settings, metrics_allow=("127.0.0.0/8",))
    try:
        assert (await client.get("/metrics")).status_code == 200
    finally:
        app.state["settings"] = settings


async def test_metric_names_follow_the_prometheus_convention(scrape, client):
    await client.get("/livez")
    families = await scrape()
    expected = {
        "ordipret_requests": "counter",
        "ordipret_requests_error": "counter",
        "ordipret_request_duration_seconds": "histogram",
        "ordipret_requests_in_progress": "gauge",
        "ordipret_sign_ins": "counter",
        "ordipret_db_pool_connections": "gauge",
        "ordipret_db_pool_connections_in_use": "gauge",
        "ordipret_jobs": "gauge",
    }
    assert {name: families[name].type for name in expected if name in families} == expected
    for family in families.values():
        assert OURS.match(family.name) or family.name.startswith(("process_", "python_"))
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples)
        if family.type == "histogram" and family.name.startswith("ordipret_"):
            assert family.name.endswith("_seconds")


async def test_a_request_is_labelled_by_its_route_template_not_its_path(scrape, as_, world, app):
    await make_asset("R24-SECRET7", UAI_A, world.model_id)
    assert (await as_("manager_24").get("/api/v1/assets/R24-SECRET7")).status_code == 200
    assert (await as_("manager_24").get("/api/v1/assets/R24-NOWHERE9")).status_code == 404
    families = await scrape()
    paths = {s.labels["path"] for s in families["ordipret_requests"].samples}
    assert "/api/v1/assets/{tag}" in paths
    assert not any("SECRET7" in value or "NOWHERE9" in value for value in label_values(families))
    ok = sample(families, "ordipret_requests_total", path="/api/v1/assets/{tag}")
    assert ok >= 2


async def test_each_request_is_counted_timed_and_no_longer_in_progress_by_status(
    scrape, as_, world
):
    await make_asset("R24-TIMED01", UAI_A, world.model_id)
    route = "/api/v1/assets/{tag}"
    before = await scrape()
    reader = as_("manager_24")
    assert (await reader.get("/api/v1/assets/R24-TIMED01")).status_code == 200
    assert (await reader.get("/api/v1/assets/R24-TIMED01")).status_code == 200
    assert (await reader.get("/api/v1/assets/R24-ABSENT01")).status_code == 404
    after = await scrape()

    def grew(name: str, **labels: str) -> float:
        series = {"path": route, **labels}
        return sample(after, name, **series) - sample(before, name, **series)

    assert grew("ordipret_requests_total", status_code="200") == 2
    assert grew("ordipret_requests_total", status_code="404") == 1
    assert grew("ordipret_request_duration_seconds_count", status_code="200") == 2
    assert grew("ordipret_request_duration_seconds_sum", status_code="200") > 0
    assert sample(after, "ordipret_requests_in_progress", path=route) == 0


async def test_a_path_no_route_matches_is_counted_under_one_fixed_label(scrape, client):
    before = sample(await scrape(), "ordipret_requests_total", path="<unmatched>")
    assert (await client.get("/api/v1/personne/Dupont-Jeanne")).status_code == 404
    assert (await client.get("/api/v1/personne/1234567890A")).status_code == 404
    # Pages have a catch-all route (the French 404 page): its template is the label.
    assert (await client.get("/nulle-part/Dupont-Jeanne")).status_code == 404
    families = await scrape()
    assert sample(families, "ordipret_requests_total", path="<unmatched>") == before + 2
    assert sample(families, "ordipret_requests_total", path="/{rest}", status_code="404") >= 1
    assert not any("Dupont" in value or "1234567890A" in value for value in label_values(families))


async def test_no_personal_value_reaches_a_label_after_sign_ins_and_student_pages(
    scrape, app, world, as_, client
):
    student = await make_student(
        last_name="Confidentiel", first_name="Zoé", ine="1234567890C", ent_id="ENT-ZOE-42"
    )
    before = await scrape()
    browser = client_for(app)
    async with browser:
        assert (await log_in(browser, "it_a")).status_code == 303
        assert (await browser.get(f"/eleves/{student.id}")).status_code == 200
        assert (await browser.get("/eleves", params={"q": "Confidentiel"})).status_code == 200
    async with client_for(app) as stranger:
        assert (await log_in(stranger, "it_a", password="pas-le-bon-mot")).status_code == 401
    assert (await as_("it_a").get(f"/api/v1/students/{student.id}")).status_code == 200
    await client.get("/api/v1/me", headers={"Authorization": "Bearer odp_not-a-token"})
    after = await scrape()

    def counted(method: str, outcome: str) -> float:
        return sample(after, "ordipret_sign_ins_total", method=method, outcome=outcome) - sample(
            before, "ordipret_sign_ins_total", method=method, outcome=outcome
        )

    assert counted("password", "success") == 1 and counted("password", "failure") == 1
    assert counted("token", "success") >= 1 and counted("token", "failure") == 1
    secrets = {
        "Confidentiel",
        "Zoé",
        "1234567890C",
        "ENT-ZOE-42",
        "it_a@ordipret.test",
        world.tokens["it_a"],
        "odp_not-a-token",
        f"/eleves/{student.id}",
        f"/api/v1/students/{student.id}",
    }
    values = label_values(after)
    assert not [v for v in values for secret in secrets if secret in v]
    paths = {s.labels["path"] for s in after["ordipret_requests"].samples}
    assert paths <= route_templates(app) | {"<unmatched>"}
    assert {"/eleves/{student_id}", "/api/v1/students/{student_id}"} <= paths


async def test_the_pool_and_the_job_queue_are_read_at_each_scrape(scrape, world):
    families = await scrape()
    size = sample(families, "ordipret_db_pool_connections")
    assert size >= 1
    assert 0 <= sample(families, "ordipret_db_pool_connections_in_use") <= size
    assert sample(families, "ordipret_jobs", state="queued") == 0
    for _ in range(2):
        await queue.enqueue("stocktake_report", {}, world.account_ids["it_a"], utcnow())
    families = await scrape()
    assert sample(families, "ordipret_jobs", state="queued") == 2
    assert sample(families, "ordipret_jobs", state="running") == 0


async def test_the_scrapes_themselves_are_not_counted_as_requests(scrape):
    await scrape()
    paths = {s.labels["path"] for s in (await scrape())["ordipret_requests"].samples}
    assert "/metrics" not in paths
