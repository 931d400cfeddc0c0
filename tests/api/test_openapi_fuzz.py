"""Property-based test of the whole published OpenAPI with schemathesis: every operation, with
inputs generated from its own schema (valid and invalid), driven in-process as the admin.

Fails on a 5xx, on an error that is not a problem document, and on any answer its operation
does not document (status code, content type, body schema).

Bounded for CI: a few examples per operation and mode, no shrinking, no deadline. The app
runs in an event loop of the test's own (hypothesis calls the test synchronously), the same
loop for its lifespan and every request, as tests/conftest.py explains for PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.accounts import staff as accounts
from api.app import create_app
from tests import database
from tests.conftest import running
from tests.factories import NOW, make_world

EXAMPLES_PER_MODE = 8
BASE = "http://testserver"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@contextlib.contextmanager
def app_in_its_own_loop(settings):
    loop = asyncio.new_event_loop()
    application = create_app(settings)
    lifespan = running(application)
    loop.run_until_complete(lifespan.__aenter__())
    try:
        from inventory.tables import Region

        loop.run_until_complete(database.truncate_all(Region._meta.db))
        world = loop.run_until_complete(make_world())
        yield loop, application, world
    finally:
        loop.run_until_complete(lifespan.__aexit__(None, None, None))
        loop.close()


def request_kwargs(case, token: str) -> dict:
    kwargs = case.as_transport_kwargs(base_url=BASE, headers={"Authorization": f"Bearer {token}"})
    if "data" in kwargs:  # requests' name for a raw body
        kwargs["content"] = kwargs.pop("data")
    kwargs.pop("files", None)  # multipart photos are covered by tests/api/test_loans_api.py
    kwargs.pop("cookies", None)  # none are documented; httpx deprecates per-request cookies
    return kwargs


def problems_of(case, response: httpx.Response) -> list[str]:
    found = []
    is_problem = response.headers.get("content-type", "").startswith("application/problem+json")
    if response.is_error and not is_problem:
        found.append(f"{response.status_code} is not a problem document")
    try:
        case.validate_response(response, checks=CHECKS)
    except (Exception, BaseExceptionGroup) as failure:  # schemathesis groups failed checks
        found.append(" ".join(str(failure).split())[:400])
    return found


def test_every_operation_answers_as_its_openapi_documents(settings):
    with app_in_its_own_loop(settings) as (loop, application, world):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url=BASE)
        raw = loop.run_until_complete(client.get("/schema/openapi.json")).json()
        schema = schemathesis.openapi.from_dict(raw)
        admin = world.account_ids["admin"]
        failures: dict[str, str] = {}

        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @hypothesis_settings(
                    max_examples=EXAMPLES_PER_MODE,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(generation_mode=mode))
                def call(case):
                    # A fresh token each time: a generated DELETE /me/tokens/{id} may revoke it.
                    _, token = loop.run_until_complete(accounts.create_token(admin, "fuzz", NOW))
                    response = loop.run_until_complete(
                        client.request(**request_kwargs(case, token))
                    )
                    for problem in problems_of(case, response):
                        label = f"{case.operation.method.upper()} {case.operation.path}"
                        failures.setdefault(
                            label, f"{case.method} {case.formatted_path}: {problem}"
                        )

                with contextlib.suppress(Unsatisfiable):
                    call()  # noqa: B023 (run at once, in this iteration)
        loop.run_until_complete(client.aclose())

    assert failures == {}, "\n".join(f"{k}: {v}" for k, v in sorted(failures.items()))
