"""/api/v1/regions/{code}/terms: versions read by the region's staff, published by its
manager or an admin, as blocks or as markup; errors are problem documents naming the field."""

from __future__ import annotations

import asyncio

import pytest

from loans.default_terms import default_terms
from loans.tables import TermsVersion
from loans.terms import MAX_CHARS
from tests.api.problems import assert_problem

TERMS = "/api/v1/regions/24/terms"
TEXT = "# Article 1\n\nLe matériel reste à la Région.\n\n- un chargeur\n- une housse\n"
BLOCKS = [
    {"kind": "heading", "text": "Article 1"},
    {"kind": "paragraph", "text": "Le matériel reste à la Région."},
    {"kind": "items", "items": ["un chargeur", "une housse"]},
]


@pytest.mark.parametrize("persona", ["it_a", "it_b", "head_a", "manager_24", "admin"])
async def test_the_staff_of_the_region_read_the_default_terms_as_version_1(as_, world, persona):
    client = as_(persona)
    current = await client.get(f"{TERMS}/current")
    assert current.status_code == 200, current.text
    body = current.json()
    assert (body["version"], body["is_default"], body["created_at"]) == (1, True, None)
    assert body["blocks"][0] == {"kind": "heading", "text": default_terms()[0].text}
    assert (await client.get(f"{TERMS}/1")).json() == body
    listed = (await client.get(TERMS)).json()
    assert [(v["version"], v["is_default"]) for v in listed] == [(1, True)]


async def test_the_region_manager_publishes_markup_as_a_new_version(as_, world):
    response = await as_("manager_24").post(TERMS, json={"text": TEXT})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["version"], body["blocks"], body["is_default"]) == (2, BLOCKS, False)
    assert body["author_name"] == "manager_24"
    assert body["author_id"] == world.account_ids["manager_24"]
    assert body["created_at"] is not None
    reader = as_("it_a")
    assert (await reader.get(f"{TERMS}/current")).json() == body
    listed = (await reader.get(TERMS)).json()
    assert [(v["version"], v["author_name"]) for v in listed] == [
        (2, "manager_24"),
        (1, "ordipret (conditions par défaut)"),
    ]
    assert (await reader.get(f"{TERMS}/1")).json()["blocks"][0]["text"].startswith("Article 1 —")


async def test_an_admin_publishes_blocks_and_each_edit_is_a_new_version(as_, world):
    admin = as_("admin")
    assert (await admin.post(TERMS, json={"blocks": BLOCKS})).json()["version"] == 2
    changed = [*BLOCKS, {"kind": "paragraph", "text": "Fait à Orléans."}]
    response = await admin.post(TERMS, json={"blocks": changed})
    assert response.status_code == 201
    assert response.json()["version"] == 3
    assert (await admin.get(f"{TERMS}/2")).json()["blocks"] == BLOCKS
    assert [v["version"] for v in (await admin.get(TERMS)).json()] == [3, 2, 1]


async def test_the_same_text_again_is_a_409_naming_the_field(as_, world):
    manager = as_("manager_24")
    await manager.post(TERMS, json={"text": TEXT})
    body = assert_problem(await manager.post(TERMS, json={"blocks": BLOCKS}), 409, "blocks")
    assert "Aucune modification" in body["detail"]
    assert_problem(await manager.post(TERMS, json={"text": TEXT}), 409, "text")
    assert await TermsVersion.count() == 2


async def test_the_manager_of_another_region_gets_not_found(as_, world):
    manager = as_("manager_44")
    assert_problem(await manager.post(TERMS, json={"text": TEXT}), 404)
    assert_problem(await manager.post(TERMS, json={"text": "#"}), 404)  # scope before text
    for url in (TERMS, f"{TERMS}/current", f"{TERMS}/1"):
        assert_problem(await manager.get(url), 404)
    assert await TermsVersion.count() == 0


@pytest.mark.parametrize("persona", ["it_a", "head_a"])
async def test_school_staff_cannot_publish(as_, world, persona):
    assert_problem(await as_(persona).post(TERMS, json={"text": TEXT}), 403)
    assert await TermsVersion.count() == 0


async def test_an_unknown_version_or_region_is_not_found(as_, world):
    assert_problem(await as_("admin").get(f"{TERMS}/2"), 404)
    assert_problem(await as_("admin").get("/api/v1/regions/99/terms/current"), 404)
    assert_problem(await as_("admin").get(f"{TERMS}/0"), 400)


async def test_markup_is_refused_naming_the_line(as_, world):
    text = "# Article 1\n\nUn paragraphe.\n\n-\n"
    body = assert_problem(await as_("manager_24").post(TERMS, json={"text": text}), 422, "text")
    assert body["errors"][0]["detail"] == "élément de liste vide (ligne 5)"
    assert await TermsVersion.count() == 0


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        ({}, 422, ("blocks", "text")),
        ({"blocks": BLOCKS, "text": TEXT}, 422, ("blocks", "text")),
        ({"blocks": []}, 422, ("blocks",)),
        ({"blocks": [{"kind": "heading", "text": " "}]}, 422, ("blocks",)),
        ({"text": "   \n"}, 422, ("text",)),
        ({"text": "x" * (MAX_CHARS + 1)}, 422, ("text",)),
        ({"blocks": [{"kind": "video", "url": "x"}]}, 400, ("blocks[0].kind",)),
        ({"text": 12}, 400, ("text",)),
        ({"terms": TEXT}, 400, ("terms",)),
    ],
)
async def test_malformed_bodies_are_problems_naming_the_field(as_, world, body, status, fields):
    response = await as_("manager_24").post(TERMS, json=body)
    problem = assert_problem(response, status)
    named = {error["field"] for error in problem["errors"]}
    assert set(fields) <= named, problem
    assert await TermsVersion.count() == 0


async def test_simultaneous_publishes_through_the_api_get_consecutive_versions(as_, world):
    bodies = [{"blocks": [{"kind": "paragraph", "text": f"Version {n}"}]} for n in range(6)]
    responses = await asyncio.gather(*(as_("manager_24").post(TERMS, json=b) for b in bodies))
    assert [r.status_code for r in responses] == [201] * 6
    assert sorted(r.json()["version"] for r in responses) == list(range(2, 8))


async def test_the_terms_are_in_the_openapi_document(client, app):
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/regions/{code}/terms/{version}" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/regions/{code}/terms"]
