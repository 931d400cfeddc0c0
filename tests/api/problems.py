"""Checks shared by the API tests: every error is one RFC 9457 problem document."""

from __future__ import annotations

import httpx

from tests.factories import UAI_A


def assert_problem(response: httpx.Response, status: int, *fields: str) -> dict:
    """The response is a problem document of `status`; when `fields` are given, its `errors`
    list names each of them (with a detail and a JSON pointer). Returns the document."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    if fields:
        named = {error["field"]: error for error in body.get("errors", [])}
        for field in fields:
            assert field in named, f"{field!r} not named in {body}"
            assert named[field]["detail"]
            assert named[field]["pointer"] == "#/" + field
    return body


def asset_body(model_id: int, tag: str, serial: str | None = None, **fields) -> dict:
    """A valid JSON body for POST /api/v1/assets, in lycée A unless told otherwise."""
    return {
        "tag": tag,
        "serial": serial or "SER-" + tag,
        "model_id": model_id,
        "establishment_uai": UAI_A,
        **fields,
    }
