"""/api/v1/students: scoped personal data of minors, validation, conflicts, guardians, import."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from inventory.db import is_foreign_key_violation, is_unique_violation
from inventory.tables import Region
from loans import lifecycle
from loans.tables import Guardian, Student
from tests.api.problems import assert_problem
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    UAI_C,
    active_loan,
    guardian_fields,
    make_asset,
    make_student,
)

STUDENTS = "/api/v1/students"


def student_body(uai: str = UAI_A, **fields) -> dict:
    return {
        "establishment_uai": uai,
        "ent_id": "ent-0001",
        "last_name": "Martin",
        "first_name": "Léa",
        "birth_date": "2010-03-14",
        "class_name": "2nde 3",
        **fields,
    }


GUARDIAN = {"last_name": "Martin", "first_name": "Claire", "email": "claire@example.fr"}


# Reading and scope


async def test_it_staff_creates_a_student_of_their_school(as_, world):
    response = await as_("it_a").post(STUDENTS, json=student_body(guardians=[GUARDIAN]))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["establishment"]["uai"] == UAI_A
    assert created["region_code"] == "24"
    assert created["class_name"] == "2NDE3"
    assert created["birth_date"] == "2010-03-14"
    assert created["guardians"][0]["legal_authority"] is True
    read = await as_("it_a").get(f"{STUDENTS}/{created['id']}")
    assert read.json() == created


@pytest.mark.parametrize("persona", ["it_b", "manager_44"])
async def test_a_student_outside_the_scope_is_not_found(as_, world, persona):
    student = await make_student("A")
    assert_problem(await as_(persona).get(f"{STUDENTS}/{student.id}"), 404)
    assert_problem(
        await as_(persona).patch(f"{STUDENTS}/{student.id}", json={"class_name": "TG1"}), 404
    )


async def test_a_head_of_school_reads_students_but_cannot_write(as_, world):
    student = await make_student("A")
    head = as_("head_a")
    assert (await head.get(f"{STUDENTS}/{student.id}")).status_code == 200
    assert (await head.get(STUDENTS)).json()["total"] == 1
    assert_problem(await head.post(STUDENTS, json=student_body(ent_id="x")), 403)
    assert_problem(await head.patch(f"{STUDENTS}/{student.id}", json={"class_name": "1G1"}), 403)
    assert_problem(await head.post(f"{STUDENTS}/{student.id}/guardians", json=GUARDIAN), 403)
    left = await head.post(f"{STUDENTS}/{student.id}/left", json={"left_on": "2026-09-02"})
    assert_problem(left, 403)
    assert_problem(await head.post(f"{STUDENTS}/import", content=b"uai"), 403)


async def test_students_are_never_listed_without_signing_in(client, world):
    await make_student("A")
    assert_problem(await client.get(STUDENTS), 401)


async def test_the_list_is_scoped_filtered_and_paginated(as_, world):
    await make_student("A", last_name="Dupont", class_name="2NDE3")
    await make_student("A", last_name="Durand", class_name="1G2")
    await make_student("B", last_name="Dumas", class_name="2NDE3")
    await make_student("C", last_name="Duval", class_name="2NDE3")

    async def names(persona: str, **params) -> list[str]:
        response = await as_(persona).get(STUDENTS, params=params)
        assert response.status_code == 200, response.text
        return [item["last_name"] for item in response.json()["items"]]

    assert await names("it_a") == ["Dupont", "Durand"]
    assert await names("manager_24") == ["Dumas", "Dupont", "Durand"]
    assert await names("admin", **{"class": "2nde3"}) == ["Dumas", "Dupont", "Duval"]
    assert await names("admin", establishment=UAI_B) == ["Dumas"]
    assert await names("admin", q="dur") == ["Durand"]
    assert await names("admin", left="false", limit=2, offset=1) == ["Dupont", "Durand"]
    assert await names("admin", left="true") == []
    page = (await as_("admin").get(STUDENTS, params={"limit": 1})).json()
    assert (page["total"], page["limit"], page["offset"]) == (4, 1, 0)
    assert "ine" not in page["items"][0] and "guardians" not in page["items"][0]


async def test_a_page_size_out_of_bounds_names_the_parameter(as_, world):
    assert_problem(await as_("admin").get(STUDENTS, params={"limit": 501}), 422, "limit")


# Validation and conflicts


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"ine": "12345678901"}, "ine"),
        ({"birth_date": "2099-01-01"}, "birth_date"),
        ({"last_name": " "}, "last_name"),
        ({"first_name": ""}, "first_name"),
        ({"class_name": "2NDE/3"}, "class_name"),
        ({"establishment_uai": UAI_C}, "establishment_uai"),
    ],
)
async def test_invalid_fields_are_422_problems_naming_the_field(as_, world, fields, named):
    response = await as_("it_a").post(STUDENTS, json=student_body(**fields))
    assert_problem(response, 422, named)
    assert await Student.count() == 0


async def test_missing_and_unknown_fields_are_400_problems_naming_them(as_, world):
    body = student_body(nickname="Lélé")
    del body["last_name"]
    response = await as_("it_a").post(STUDENTS, json=body)
    assert_problem(response, 400)
    named = {e["field"] for e in response.json()["errors"]}
    assert named & {"nickname", "last_name"}


async def test_a_duplicate_ent_id_in_the_region_is_a_409_naming_ent_id(as_, world):
    assert (await as_("it_a").post(STUDENTS, json=student_body())).status_code == 201
    response = await as_("it_b").post(STUDENTS, json=student_body(UAI_B, first_name="Hugo"))
    assert_problem(response, 409, "ent_id")
    assert await Student.count() == 1


async def test_the_same_ent_id_is_accepted_in_another_region(as_, world):
    assert (await as_("it_a").post(STUDENTS, json=student_body())).status_code == 201
    response = await as_("admin").post(STUDENTS, json=student_body(UAI_C))
    assert response.status_code == 201


async def test_a_duplicate_ine_is_a_409_naming_ine(as_, world):
    await make_student("C", ine="1234567890A")
    response = await as_("it_a").post(STUDENTS, json=student_body(ine="1234567890A"))
    assert_problem(response, 409, "ine")


async def test_simultaneous_creations_of_one_ent_id_give_one_student(as_, world):
    bodies = [student_body((UAI_A, UAI_B)[n % 2], first_name=f"P{n}") for n in range(10)]
    responses = await asyncio.gather(*(as_("it_ab").post(STUDENTS, json=b) for b in bodies))
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 9}
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "ent_id")
    assert await Student.count() == 1


# Updating, departures, guardians


async def test_a_patch_changes_the_given_fields(as_, world):
    student = await make_student("A", class_name="2NDE3")
    response = await as_("it_a").patch(
        f"{STUDENTS}/{student.id}", json={"class_name": "1g2", "ine": None}
    )
    assert response.status_code == 200, response.text
    assert response.json()["class_name"] == "1G2"
    assert response.json()["last_name"] == student.last_name


async def test_a_departure_is_recorded(as_, world):
    student = await make_student("A")
    response = await as_("it_a").post(
        f"{STUDENTS}/{student.id}/left", json={"left_on": "2027-07-04"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["left_on"] == "2027-07-04"
    listed = await as_("it_a").get(STUDENTS, params={"left": "true"})
    assert [s["id"] for s in listed.json()["items"]] == [student.id]


async def test_guardians_are_added_changed_and_removed(as_, world):
    student = await make_student("A")
    it_a = as_("it_a")
    added = await it_a.post(f"{STUDENTS}/{student.id}/guardians", json=GUARDIAN)
    assert added.status_code == 201, added.text
    gid = added.json()["id"]
    changed = await it_a.patch(
        f"{STUDENTS}/{student.id}/guardians/{gid}", json={"legal_authority": False}
    )
    assert changed.status_code == 200
    assert changed.json()["legal_authority"] is False
    assert changed.json()["email"] == GUARDIAN["email"]
    removed = await it_a.delete(f"{STUDENTS}/{student.id}/guardians/{gid}")
    assert removed.status_code == 204
    assert (await it_a.get(f"{STUDENTS}/{student.id}")).json()["guardians"] == []


async def test_a_guardian_with_a_bad_email_is_a_422_naming_email(as_, world):
    student = await make_student("A")
    response = await as_("it_a").post(
        f"{STUDENTS}/{student.id}/guardians", json={**GUARDIAN, "email": "claire@"}
    )
    assert_problem(response, 422, "email")


async def test_guardians_of_a_student_outside_the_scope_are_not_found(as_, world):
    student = await make_student("B")
    response = await as_("it_a").post(f"{STUDENTS}/{student.id}/guardians", json=GUARDIAN)
    assert_problem(response, 404)
    assert await Guardian.count() == 0


# Import


HEADER = (
    "uai;ent_id;last_name;first_name;birth_date;class_name;guardian1_last_name;guardian1_first_name"
)


def csv_body(*lines: str) -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode()


async def post_import(client, data: bytes, dry_run: bool):
    return await client.post(
        f"{STUDENTS}/import",
        params={"dry_run": str(dry_run).lower()},
        content=data,
        headers={"Content-Type": "text/csv"},
    )


async def test_an_import_dry_run_reports_and_writes_nothing(as_, world):
    data = csv_body(f"{UAI_A};E1;Martin;Léa;14/03/2010;2NDE3;Martin;Claire")
    response = await post_import(as_("it_a"), data, dry_run=True)
    assert response.status_code == 200, response.text
    assert response.json() == {"dry_run": True, "rows": 1, "created": 1, "updated": 0, "errors": []}
    assert await Student.count() == 0


async def test_an_import_creates_then_updates_on_a_second_run(as_, world):
    first = csv_body(f"{UAI_A};E1;Martin;Léa;14/03/2010;2NDE3;Martin;Claire")
    second = csv_body(f"{UAI_A};E1;Martin;Léa;14/03/2010;1G2;Martin;Claire")
    created = await post_import(as_("it_a"), first, dry_run=False)
    assert (created.json()["created"], created.json()["updated"]) == (1, 0)
    updated = await post_import(as_("it_a"), second, dry_run=False)
    assert (updated.json()["created"], updated.json()["updated"]) == (0, 1)
    assert await Student.count() == 1


async def test_an_import_with_errors_is_a_422_listing_lines_and_columns(as_, world):
    data = csv_body(
        f"{UAI_A};E1;Martin;Léa;14/03/2010;2NDE3;;",
        f"{UAI_B};E2;Petit;Hugo;14/03/2010;2NDE3;;",
        f"{UAI_A};E3;;Zoé;2010-13-01;2NDE3;;",
    )
    response = await post_import(as_("it_a"), data, dry_run=False)
    body = assert_problem(response, 422)
    assert [(e["line"], e["field"]) for e in body["errors"]] == [
        (3, "uai"),
        (4, "last_name"),
        (4, "birth_date"),
    ]
    assert await Student.count() == 0


async def test_the_list_finds_students_by_the_beginning_of_their_ine(as_, world):
    await make_student("A", last_name="Dupont", ine="1234567890A")
    await make_student("A", last_name="Durand", ine="9234567890A")
    response = await as_("it_a").get(STUDENTS, params={"ine": "12345"})
    assert [item["last_name"] for item in response.json()["items"]] == ["Dupont"]
    assert_problem(await as_("it_a").get(STUDENTS, params={"ine": "1" * 21}), 400, "ine")


async def test_a_departure_is_refused_while_a_device_waits_to_be_handed_over(as_, world):
    student = await make_student()
    await make_asset("A-1", UAI_A, world.model_id)
    await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag="A-1", student_id=student.id, max_open_per_category=1
    )
    response = await as_("it_a").post(
        f"{STUDENTS}/{student.id}/left", json={"left_on": "2026-09-01"}
    )
    assert_problem(response, 409, "left_on")


async def test_removing_a_guardian_who_signed_is_a_409_naming_the_guardian(as_, world):
    student = await make_student(guardians=[guardian_fields()])
    await active_loan(world, "PC-SIGNED-API", UAI_A, student.id)
    guardian = student.guardians[0].id
    response = await as_("it_a").delete(f"/api/v1/students/{student.id}/guardians/{guardian}")
    assert_problem(response, 409, "guardian")
    assert (await as_("it_a").get(f"/api/v1/students/{student.id}")).json()["guardians"]


async def test_a_row_still_referenced_is_a_conflict_on_either_engine(world):
    """The net behind the use-cases: a delete the database refuses for a foreign key is
    answered 409, not 500 (api.errors)."""
    try:
        await Region.delete().where(Region.id == world.region_ids["24"])
    except Exception as error:  # the driver's own error, whichever engine
        assert is_foreign_key_violation(error)
        assert not is_unique_violation(error)
    else:
        raise AssertionError("a region with schools was deleted")
