"""What every request passes at the door (api/request_checks.py): control characters refused
the same way on both engines wherever text comes in, JSON of a sane depth and type, requests
a cross-site page could forge refused on the session cookie, OPTIONS and HEAD never a 500."""

from __future__ import annotations

import contextlib
import json
import re

import pytest

from tests.api.problems import assert_problem, asset_body
from tests.api.test_pages import csrf_token, is_french_html
from tests.conftest import client_for
from tests.factories import PASSWORD, UAI_A, make_asset

ASSETS = "/api/v1/assets"
MODELS = "/api/v1/device-models"


@contextlib.asynccontextmanager
async def session_client(app, persona: str):
    """A client holding the persona's session cookie, signed in through the JSON API."""
    async with client_for(app) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"email": f"{persona}@ordipret.test", "password": PASSWORD}
        )
        assert response.status_code == 200
        yield client


# Control characters: refused where text comes in, naming the field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"serial": "PF\x003"}, "serial"),
        ({"notes": "ligne\x00"}, "notes"),
        ({"notes": "bip\x07"}, "notes"),
        ({"tag": "ESC\x1b1"}, "tag"),
        ({"serial": "DEL\x7f"}, "serial"),
    ],
)
async def test_a_control_character_in_a_json_string_is_refused_naming_the_field(
    as_, world, changes, field
):
    body = {**asset_body(world.model_id, "CTRL-1"), **changes}
    problem = assert_problem(await as_("admin").post(ASSETS, json=body), 400, field)
    assert "caractère de contrôle interdit" in problem["errors"][0]["detail"]
    assert_problem(await as_("admin").get(f"{ASSETS}/CTRL-1"), 404)


async def test_a_control_character_deep_in_a_list_is_named_by_its_position(as_, world):
    body = {
        "manufacturer": "Dell",
        "name": "X",
        "category": "laptop",
        "accessories": ["ok", "a\x00"],
    }
    problem = assert_problem(await as_("admin").post(MODELS, json=body), 400)
    assert problem["errors"][0]["field"] == "accessories[1]"
    assert problem["errors"][0]["pointer"] == "#/accessories/1"  # RFC 6901


async def test_a_control_character_in_a_json_key_is_refused(as_, world):
    body = {**asset_body(world.model_id, "CTRL-2"), "no\x00te": "x"}
    assert_problem(await as_("admin").post(ASSETS, json=body), 400)


async def test_tabs_and_line_breaks_in_notes_are_kept(as_, world):
    notes = "Écran rayé\r\n\tclavier : touche « A » manquante\n"
    body = asset_body(world.model_id, "CTRL-3", notes=notes)
    assert (await as_("admin").post(ASSETS, json=body)).status_code == 201
    assert (await as_("admin").get(f"{ASSETS}/CTRL-3")).json()["notes"] == notes


@pytest.mark.parametrize("value", ["PF%003", "PF%0A3", "PF%093", "PF%1B3"])
async def test_a_control_character_in_a_query_value_is_refused_naming_the_parameter(
    as_, world, value
):
    assert_problem(await as_("admin").get(f"{ASSETS}?q={value}"), 400, "q")


async def test_a_control_character_in_the_path_is_refused(as_, world):
    await make_asset("NUL-1", UAI_A, world.model_id)
    assert_problem(await as_("admin").get(f"{ASSETS}/NUL%001"), 400, "path")


async def test_a_scanner_group_separator_is_left_to_the_reader_but_nul_is_refused(as_, world):
    await make_asset("GS-1", UAI_A, world.model_id)
    found = await as_("admin").get("/api/v1/scan", params={"code": "GS-1\x1d"})
    assert found.status_code == 200, found.text
    assert_problem(await as_("admin").get("/api/v1/scan", params={"code": "GS-1\x00"}), 400, "code")


async def test_a_page_with_a_nul_in_the_path_answers_a_french_html_page(signed_in, world):  # noqa: F811
    client = await signed_in("it_a")
    response = await client.get("/appareils/A%001")
    assert response.status_code == 400
    assert is_french_html(response)
    assert "caractère de contrôle interdit" in response.text


async def test_a_page_with_a_nul_in_the_query_answers_a_french_html_page(signed_in, world):  # noqa: F811
    client = await signed_in("it_a")
    response = await client.get("/appareils?q=PF%003")
    assert response.status_code == 400
    assert is_french_html(response)


async def test_a_nul_in_a_page_form_field_is_refused_naming_the_field(client, world):
    form = await client.get("/connexion")
    response = await client.post(
        "/connexion",
        data={
            "email": "it_a\x00@ordipret.test",
            "password": PASSWORD,
            "_csrf_token": csrf_token(form.text),
        },
    )
    assert response.status_code == 400
    assert is_french_html(response)
    assert "caractère de contrôle interdit (U+0000)" in response.text


def asset_csv(*lines: str) -> bytes:
    header = "tag;serial;manufacturer;model;establishment_uai;notes"
    return ("\r\n".join([header, *lines]) + "\r\n").encode()


async def test_a_control_character_in_a_csv_cell_is_refused_naming_line_and_column(as_, world):
    data = asset_csv(
        f"CSV-1;SN1;Lenovo;ThinkPad E14;{UAI_A};bon état",
        f"CSV-2;SN\x002;Lenovo;ThinkPad E14;{UAI_A};",
        f'CSV-3;SN3;Lenovo;ThinkPad E14;{UAI_A};"deux\r\nlignes\x07"',
    )
    response = await as_("admin").post(
        f"{ASSETS}/import",
        params={"dry_run": "false"},
        content=data,
        headers={"Content-Type": "text/csv"},
    )
    problem = assert_problem(response, 422)
    named = {(e["line"], e["field"]): e["detail"] for e in problem["errors"]}
    assert named == {
        (3, "serial"): "caractère de contrôle interdit (U+0000)",
        (4, "notes"): "caractère de contrôle interdit (U+0007)",
    }
    assert_problem(await as_("admin").get(f"{ASSETS}/CSV-1"), 404)


async def test_a_nul_in_a_student_csv_cell_is_refused_naming_the_column(as_, world):
    header = "uai;ent_id;ine;last_name;first_name;birth_date;class_name"
    data = f"{header}\r\n{UAI_A};E1;;Mar\x00tin;Léa;14/03/2010;2NDE3\r\n".encode()
    response = await as_("it_a").post(
        "/api/v1/students/import",
        params={"dry_run": "true"},
        content=data,
        headers={"Content-Type": "text/csv"},
    )
    errors = response.json()["errors"]
    assert {(e["line"], e["column"]) for e in errors} == {(2, "last_name")}


# Deeply nested JSON


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"notes": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"],
    ids=["a-hundred-thousand-brackets", "ten-thousand-levels-in-a-field"],
)
async def test_deeply_nested_json_is_a_bad_request_naming_the_body(as_, world, body):
    response = await as_("admin").post(
        ASSETS, content=body, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "body")


# Content types: the API takes JSON, and the session cookie only from non-forgeable requests


async def test_a_json_body_without_a_content_type_is_refused_on_the_session_cookie(app, world):
    async with session_client(app, "it_a") as browser:
        response = await browser.post(
            "/api/v1/me/tokens", content=json.dumps({"name": "sans type"}).encode()
        )
        assert_problem(response, 415)
        names = [t["name"] for t in (await browser.get("/api/v1/me/tokens")).json()]
    assert "sans type" not in names


async def test_a_post_without_a_body_on_the_session_cookie_needs_a_non_forgeable_header(app, world):
    async with session_client(app, "it_a") as browser:
        assert_problem(await browser.post("/api/v1/auth/logout"), 415)
        assert (await browser.get("/api/v1/me")).status_code == 200
        sent = await browser.post("/api/v1/auth/logout", headers={"X-Requested-With": "fetch"})
        assert sent.status_code == 204


async def test_a_json_endpoint_refuses_another_content_type_even_from_a_script(as_, world):
    body = json.dumps(asset_body(world.model_id, "TYPE-1"))
    response = await as_("admin").post(ASSETS, content=body, headers={"Content-Type": "text/csv"})
    assert_problem(response, 415)


async def test_a_json_body_with_a_json_content_type_and_a_charset_is_accepted(app, world):
    async with session_client(app, "it_a") as browser:
        response = await browser.post(
            "/api/v1/me/tokens",
            content=json.dumps({"name": "avec type"}).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
    assert response.status_code == 201


# OPTIONS and HEAD, on every route, without a session


def every_path(app) -> list[str]:
    paths = set()
    for route in app.routes:
        path = re.sub(r"\{[^}:]+:int\}", "1", route.path)
        path = re.sub(r"\{[^}:]+:path\}", "/x", path)
        paths.add(re.sub(r"\{[^}]+\}", "X", path))
    return sorted(paths)


@pytest.mark.parametrize("method", ["OPTIONS", "HEAD"])
async def test_options_and_head_on_every_route_without_a_session_never_fail(
    app, client, world, method
):
    failures = []
    for path in every_path(app):
        response = await client.request(method, path)
        api = path.startswith(("/api/", "/health"))
        problem = response.headers.get("content-type", "").startswith("application/problem+json")
        if response.status_code >= 500 or (api and response.is_error and not problem):
            failures.append(f"{method} {path} -> {response.status_code} {response.text[:80]}")
        if "scope" in response.text or "AuthMiddleware" in response.text:
            failures.append(f"{method} {path} leaks an internal message: {response.text[:120]}")
    assert failures == []
