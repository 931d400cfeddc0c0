"""CSV import of students and guardians: checked first, all or nothing, re-import updates."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from inventory.csv_format import LineError
from inventory.errors import Conflict
from loans import student_import, students
from loans.student_import import import_students
from loans.students import StudentFilters
from loans.tables import Guardian, Student
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, UAI_B, UAI_C, make_student, scope_of

HEADER = (
    "uai;ent_id;ine;last_name;first_name;birth_date;class_name;"
    "guardian1_last_name;guardian1_first_name;guardian1_email;guardian1_phone;"
    "guardian1_legal_authority;guardian2_last_name;guardian2_first_name;guardian2_email;"
    "guardian2_phone;guardian2_legal_authority"
)
MOTHER = ["Martin", "Claire", "claire@example.fr", "0612345678", "oui"]
FATHER = ["Martin", "Paul", "paul@example.fr", "", "non"]
NO_GUARDIAN = [""] * 5


def row(
    ent_id: str = "ENT1",
    *,
    uai: str = UAI_A,
    ine: str = "",
    last_name: str = "Martin",
    first_name: str = "Léa",
    birth_date: str = "14/03/2010",
    class_name: str = "2NDE3",
    guardian1: list[str] = MOTHER,
    guardian2: list[str] = NO_GUARDIAN,
    sep: str = ";",
) -> str:
    values = [uai, ent_id, ine, last_name, first_name, birth_date, class_name]
    return sep.join([*values, *guardian1, *guardian2])


def csv_file(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


async def run(data: bytes, scope=PLATFORM, dry_run: bool = False, **kwargs):
    return await import_students(scope, ACTOR, NOW, data, dry_run=dry_run, **kwargs)


async def all_students():
    page = await students.list_students(PLATFORM, StudentFilters(), limit=500)
    return [await students.get_student(PLATFORM, s.id) for s in page.items]


async def test_a_valid_file_creates_the_students_and_their_guardians(world):
    data = csv_file(
        row("ENT1", ine="1234567890A", guardian2=FATHER),
        row("ENT2", uai=UAI_B, last_name="Petit", first_name="Hugo", birth_date="2009-11-30"),
        row("", uai=UAI_C, last_name="Moreau", class_name="1ère g2", guardian1=NO_GUARDIAN),
    )

    report = await run(data)

    assert report.errors == []
    assert (report.rows, report.created, report.updated) == (3, 3, 0)
    lea, moreau, hugo = await all_students()
    assert (lea.ent_id, lea.ine, lea.establishment.uai, lea.region_code) == (
        "ENT1",
        "1234567890A",
        UAI_A,
        "24",
    )
    assert lea.birth_date == dt.date(2010, 3, 14)
    assert [(g.first_name, g.legal_authority) for g in lea.guardians] == [
        ("Claire", True),
        ("Paul", False),
    ]
    assert lea.guardians[0].email == "claire@example.fr"
    assert hugo.birth_date == dt.date(2009, 11, 30)
    assert (moreau.ent_id, moreau.class_name, moreau.region_code) == (None, "1EREG2", "44")
    assert moreau.guardians == []


async def test_a_dry_run_reports_what_would_be_created_and_writes_nothing(world):
    report = await run(csv_file(row("ENT1"), row("ENT2", first_name="Hugo")), dry_run=True)
    assert (report.rows, report.created, report.updated, report.errors) == (2, 2, 0, [])
    assert (await Student.count(), await Guardian.count()) == (0, 0)


async def test_a_bad_line_writes_nothing_and_its_errors_name_line_and_column(world):
    data = csv_file(
        row("ENT1"),
        row("ENT2", ine="12", birth_date="31/02/2010", first_name="Hugo"),
        row("ENT3", first_name="", class_name="2NDE 3!", guardian1=["", "Claire", "x", "", ""]),
    )

    report = await run(data)

    assert report.created == 0
    assert report.errors == [
        LineError(3, "ine", report.errors[0].message),
        LineError(3, "birth_date", "date invalide : JJ/MM/AAAA attendu"),
        LineError(4, "first_name", "ce champ est obligatoire"),
        LineError(4, "class_name", report.errors[3].message),
        LineError(4, "guardian1_last_name", "ce champ est obligatoire"),
        LineError(4, "guardian1_email", "adresse électronique invalide"),
    ]
    assert "INE" in report.errors[0].message
    assert (await Student.count(), await Guardian.count()) == (0, 0)


async def test_a_reimport_updates_the_students_instead_of_duplicating_them(world):
    await run(csv_file(row("ENT1", class_name="2NDE3"), row("ENT2", first_name="Hugo")))
    first = {s.ent_id: s for s in await all_students()}

    report = await run(
        csv_file(
            row("ENT1", class_name="1G2"),
            row("ENT2", first_name="Hugo", class_name="1G4"),
            row("ENT3", first_name="Inès"),
        )
    )

    assert (report.created, report.updated, report.errors) == (1, 2, [])
    after = {s.ent_id: s for s in await all_students()}
    assert set(after) == {"ENT1", "ENT2", "ENT3"}
    assert after["ENT1"].id == first["ENT1"].id
    assert (after["ENT1"].class_name, after["ENT2"].class_name) == ("1G2", "1G4")


async def test_a_reimport_replaces_the_guardians_keeping_those_of_the_same_name(world):
    await run(csv_file(row("ENT1", guardian2=FATHER)))
    before = (await all_students())[0].guardians
    new_mother = ["Martin", "Claire", "claire.martin@example.fr", "0699999999", "oui"]
    grandmother = ["Durand", "Odile", "odile@example.fr", "", "non"]

    report = await run(csv_file(row("ENT1", guardian1=new_mother, guardian2=grandmother)))

    assert report.updated == 1
    after = (await all_students())[0].guardians
    assert [(g.first_name, g.email) for g in after] == [
        ("Claire", "claire.martin@example.fr"),
        ("Odile", "odile@example.fr"),
    ]
    assert after[0].id == before[0].id  # same person, kept and updated
    assert await Guardian.count() == 2


async def test_a_row_without_guardians_keeps_the_students_guardians(world):
    await run(csv_file(row("ENT1", guardian2=FATHER)))
    await run(csv_file(row("ENT1", class_name="1G1", guardian1=NO_GUARDIAN)))
    assert len((await all_students())[0].guardians) == 2


async def test_a_student_without_identifiers_is_matched_by_school_name_and_birth_date(world):
    existing = await make_student(ent_id=None, last_name="Le Gall", first_name="Élise")
    report = await run(
        csv_file(row("", last_name="LE  GALL", first_name="élise", class_name="TG3"))
    )
    assert (report.created, report.updated) == (0, 1)
    updated = await students.get_student(PLATFORM, existing.id)
    assert (updated.class_name, updated.last_name) == ("TG3", "LE GALL")


async def test_an_ine_in_the_file_matches_and_completes_the_student(world):
    existing = await make_student(ent_id=None, ine="1234567890A", first_name="Léa")
    report = await run(csv_file(row("ENT-NEW", ine="1234567890a", first_name="Léa")))
    assert (report.created, report.updated) == (0, 1)
    assert (await students.get_student(PLATFORM, existing.id)).ent_id == "ENT-NEW"


async def test_an_establishment_outside_the_scope_is_an_error_on_its_line(world):
    report = await run(
        csv_file(row("ENT1"), row("ENT2", uai=UAI_B, first_name="Hugo")),
        scope=scope_of(world, "it_a"),
    )
    assert [(e.line, e.column) for e in report.errors] == [(3, "uai")]
    assert UAI_B in report.errors[0].message
    assert await Student.count() == 0


async def test_an_identifier_of_a_student_outside_the_scope_is_an_error(world):
    await make_student("B", ent_id="ENT9", ine="1234567890A")
    report = await run(csv_file(row("", ine="1234567890A")), scope=scope_of(world, "it_a"))
    assert [(e.line, e.column) for e in report.errors] == [(2, "ine")]


async def test_a_student_twice_in_the_file_is_an_error(world):
    report = await run(csv_file(row("ENT1"), row("ENT1", first_name="Hugo")))
    assert [(e.line, e.column) for e in report.errors] == [(3, "ent_id")]
    assert "ligne 2" in report.errors[0].message


async def test_an_ine_of_another_student_than_the_ent_id_names_is_an_error(world):
    await make_student(ent_id="ENT1", ine=None, first_name="Léa")
    await make_student(ent_id="ENT2", ine="1234567890A", first_name="Hugo")
    report = await run(csv_file(row("ENT1", ine="1234567890A")))
    assert [(e.line, e.column) for e in report.errors] == [(2, "ine")]


async def test_a_comma_separated_cp1252_file_with_iso_dates_is_read(world):
    header = HEADER.replace(";", ",")
    data = csv_file(
        row("ENT1", first_name="Zoé", birth_date="2010-03-14", sep=","),
        header=header,
        encoding="cp1252",
    )
    report = await run(data)
    assert report.errors == []
    assert (await all_students())[0].first_name == "Zoé"


async def test_a_utf8_file_with_a_bom_and_uppercase_headers_is_read(world):
    data = "\ufeff".encode() + csv_file(row("ENT1"), header=HEADER.upper())
    assert (await run(data)).created == 1


async def test_unknown_and_missing_columns_are_reported_on_the_header_line(world):
    report = await run(csv_file("0450001A;X", header="uai;surname"))
    columns = {(e.line, e.column) for e in report.errors}
    assert (1, "surname") in columns
    assert {(1, "last_name"), (1, "first_name"), (1, "birth_date")} <= columns


async def test_an_empty_file_is_reported(world):
    report = await run(b"")
    assert [(e.line, e.column) for e in report.errors] == [(1, "")]


async def test_a_file_over_the_row_cap_is_refused_whole(world, monkeypatch):
    monkeypatch.setattr(student_import, "MAX_ROWS", 2)
    report = await run(csv_file(*(row(f"ENT{n}", first_name=f"P{n}") for n in range(3))))
    assert len(report.errors) == 1
    assert "3 lignes" in report.errors[0].message
    assert await Student.count() == 0


async def test_progress_is_reported_for_checking_and_writing(world):
    steps = []
    data = csv_file(row("ENT1"), row("ENT2", first_name="Hugo"))
    await run(data, progress=lambda done, total: steps.append((done, total)))
    assert steps == [(2, 4), (4, 4)]


async def test_the_import_logs_counts_but_no_personal_value(world, caplog):
    caplog.set_level(logging.INFO, logger="ordipret.audit")
    await run(csv_file(row("ENT1", last_name="Confidentiel")))
    assert "1 created, 0 updated" in caplog.text
    assert "Confidentiel" not in caplog.text and "ENT1" not in caplog.text


@pytest.mark.parametrize("value", ["", "oui", "Non", "1", "0", "x"])
async def test_legal_authority_reads_french_and_english_yes_and_no(world, value):
    guardian = ["Martin", "Claire", "", "", value]
    assert (await run(csv_file(row("ENT1", guardian1=guardian)))).errors == []
    expected = value.casefold() not in ("non", "0")
    assert (await all_students())[0].guardians[0].legal_authority is expected


async def test_an_identifier_taken_between_check_and_write_leaves_nothing_written(
    world, monkeypatch
):
    taken = await make_student(ent_id="AUTRE", ine="1234567890A")
    real_existing = student_import._existing

    async def blind_first_check(rows):  # as if the student was created after the check
        found = await real_existing(rows)
        blind_first_check.calls += 1
        return found if blind_first_check.calls > 2 else ({}, {}, {})

    blind_first_check.calls = 0
    monkeypatch.setattr(student_import, "_existing", blind_first_check)
    monkeypatch.setattr(student_import, "CHUNK", 1)  # the first row is written, then undone
    data = csv_file(row("ENT1"), row("", ine="1234567890A", first_name="Hugo"))

    with pytest.raises(Conflict):  # on a second look the row is that student: run it again
        await run(data)

    assert (await Student.count(), await Guardian.count()) == (1, 0)
    assert (await students.get_student(PLATFORM, taken.id)).first_name == taken.first_name
