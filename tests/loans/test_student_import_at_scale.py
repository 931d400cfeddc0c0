"""The student import into a table that already holds many students: the same matches as into
an empty one (namesakes looked up by exact school and birth date, not by reading whole
schools), in several chunks, and a re-import that changes nothing."""

from __future__ import annotations

import datetime as dt

from loans import student_import
from loans.student_import import import_students
from loans.tables import Guardian, Student, StudentEvent
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, UAI_B
from tests.loans.test_student_import import NO_GUARDIAN, csv_file, row
from tests.report_tallies import assert_tallies_match_a_recount

CROWD = 1_500


def crowd_file() -> bytes:
    """Students of lycées A and B born over two years, and the near-namesakes of the rows of
    `the_file`: same school and day with other names, same names on another day or in
    another school, a student known without identifiers, one known by INE, one by ENT id."""
    lines = []
    for n in range(CROWD):
        born = dt.date(2009, 1, 1) + dt.timedelta(days=n % 730)
        lines.append(
            row(
                f"CROWD{n}" if n % 3 else "",
                uai=(UAI_A, UAI_B)[n % 2],
                ine=f"{n:09d}AB" if n % 5 else "",
                last_name=f"Foule{n}",
                first_name="Camille",
                birth_date=born.strftime("%d/%m/%Y"),
                guardian1=NO_GUARDIAN,
            )
        )
    lines += [
        row("", last_name="Martin", first_name="Léa", birth_date="15/03/2010"),
        row("", uai=UAI_B, last_name="Martin", first_name="Léa", birth_date="14/03/2010"),
        row("", last_name="Martin", first_name="Lou", birth_date="14/03/2010"),
        row("", last_name="PETIT  ", first_name="hugo", birth_date="30/11/2009"),
        row("", ine="1234567890A", last_name="Durand", first_name="Inès"),
        row("ENT-AUTRE", last_name="Roux", first_name="Jade", birth_date="02/02/2010"),
    ]
    return csv_file(*lines)


def the_file(class_name: str = "1G2") -> bytes:
    petit = dict(last_name="Petit", first_name="Hugo", birth_date="30/11/2009")
    foule7 = dict(last_name="Foule7", first_name="Camille", birth_date="08/01/2009")
    return csv_file(
        row("", last_name="Martin", first_name="Léa", class_name=class_name),  # new
        row("", **petit, class_name=class_name),  # by school, names and birth date
        row("ENT-NEW", ine="1234567890a", last_name="Durand", first_name="Inès"),  # by INE
        row("CROWD7", uai=UAI_B, ine="000000007AB", **foule7, class_name=class_name),  # ENT id
        # The crowd's Jade Roux has another ENT id: another person, born the same day.
        row("ENT-JADE", last_name="Roux", first_name="Jade", birth_date="02/02/2010"),
    )


async def run(data: bytes, dry_run: bool = False):
    return await import_students(PLATFORM, ACTOR, NOW, data, dry_run=dry_run)


async def snapshot() -> dict[int, tuple]:
    rows = await Student.select(
        Student.id, Student.ent_id, Student.ine, Student.last_name, Student.class_name
    )
    return {r["id"]: (r["ent_id"], r["ine"], r["last_name"], r["class_name"]) for r in rows}


async def test_a_file_imported_into_a_crowded_table_matches_only_its_own_students(
    world, monkeypatch
):
    assert (await run(crowd_file())).created == CROWD + 6
    before = await snapshot()
    monkeypatch.setattr(student_import, "CHUNK", 2)  # matches across several chunks

    checked = await run(the_file(), dry_run=True)
    report = await run(the_file())

    assert (checked.created, checked.updated, checked.errors) == (2, 3, [])
    assert (report.created, report.updated, report.errors) == (2, 3, [])
    after = await snapshot()
    changed = {i: after[i] for i in before if after[i] != before[i]}
    by_name = {values[2]: values for values in changed.values()}
    assert set(by_name) == {"Petit", "Durand", "Foule7"}
    assert by_name["Petit"] == (None, None, "Petit", "1G2")
    assert by_name["Durand"][:2] == ("ENT-NEW", "1234567890A")
    assert by_name["Foule7"][3] == "1G2"
    new = [after[i] for i in set(after) - set(before)]
    assert sorted((v[2], v[0]) for v in new) == [("Martin", None), ("Roux", "ENT-JADE")]
    await assert_tallies_match_a_recount()


async def test_a_reimport_into_a_crowded_table_changes_nothing(world, monkeypatch):
    await run(crowd_file())
    monkeypatch.setattr(student_import, "CHUNK", 2)
    await run(the_file())
    before = await snapshot()
    counts = (await Guardian.count(), await StudentEvent.count())

    again = await run(the_file())

    assert (again.created, again.updated, again.errors) == (0, 5, [])
    assert await snapshot() == before
    assert (await Guardian.count(), await StudentEvent.count()) == counts
    await assert_tallies_match_a_recount()


async def test_a_second_file_moving_the_classes_updates_each_student_once(world):
    await run(crowd_file())
    await run(the_file())
    events = await StudentEvent.count()

    moved = await run(the_file(class_name="TG1"))

    assert (moved.created, moved.updated) == (0, 5)
    classes = await Student.select(Student.last_name, Student.class_name).where(
        Student.class_name == "TG1"
    )
    assert sorted(r["last_name"] for r in classes) == ["Foule7", "Martin", "Petit"]
    assert await StudentEvent.count() == events + 3  # only the students whose class moved
    await assert_tallies_match_a_recount()
