"""The main lists of the API page by cursor: `next_cursor` to the end and `previous_cursor`
back, every row once; a cursor wins over an offset; a cursor that is not one of this list and
sort is a 400 problem naming `cursor`; the count says whether it is exact."""

from __future__ import annotations

import pytest

from tests.api.problems import assert_problem
from tests.factories import UAI_A, active_loan, make_asset, make_student

TAGS = ["C-03", "A-01", "E-05", "B-02", "D-04"]


async def _walk(client, path: str, params: dict, key: str) -> tuple[list, list]:
    """Every item by following `next_cursor`, then back by `previous_cursor`: (forwards pages,
    backwards pages)."""
    forwards, body = [], (await client.get(path, params=params)).json()
    assert body["previous_cursor"] is None and body["total_exact"] is True
    forwards.append([item[key] for item in body["items"]])
    while body["next_cursor"]:
        body = (await client.get(path, params={**params, "cursor": body["next_cursor"]})).json()
        forwards.append([item[key] for item in body["items"]])
    backwards = []
    while body["previous_cursor"]:
        body = (await client.get(path, params={**params, "cursor": body["previous_cursor"]})).json()
        backwards.append([item[key] for item in body["items"]])
    return forwards, backwards


@pytest.mark.parametrize(
    ("sort", "expected"), [("tag", sorted(TAGS)), ("-tag", sorted(TAGS)[::-1])]
)
async def test_the_asset_list_is_walked_by_its_cursors_both_ways(as_, world, sort, expected):
    for tag in TAGS:
        await make_asset(tag, UAI_A, world.model_id)
    forwards, backwards = await _walk(
        as_("it_a"), "/api/v1/assets", {"limit": 2, "sort": sort}, "tag"
    )
    assert forwards == [expected[0:2], expected[2:4], expected[4:]]
    assert backwards == [expected[2:4], expected[0:2]]


async def test_a_cursor_takes_precedence_over_an_offset(as_, world):
    for tag in TAGS:
        await make_asset(tag, UAI_A, world.model_id)
    client = as_("it_a")
    first = (await client.get("/api/v1/assets", params={"limit": 2})).json()
    body = (
        await client.get(
            "/api/v1/assets", params={"limit": 2, "offset": 4, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [item["tag"] for item in body["items"]] == ["C-03", "D-04"]
    assert body["offset"] == 0


async def test_an_offset_page_still_works_and_gives_cursors(as_, world):
    for tag in TAGS:
        await make_asset(tag, UAI_A, world.model_id)
    body = (await as_("it_a").get("/api/v1/assets", params={"limit": 2, "offset": 2})).json()
    assert [item["tag"] for item in body["items"]] == ["C-03", "D-04"]
    assert body["previous_cursor"] and body["next_cursor"]
    assert (body["total"], body["total_exact"], body["offset"]) == (5, True, 2)


async def test_the_loan_list_is_walked_by_its_cursors(as_, world):
    ids = []
    for n in range(3):
        student = await make_student(ent_id=f"K-{n}", last_name=f"Élève{n}")
        ids.append(await active_loan(world, f"L-0{n}", UAI_A, student.id))
    forwards, backwards = await _walk(as_("it_a"), "/api/v1/loans", {"limit": 2}, "id")
    newest_first = sorted(ids, reverse=True)
    assert forwards == [newest_first[:2], newest_first[2:]]
    assert backwards == [newest_first[:2]]


async def test_the_student_list_is_walked_by_its_cursors(as_, world):
    for name in ["Durand", "Bernard", "Martin", "Bernard", "Petit"]:
        await make_student(last_name=name, ent_id=None)
    forwards, backwards = await _walk(as_("it_a"), "/api/v1/students", {"limit": 2}, "last_name")
    assert forwards == [["Bernard", "Bernard"], ["Durand", "Martin"], ["Petit"]]
    assert backwards == [["Durand", "Martin"], ["Bernard", "Bernard"]]


@pytest.mark.parametrize(
    "path", ["/api/v1/assets", "/api/v1/loans", "/api/v1/students", "/api/v1/loans/overdue"]
)
@pytest.mark.parametrize("cursor", ["deux", "WyJzZXJpYWwiLFsiQSIsMV1d", "x" * 1999])
async def test_a_bad_cursor_is_a_bad_request_naming_it(as_, world, path, cursor):
    assert_problem(await as_("it_a").get(path, params={"cursor": cursor}), 400, "cursor")


async def test_a_cursor_of_another_sort_is_refused(as_, world):
    for tag in TAGS:
        await make_asset(tag, UAI_A, world.model_id)
    client = as_("it_a")
    by_tag = (await client.get("/api/v1/assets", params={"limit": 2})).json()
    response = await client.get(
        "/api/v1/assets", params={"limit": 2, "sort": "serial", "cursor": by_tag["next_cursor"]}
    )
    assert_problem(response, 400, "cursor")
