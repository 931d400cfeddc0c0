"""The data protection officer (`dpo`): read-only, per region. Every route of the app is walked
as a DPO: none answers 2xx but the access log, one's own account and the public routes, and
none answers a 500."""

from __future__ import annotations

import inspect
import re

import pytest

from api.accounts import staff as accounts
from tests.api.test_pages import csrf_token, log_in
from tests.conftest import client_for
from tests.factories import NOW, UAI_A, active_loan, make_account, make_student

# What a DPO may open, beside the routes outside authentication (public pages, the ENT space).
ALLOWED = {
    "/api/v1/access-log",
    "/protection-des-donnees/acces",
    "/api/v1/me",
    "/api/v1/me/tokens",
    "/api/v1/me/tokens/{token_id:int}",
    "/api/v1/auth/logout",
    "/mon-compte",
    "/mon-compte/jetons",
    "/mon-compte/jetons/{token_id:int}/revocation",
    "/mon-compte/mot-de-passe",
    "/",
}
PUBLIC = re.compile(r"^/(schema|static)(/|$)")
VALUES = {"int": "1", "str": "x", "path": "x"}


def concrete(path: str) -> str:
    return re.sub(r"\{\w+:(\w+)\}", lambda m: VALUES[m.group(1)], path)


def routes(app):
    """(path template, method, public) of every handler; OPTIONS is Litestar's own answer."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            public = bool(handler.opt.get("exclude_from_auth")) or bool(PUBLIC.match(route.path))
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                yield route.path, method, public


@pytest.fixture
async def dpo_token(world) -> str:
    account_id = await make_account("dpo_24@ordipret.test", "dpo", world.region_ids["24"])
    _, token = await accounts.create_token(account_id, "tests", NOW)
    return token


async def test_a_dpo_walking_every_route_gets_no_2xx_but_the_allowed_and_never_a_500(
    app, world, dpo_token
):
    student = await make_student("A")
    await active_loan(world, "D-1", UAI_A, student.id)  # rows the lists would show
    walked, answered = 0, {}
    async with client_for(app, Authorization=f"Bearer {dpo_token}") as as_dpo:
        for path, method, public in routes(app):
            body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
            response = await as_dpo.request(method, concrete(path), **body)
            walked += 1
            answered[f"{method} {path}"] = response.status_code
            assert response.status_code < 500, (method, path, response.text[:300])
            if 200 <= response.status_code < 300:
                assert public or path in ALLOWED, (method, path, response.status_code)
    assert walked > 250
    # Fleet, loans and students are refused by role, not merely empty.
    for route in ("GET /api/v1/assets", "GET /api/v1/loans", "GET /api/v1/students", "GET /eleves"):
        assert answered[route] == 403, route
    assert answered["GET /api/v1/access-log"] == 200


@pytest.mark.parametrize(
    "path", ["/appareils", "/prets", "/eleves", "/tableau-de-bord", "/scan", "/administration"]
)
async def test_a_dpo_signed_in_is_refused_the_fleet_loan_and_student_pages(
    app, world, dpo_token, path
):
    async with client_for(app) as browser:
        assert (await log_in(browser, "dpo_24")).status_code == 303
        assert (await browser.get(path)).status_code == 403
        home = await browser.get("/")
        assert home.headers["location"] == "/protection-des-donnees/acces"


async def test_an_admin_creates_a_dpo_for_a_region_and_a_region_manager_may_not(
    world, signed_in, as_
):
    created = await as_("admin").post(
        "/api/v1/accounts",
        json={"email": "dpd@region24.fr", "display_name": "Diane D", "role": "dpo"},
    )
    assert created.status_code == 422 and "region" in created.text
    created = await as_("admin").post(
        "/api/v1/accounts",
        json={
            "email": "dpd@region24.fr",
            "display_name": "Diane D",
            "role": "dpo",
            "region_code": "24",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["account"]["region_code"] == "24"
    refused = await as_("manager_24").post(
        "/api/v1/accounts",
        json={"email": "dpd2@region24.fr", "display_name": "D", "role": "dpo"},
    )
    assert refused.status_code == 422 and "role" in refused.text
    # The admin's form offers the role.
    admin = await signed_in("admin")
    form = await admin.get("/administration/comptes/nouveau")
    assert "délégué à la protection des données" in form.text
    assert csrf_token(form.text)


def test_every_route_guard_runs_on_the_event_loop(app):
    """Litestar runs a guard that is a plain function in a worker thread (a thread hop for
    every request of the route): the role guards are coroutines, and read-only roles are
    confined by the authentication middleware rather than by an app-wide guard."""
    guarded = 0
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for guard in handler.resolve_guards():
                assert inspect.iscoroutinefunction(guard), (route.path, guard)
                guarded += 1
    assert guarded > 100
