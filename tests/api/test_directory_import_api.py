"""POST /api/v1/regions/{code}/directory-imports: AAF files in, the report out, scoped."""

from __future__ import annotations

from loans.tables import Guardian, Student
from tests.api.problems import assert_problem
from tests.factories import UAI_A
from tests.loans.aaf_files import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    aaf,
    link,
    relative,
    structure,
    student,
)

URL = "/api/v1/regions/24/directory-imports"
FILE = aaf(structure("S1", UAI_A), student("E1", relatives=[link("R1")]), relative("R1"))


async def post_xml(client, data: bytes, **params):
    return await client.post(
        URL, content=data, params=params, headers={"Content-Type": "application/xml"}
    )


async def test_a_dry_run_reports_and_writes_nothing(as_, world):
    response = await post_xml(as_("manager_24"), FILE, mode="complet")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["dry_run"], body["mode"], body["added"], body["guardians_added"]) == (
        True,
        "complet",
        1,
        1,
    )
    assert body["errors"] == [] and body["files"] == ["requête.xml"]
    assert await Student.count() == 0


async def test_the_import_writes_and_a_second_one_changes_nothing(as_, world):
    manager = as_("manager_24")

    first = await post_xml(manager, FILE, mode="complet", dry_run="false")
    again = await post_xml(manager, FILE, mode="complet", dry_run="false")

    assert first.json()["added"] == 1
    assert (again.json()["added"], again.json()["changed"], again.json()["unchanged"]) == (0, 0, 1)
    assert (await Student.count(), await Guardian.count()) == (1, 1)


async def test_split_files_go_together_in_one_multipart_request(as_, world):
    files = [
        ("files", ("ENT_Complet_Eleve.xml", aaf(student("E1", relatives=[link("R1")])))),
        ("files", ("ENT_Complet_PersRelEleve.xml", aaf(relative("R1")))),
        ("files", ("ENT_Complet_Etab.xml", aaf(structure("S1", UAI_A)))),
    ]

    response = await as_("admin").post(URL, files=files, params={"dry_run": "false"})

    assert response.status_code == 200, response.text
    assert (response.json()["mode"], response.json()["added"]) == ("complet", 1)
    assert await Guardian.count() == 1


async def test_entry_errors_come_with_the_entry_and_the_attribute(as_, world):
    data = aaf(structure("S1", UAI_A), student("E1", birth="1/1/1"), student("E2"))

    response = await post_xml(as_("manager_24"), data, mode="delta", dry_run="false")

    body = response.json()
    assert body["added"] == 1
    assert [(e["entry"], e["field"]) for e in body["errors"]] == [("E1", "ENTPersonDateNaissance")]


async def test_hostile_xml_is_a_422_naming_the_files_and_nothing_is_imported(as_, world):
    for hostile in (BILLION_LAUGHS, EXTERNAL_ENTITY):
        response = await post_xml(as_("manager_24"), hostile, mode="complet", dry_run="false")

        body = assert_problem(response, 422, "files")
        assert "entités XML" in body["errors"][0]["detail"]
    assert await Student.count() == 0


async def test_without_a_mode_nor_a_file_name_saying_it_the_mode_is_asked_for(as_, world):
    response = await post_xml(as_("manager_24"), FILE)

    assert_problem(response, 422, "mode")


async def test_another_region_s_manager_gets_404_and_school_staff_403(as_, world):
    assert_problem(await post_xml(as_("manager_44"), FILE, mode="complet"), 404)
    assert_problem(await post_xml(as_("it_a"), FILE, mode="complet"), 403)
    assert_problem(await post_xml(as_("head_a"), FILE, mode="complet"), 403)
    assert await Student.count() == 0


async def test_a_json_body_is_not_an_aaf_file(as_, world):
    response = await as_("manager_24").post(URL, json={"file": "x"}, params={"mode": "delta"})

    assert_problem(response, 422, "files")


async def test_the_operation_is_documented_with_its_problems(client, world):
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/regions/{code}/directory-imports"]["post"]

    assert {"403", "404", "415", "422"} <= set(operation["responses"])
    assert operation["parameters"]
