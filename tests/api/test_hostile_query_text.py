"""Text typed into any filter of any list is a value, never part of a query: braces (Piccolo's
template placeholders), LIKE's wildcards and escape, quotes, and characters beyond the Basic
Multilingual Plane are answered without a server error by every GET operation the OpenAPI
publishes, on both engines.

Found by fuzzing: an INE searched for with a brace in it reached a Piccolo template on
PostgreSQL (a 500), and the list's page and count, read at once, raised the failure wrapped
in a task group, which no error mapping recognised."""

from __future__ import annotations

from tests.api.test_pages import log_in
from tests.conftest import client_for

# The filters the pages read from their query string (names of the forms' fields).
PAGE_FILTERS = ("q", "ine", "ent", "class", "establishment", "state", "status", "search")
HOSTILE_TEXTS = ("{", "}", "{}", "{0}", "%_\\'\"", "\U00011e7b\u00c7{")


def string_query_parameters(operation: dict) -> list[str]:
    return [
        parameter["name"]
        for parameter in operation.get("parameters", ())
        if parameter.get("in") == "query"
        and "string"
        in {parameter.get("schema", {}).get("type")}
        | {branch.get("type") for branch in parameter.get("schema", {}).get("oneOf", ())}
        and parameter["name"] not in ("cursor",)  # opaque, refused as a whole (its own tests)
    ]


async def test_no_text_in_a_filter_makes_any_list_fail(as_, world):
    admin = as_("admin")
    schema = (await admin.get("/schema/openapi.json")).json()
    failures = []
    probed = 0
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None or "{" in path:  # lists and searches, not one resource by key
            continue
        for name in string_query_parameters(operation):
            for text in HOSTILE_TEXTS:
                response = await admin.get(path, params={name: text})
                probed += 1
                if response.status_code >= 500:
                    failures.append(f"GET {path}?{name}={text!r}: {response.status_code}")
    assert probed > 100, "every list with a text filter was probed"
    assert failures == []


async def test_an_ine_searched_with_braces_finds_nothing_rather_than_failing(as_, world):
    response = await as_("admin").get("/api/v1/students", params={"ine": "12{34}", "offset": 1})
    assert response.status_code == 200
    assert response.json()["items"] == []


def page_paths(app) -> list[str]:
    """Every GET page with no path parameter: the lists and the searches of the staff."""
    return sorted(
        route.path
        for route in app.routes
        if "{" not in route.path
        and not route.path.startswith(("/api/", "/schema", "/static", "/metrics"))
        and any(
            "GET" in getattr(h, "http_methods", ()) for h in getattr(route, "route_handlers", [])
        )
    )


async def test_no_text_in_a_filter_makes_any_page_fail(app, world):
    async with client_for(app) as browser:
        await log_in(browser, "admin")
        failures = []
        for path in page_paths(app):
            for text in HOSTILE_TEXTS:
                response = await browser.get(path, params=dict.fromkeys(PAGE_FILTERS, text))
                if response.status_code >= 500:
                    failures.append(f"GET {path} with {text!r}: {response.status_code}")
    assert failures == []
