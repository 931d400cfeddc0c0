"""A student's record keeps its history (who, when, what), the search reads indexes and
finds by INE, and a departure says what happens to the loans still open."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory.errors import Conflict, NotFound
from loans import ent_linking, guardians, lifecycle, student_import, students
from loans.borrower_loans import open_loans_of
from loans.student_history import student_history
from loans.students import StudentFilters
from loans.tables import Student
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    active_loan,
    ent_identity,
    guardian_fields,
    make_asset,
    make_student,
    scope_of,
)
from tests.loans.aaf_files import aaf, structure, student
from tests.loans.test_directory_import import run


async def actions_of(student_id: int) -> list[str]:
    return [event.action for event in await student_history(PLATFORM, student_id)]


async def test_enrolling_a_student_records_who_did_it_without_their_personal_data(world):
    student = await make_student(guardians=[guardian_fields()])
    (event,) = await student_history(PLATFORM, student.id)
    assert (event.action, event.actor_name) == ("created", ACTOR.name)
    assert event.changes["class_name"] == [None, "2NDE3"]
    assert event.changes["establishment_uai"] == [None, UAI_A]
    assert event.changes["last_name"] is None  # named, its value not kept
    assert student.last_name not in str(event.changes)


async def test_every_change_of_the_record_and_its_guardians_is_in_the_history(world):
    student = await make_student()
    later = NOW + dt.timedelta(hours=1)
    await students.update_student(PLATFORM, ACTOR, later, student.id, {"class_name": "1G2"})
    guardian = await guardians.add_guardian(PLATFORM, ACTOR, later, student.id, guardian_fields())
    await guardians.update_guardian(
        PLATFORM, ACTOR, later, student.id, guardian.id, {"legal_authority": False}
    )
    await guardians.remove_guardian(PLATFORM, ACTOR, later, student.id, guardian.id)
    await students.mark_left(PLATFORM, ACTOR, later, student.id, dt.date(2026, 9, 1))
    history = await student_history(PLATFORM, student.id)
    assert [e.action for e in history] == [
        "created",
        "updated",
        "guardian_added",
        "guardian_updated",
        "guardian_removed",
        "left",
    ]
    assert history[1].changes == {"class_name": ["2NDE3", "1G2"]}
    assert history[2].changes == {"guardian": [None, "Claire Martin"]}
    assert history[3].changes == {"legal_authority": [True, False]}
    assert history[5].changes == {"left_on": [None, "2026-09-01"]}


async def test_an_update_that_changes_nothing_writes_no_event(world):
    student = await make_student()
    await students.update_student(PLATFORM, ACTOR, NOW, student.id, {"class_name": "2nde 3"})
    assert await actions_of(student.id) == ["created"]


async def test_the_history_of_another_schools_student_is_not_found(world):
    student = await make_student("B")
    with pytest.raises(NotFound):
        await student_history(scope_of(world, "it_a"), student.id)


async def test_a_csv_import_records_one_event_per_student_created_or_changed(world):
    kept = await make_student(ent_id="ENT-KEPT", class_name="2NDE1")
    csv = (
        "uai;ent_id;last_name;first_name;birth_date;class_name\n"
        f"{UAI_A};ENT-NEW;Neuf;Jules;01/02/2010;2NDE2\n"
        f"{UAI_A};ENT-KEPT;{kept.last_name};{kept.first_name};14/03/2010;1G1\n"
    ).encode()
    report = await student_import.import_students(PLATFORM, ACTOR, NOW, csv, dry_run=False)
    assert (report.created, report.updated) == (1, 1)
    assert await actions_of(kept.id) == ["created", "import_updated"]
    changed = (await student_history(PLATFORM, kept.id))[1].changes
    assert changed == {"class_name": None}
    new = await Student.select(Student.id).where(Student.ent_id == "ENT-NEW").first()
    assert await actions_of(new["id"]) == ["imported"]


# The search


async def test_the_search_finds_by_the_beginning_of_the_ine(world):
    wanted = await make_student(ine="1234567890A")
    await make_student(ine="9234567890B")
    page = await students.list_students(PLATFORM, StudentFilters(ine="12345 67"))
    assert [s.id for s in page.items] == [wanted.id]


async def test_the_name_search_ignores_case_and_reads_the_prefix_only(world):
    wanted = await make_student(last_name="Durand", first_name="Léa")
    await make_student(last_name="Aldurand", first_name="Hugo")
    for typed in ("dur", "DUR", "durand léa", "lé"):
        page = await students.list_students(PLATFORM, StudentFilters(q=typed))
        assert [s.id for s in page.items] == [wanted.id], typed


async def test_percent_and_underscore_typed_in_the_search_are_not_wildcards(world):
    await make_student(last_name="Durand")
    page = await students.list_students(PLATFORM, StudentFilters(q="%ura"))
    assert page.items == []
    for typed in ({"q": "dur\\"}, {"ine": "12\\"}, {"q": "_"}):
        await students.list_students(PLATFORM, StudentFilters(**typed))  # no SQL error


# Departure and open loans


async def test_a_student_who_leaves_with_a_device_keeps_the_loan_open(world):
    student = await make_student()
    loan_id = await active_loan(world, "A-1", UAI_A, student.id)
    await students.mark_left(PLATFORM, ACTOR, NOW, student.id, dt.date(2026, 9, 1))
    (held,) = (await open_loans_of([student.id]))[student.id]
    assert (held.id, held.asset_tag, held.state) == (loan_id, "A-1", "active")


async def test_a_departure_is_refused_while_a_device_waits_to_be_handed_over(world):
    student = await make_student()
    await make_asset("A-2", UAI_A, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag="A-2", student_id=student.id, max_open_per_category=1
    )
    with pytest.raises(Conflict) as refused:
        await students.mark_left(PLATFORM, ACTOR, NOW, student.id, dt.date(2026, 9, 1))
    assert f"prêt n° {loan_id} (A-2)" in refused.value.message
    assert refused.value.fields == {"left_on": refused.value.message}
    assert (await students.get_student(PLATFORM, student.id)).left_on is None
    assert await actions_of(student.id) == ["created"]


async def test_open_loans_are_read_per_category(world):
    student = await make_student()
    await active_loan(world, "A-3", UAI_A, student.id)
    assert (await open_loans_of([student.id], "laptop"))[student.id][0].asset_tag == "A-3"
    assert await open_loans_of([student.id], "tablet") == {}


# The directory import (AAF) writes the same history


async def test_a_directory_import_records_who_created_changed_or_marked_students_left(world):
    gone = await make_student("A", ent_id="GONE")
    await run([("Complet.xml", aaf(structure("S1", UAI_A), student("E1")))])
    moved = aaf(structure("S1", UAI_A), student("E1", classes="1G1"))
    await run([("Complet.xml", moved)])

    assert await actions_of(gone.id) == ["created", "directory_left"]
    new = await Student.select(Student.id).where(Student.ent_id == "E1").first()
    history = await student_history(PLATFORM, new["id"])
    assert [e.action for e in history] == ["directory_created", "directory_updated"]
    assert history[1].changes == {"class_name": None}
    assert history[1].actor_name == ACTOR.name


async def test_confirming_an_ent_link_is_in_the_students_history(world):
    student = await make_student("A", ent_id=None, last_name="Dupont", first_name="Léa")
    identity = ent_identity("K-9", last_name="Dupont", first_name="Léa")
    await ent_linking.access_for(identity, NOW)
    (proposal,) = await ent_linking.list_proposals(PLATFORM)
    await ent_linking.confirm_proposal(PLATFORM, ACTOR, NOW, proposal.id)
    history = await student_history(PLATFORM, student.id)
    assert [(e.action, e.changes) for e in history][-1] == ("ent_linked", {"ent_id": None})
