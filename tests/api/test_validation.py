"""Every malformed input is a 4xx RFC 9457 problem naming the field; never a 500; nothing
half-written."""

from __future__ import annotations

import json

from inventory import catalogue
from inventory.tables import Asset, AssetEvent
from tests.api.problems import assert_problem, asset_body
from tests.factories import PLATFORM, UAI_A, make_asset

ASSETS = "/api/v1/assets"


async def rows() -> tuple[int, int]:
    """How many assets and history events exist."""
    return await Asset.count(), await AssetEvent.count()


# Bodies that cannot be decoded


async def test_truncated_json_is_a_bad_request_naming_the_body(as_, world):
    response = await as_("admin").post(
        ASSETS, content=b'{"tag": "X", ', headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 400, "body")
    assert "JSON" in body["detail"]
    assert "truncated" not in body["detail"]  # user-facing text is French


async def test_an_empty_body_is_a_bad_request_naming_the_body(as_, world):
    response = await as_("admin").post(
        ASSETS, content=b"", headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "body")


async def test_a_json_array_instead_of_an_object_is_a_bad_request(as_, world):
    assert_problem(await as_("admin").post(ASSETS, json=[]), 400)


async def test_a_json_endpoint_refuses_a_body_not_declared_as_json(as_, world):
    """The API relies on refusing non-JSON bodies (see api/app.py, CSRF exclusion)."""
    body = asset_body(world.model_id, "PLAIN-1")
    response = await as_("admin").post(
        ASSETS, content=json.dumps(body), headers={"content-type": "text/plain"}
    )
    assert_problem(response, 415)
    assert_problem(await as_("admin").get(f"{ASSETS}/PLAIN-1"), 404)


# Bodies of the wrong shape: 400 naming the field


async def test_a_field_of_the_wrong_type_is_named(as_, world):
    body = {**asset_body(world.model_id, "TYPE-1"), "model_id": "un"}
    problem = assert_problem(await as_("admin").post(ASSETS, json=body), 400, "model_id")
    assert "model_id" in problem["detail"]


async def test_an_unknown_field_is_named(as_, world):
    body = {**asset_body(world.model_id, "UNK-1"), "colour": "noir"}
    assert_problem(await as_("admin").post(ASSETS, json=body), 400, "colour")


async def test_an_unknown_field_in_a_patch_is_named(as_, world):
    await make_asset("UNK-2", UAI_A, world.model_id)
    response = await as_("admin").patch(f"{ASSETS}/UNK-2", json={"tag": "RENAMED"})
    assert_problem(response, 400, "tag")


async def test_a_missing_required_field_is_named(as_, world):
    body = asset_body(world.model_id, "MISS-1")
    del body["serial"]
    assert_problem(await as_("admin").post(ASSETS, json=body), 400, "serial")


async def test_a_missing_login_password_is_named(client, world):
    response = await client.post("/api/v1/auth/login", json={"email": "it_a@ordipret.test"})
    assert_problem(response, 400, "password")


async def test_a_date_that_does_not_exist_is_named(as_, world):
    body = asset_body(world.model_id, "DATE-1", acquired_on="2025-02-30")
    assert_problem(await as_("admin").post(ASSETS, json=body), 400, "acquired_on")


async def test_notes_longer_than_allowed_are_named(as_, world):
    body = asset_body(world.model_id, "LONG-1", notes="x" * 2001)
    assert_problem(await as_("admin").post(ASSETS, json=body), 400, "notes")


async def test_a_wrong_item_in_a_list_points_at_the_item(as_, world):
    body = {"manufacturer": "Dell", "name": "X", "category": "laptop", "accessories": ["ok", 1]}
    problem = assert_problem(await as_("admin").post("/api/v1/device-models", json=body), 400)
    assert problem["errors"][0]["pointer"] == "#/accessories/1"  # RFC 6901


# Values the rules refuse: 422 naming the field


async def test_a_tag_with_forbidden_characters_is_refused(as_, world):
    body = asset_body(world.model_id, "ÉTIQUETTE 1")
    assert_problem(await as_("admin").post(ASSETS, json=body), 422, "tag")


async def test_an_unknown_state_is_refused(as_, world):
    body = asset_body(world.model_id, "STATE-1", state="lent")
    assert_problem(await as_("admin").post(ASSETS, json=body), 422, "state")


async def test_an_unknown_state_in_a_patch_is_refused(as_, world):
    await make_asset("STATE-2", UAI_A, world.model_id)
    response = await as_("admin").patch(f"{ASSETS}/STATE-2", json={"state": "borrowed"})
    assert_problem(response, 422, "state")


async def test_an_unknown_condition_is_refused(as_, world):
    body = asset_body(world.model_id, "COND-1", condition="E")
    assert_problem(await as_("admin").post(ASSETS, json=body), 422, "condition")


async def test_a_warranty_ending_before_the_acquisition_is_refused(as_, world):
    body = asset_body(world.model_id, "WAR-1", acquired_on="2025-09-01", warranty_end="2025-08-31")
    assert_problem(await as_("admin").post(ASSETS, json=body), 422, "warranty_end")


async def test_a_patched_warranty_is_checked_against_the_stored_acquisition(as_, world):
    await make_asset("WAR-2", UAI_A, world.model_id)
    await as_("admin").patch(f"{ASSETS}/WAR-2", json={"acquired_on": "2025-09-01"})
    response = await as_("admin").patch(f"{ASSETS}/WAR-2", json={"warranty_end": "2024-09-01"})
    assert_problem(response, 422, "warranty_end")


async def test_several_wrong_fields_are_all_named(as_, world):
    body = asset_body(world.model_id, "bad tag", state="lent", condition="Z")
    assert_problem(await as_("admin").post(ASSETS, json=body), 422, "tag", "state", "condition")


async def test_an_unknown_model_is_refused(as_, world):
    body = asset_body(world.model_id + 1000, "MOD-1")
    assert_problem(await as_("admin").post(ASSETS, json=body), 422, "model_id")
    assert await rows() == (0, 0)


async def test_an_unknown_model_in_a_patch_is_refused(as_, world):
    await make_asset("MOD-2", UAI_A, world.model_id)
    response = await as_("admin").patch(f"{ASSETS}/MOD-2", json={"model_id": world.model_id + 1})
    assert_problem(response, 422, "model_id")
    assert await rows() == (1, 1)


async def test_an_unknown_establishment_is_refused(as_, world):
    body = asset_body(world.model_id, "EST-1", establishment_uai="0000000A")
    assert_problem(await as_("admin").post(ASSETS, json=body), 422, "establishment_uai")


# Duplicates: 409 naming the field


async def test_a_duplicate_tag_is_a_conflict_naming_the_tag(as_, world):
    await make_asset("DUP-1", UAI_A, world.model_id)
    body = asset_body(world.model_id, "dup-1", serial="OTHER-SERIAL")
    assert_problem(await as_("admin").post(ASSETS, json=body), 409, "tag")
    assert await rows() == (1, 1)


async def test_a_duplicate_serial_of_the_same_manufacturer_is_a_conflict_naming_the_serial(
    as_, world
):
    await make_asset("SER-1", UAI_A, world.model_id, serial="PF3ABC")
    body = asset_body(world.model_id, "SER-2", serial="pf3abc")
    assert_problem(await as_("it_a").post(ASSETS, json=body), 409, "serial")
    assert await rows() == (1, 1)


async def test_the_same_serial_from_another_manufacturer_is_accepted(as_, world):
    dell = await catalogue.create_device_model(
        PLATFORM, manufacturer="Dell", name="Latitude", category="laptop", accessories=[]
    )
    await make_asset("SER-3", UAI_A, world.model_id, serial="PF3ABC")
    response = await as_("it_a").post(ASSETS, json=asset_body(dell.id, "SER-4", serial="PF3ABC"))
    assert response.status_code == 201


async def test_a_manufacturer_spelled_differently_is_the_same_manufacturer(as_, world):
    shouting = await catalogue.create_device_model(
        PLATFORM, manufacturer="LENOVO ", name="ThinkPad L13", category="laptop", accessories=[]
    )
    await make_asset("SER-5", UAI_A, world.model_id, serial="PF3ABC")
    body = asset_body(shouting.id, "SER-6", serial="PF3ABC")
    assert_problem(await as_("it_a").post(ASSETS, json=body), 409, "serial")


async def test_patching_a_serial_onto_an_existing_one_is_a_conflict_and_writes_nothing(as_, world):
    await make_asset("SER-7", UAI_A, world.model_id, serial="FIRST")
    await make_asset("SER-8", UAI_A, world.model_id, serial="SECOND")
    response = await as_("it_a").patch(
        f"{ASSETS}/SER-8", json={"serial": "FIRST", "notes": "échange"}
    )
    assert_problem(response, 409, "serial")
    unchanged = (await as_("it_a").get(f"{ASSETS}/SER-8")).json()
    assert (unchanged["serial"], unchanged["notes"]) == ("SECOND", "")
    assert await rows() == (2, 2)


async def test_a_failed_creation_leaves_no_row_and_no_event(as_, world):
    await make_asset("HALF-1", UAI_A, world.model_id, serial="TAKEN")
    for body in (
        asset_body(world.model_id, "HALF-2", serial="TAKEN"),
        asset_body(world.model_id, "HALF-1"),
        asset_body(world.model_id, "HALF-3", state="lent"),
        asset_body(world.model_id + 99, "HALF-4"),
    ):
        response = await as_("admin").post(ASSETS, json=body)
        assert 400 <= response.status_code < 500
    assert await rows() == (1, 1)


# Never a 500


async def server_errors(client, requests: list[tuple[str, str, dict | None]]) -> list[str]:
    """The requests answered with a 5xx, or with an error that is not a problem document."""
    failures = []
    for method, path, payload in requests:
        response = await client.request(method, path, json=payload)
        problem = response.headers["content-type"].startswith("application/problem+json")
        if response.status_code >= 500 or (response.is_error and not problem):
            failures.append(f"{method} {path} {payload!r} -> {response.status_code}")
    return failures


async def test_a_number_too_large_for_the_database_is_never_a_server_error(as_, world):
    await make_asset("BIG-1", UAI_A, world.model_id)
    requests = [
        ("POST", ASSETS, {**asset_body(world.model_id, "BIG-2"), "model_id": 2**40}),
        ("POST", ASSETS, {**asset_body(world.model_id, "BIG-3"), "model_id": 2**70}),
        ("PATCH", f"{ASSETS}/BIG-1", {"model_id": 2**40}),
        ("GET", f"/api/v1/device-models/{2**40}", None),
        ("PATCH", f"/api/v1/device-models/{2**40}", {"name": "X"}),
        ("GET", f"{ASSETS}?model={2**40}", None),
        ("GET", f"{ASSETS}?offset={2**70}", None),
        ("DELETE", f"/api/v1/me/tokens/{2**40}", None),
    ]
    assert await server_errors(as_("admin"), requests) == []


async def test_a_nul_character_is_never_a_server_error(as_, world):
    """PostgreSQL refuses NUL in text where SQLite stores it: either way, no 500."""
    await make_asset("NUL-1", UAI_A, world.model_id)
    requests = [
        ("POST", ASSETS, asset_body(world.model_id, "NUL-2", serial="PF\x003")),
        ("POST", ASSETS, asset_body(world.model_id, "NUL-3", notes="ligne\x00")),
        ("PATCH", f"{ASSETS}/NUL-1", {"notes": "ligne\x00"}),
        ("GET", f"{ASSETS}?q=PF%003", None),
        ("GET", f"{ASSETS}/NUL%001", None),
        ("GET", "/api/v1/establishments/0450%0001G", None),
        ("GET", "/api/v1/regions/2%004", None),
        ("POST", "/api/v1/me/tokens", {"name": "jeton\x00"}),
        ("POST", "/api/v1/auth/login", {"email": "it_a\x00@ordipret.test", "password": "x"}),
    ]
    assert await server_errors(as_("admin"), requests) == []


async def test_a_tag_with_a_slash_is_refused_because_tags_are_path_segments(as_, world):
    response = await as_("it_a").post(
        "/api/v1/assets",
        json={
            "tag": "A/2026/1",
            "serial": "SN-SLASH",
            "model_id": world.model_id,
            "establishment_uai": UAI_A,
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "tag"
