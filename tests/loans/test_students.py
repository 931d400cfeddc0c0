"""Students and guardians: scoped reads, validation, duplicates, departures, the audit log."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from inventory.errors import Conflict, Invalid, NotFound
from loans import guardians, students
from loans.minors import age_on, is_minor, paris_day
from loans.students import StudentFilters
from loans.tables import Guardian, Student
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    UAI_A,
    UAI_B,
    UAI_C,
    active_loan,
    guardian_fields,
    make_student,
    scope_of,
)

# Minors


@pytest.mark.parametrize(
    ("birth", "day", "minor"),
    [
        (dt.date(2008, 9, 2), dt.date(2026, 9, 1), True),  # 18 tomorrow
        (dt.date(2008, 9, 1), dt.date(2026, 9, 1), False),  # 18 today
        (dt.date(2008, 8, 31), dt.date(2026, 9, 1), False),
        (dt.date(2010, 3, 14), dt.date(2026, 9, 1), True),
    ],
)
def test_a_student_is_a_minor_until_the_day_of_their_eighteenth_birthday(birth, day, minor):
    assert is_minor(birth, day) is minor


def test_someone_born_on_29_february_comes_of_age_on_1_march_in_a_common_year():
    born = dt.date(2008, 2, 29)
    assert is_minor(born, dt.date(2026, 2, 28))
    assert not is_minor(born, dt.date(2026, 3, 1))


def test_someone_born_on_29_february_has_a_birthday_on_29_february_in_leap_years():
    born = dt.date(2012, 2, 29)
    assert age_on(born, dt.date(2028, 2, 28)) == 15
    assert age_on(born, dt.date(2028, 2, 29)) == 16


def test_the_day_of_signature_is_the_calendar_day_in_paris():
    late_evening = dt.datetime(2026, 5, 31, 22, 30, tzinfo=dt.UTC)  # 00:30 on 1 June in Paris
    assert paris_day(late_evening) == dt.date(2026, 6, 1)


# Creating


async def test_a_student_is_created_in_the_region_of_their_establishment(world):
    student = await make_student("C", ent_id="metz-001")
    assert student.region_code == "44"
    row = await Student.select(Student.region).where(Student.id == student.id).first()
    assert row["region"] == world.region_ids["44"]


async def test_names_class_and_identifiers_are_normalised(world):
    student = await make_student(
        last_name="  Le   Gall ",
        first_name=" Élise ",
        class_name=" 1ère g2 ",
        ine=" 1234567890a ",
        ent_id="  ",
    )
    assert (student.last_name, student.first_name) == ("Le Gall", "Élise")
    assert student.class_name == "1EREG2"
    assert student.ine == "1234567890A"
    assert student.ent_id is None


async def test_an_ine_of_nine_digits_and_two_letters_is_accepted(world):
    assert (await make_student(ine="123456789AB")).ine == "123456789AB"


async def test_a_student_is_created_with_their_guardians(world):
    student = await make_student(
        guardians=[guardian_fields(), guardian_fields(first_name="Paul", legal_authority=False)]
    )
    assert [(g.first_name, g.legal_authority) for g in student.guardians] == [
        ("Claire", True),
        ("Paul", False),
    ]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"ine": "12345"}, "ine"),
        ({"ine": "ABCDEFGHIJK"}, "ine"),
        ({"birth_date": dt.date(2027, 1, 1)}, "birth_date"),
        ({"birth_date": None}, "birth_date"),
        ({"last_name": "  "}, "last_name"),
        ({"first_name": ""}, "first_name"),
        ({"class_name": "2NDE3!"}, "class_name"),
        ({"class_name": "X" * 21}, "class_name"),
        ({"ent_id": "avec espace"}, "ent_id"),
        ({"establishment_uai": ""}, "establishment_uai"),
    ],
)
async def test_invalid_fields_are_refused_naming_the_field(world, fields, named):
    with pytest.raises(Invalid) as refused:
        await make_student(**fields)
    assert named in refused.value.errors
    assert await Student.count() == 0


async def test_every_invalid_field_is_named_at_once(world):
    with pytest.raises(Invalid) as refused:
        await make_student(
            last_name="", ine="1", guardians=[guardian_fields(email="pas-une-adresse")]
        )
    assert set(refused.value.errors) == {"last_name", "ine", "guardians[0].email"}


async def test_it_staff_cannot_create_a_student_in_another_school(world):
    with pytest.raises(Invalid) as refused:
        await make_student("B", scope=scope_of(world, "it_a"))
    assert "establishment_uai" in refused.value.errors


async def test_a_second_student_with_the_same_ent_id_in_the_region_is_refused(world):
    await make_student("A", ent_id="ent-42")
    with pytest.raises(Conflict) as refused:
        await make_student("B", ent_id="ent-42")
    assert refused.value.field == "ent_id"
    assert await Student.count() == 1


async def test_the_same_ent_id_is_allowed_in_another_region(world):
    await make_student("A", ent_id="ent-42")
    assert (await make_student("C", ent_id="ent-42")).region_code == "44"


async def test_several_students_may_wait_for_their_ent_id(world):
    await make_student(ent_id=None)
    await make_student(ent_id="")
    assert await Student.count() == 2


async def test_a_second_student_with_the_same_ine_is_refused_with_nothing_written(world):
    await make_student("A", ine="1234567890A")
    with pytest.raises(Conflict) as refused:
        await make_student("C", ine="1234567890A", guardians=[guardian_fields()])
    assert refused.value.field == "ine"
    assert (await Student.count(), await Guardian.count()) == (1, 0)


# Reading


@pytest.mark.parametrize("persona", ["it_b", "manager_44"])
async def test_a_student_outside_the_scope_is_not_found(world, persona):
    student = await make_student("A")
    with pytest.raises(NotFound):
        await students.get_student(scope_of(world, persona), student.id)


@pytest.mark.parametrize("persona", ["it_a", "it_ab", "head_a", "manager_24", "admin"])
async def test_a_student_is_read_by_everyone_whose_scope_covers_their_school(world, persona):
    student = await make_student("A", guardians=[guardian_fields()])
    read = await students.get_student(scope_of(world, persona), student.id)
    assert read == student


async def test_an_unknown_student_is_not_found(world):
    with pytest.raises(NotFound):
        await students.get_student(PLATFORM, 999_999)


async def test_a_list_holds_only_the_students_in_scope(world):
    await make_student("A", last_name="Alpha")
    await make_student("B", last_name="Bravo")
    await make_student("C", last_name="Charlie")
    page = await students.list_students(scope_of(world, "it_a"), StudentFilters())
    assert [s.last_name for s in page.items] == ["Alpha"]
    assert page.total == 1
    page = await students.list_students(scope_of(world, "manager_24"), StudentFilters())
    assert [s.last_name for s in page.items] == ["Alpha", "Bravo"]


async def test_a_list_filters_by_school_class_departure_and_name_prefix(world):
    await make_student("A", last_name="Dupont", first_name="Marie", class_name="2NDE3")
    await make_student("A", last_name="Durand", first_name="Marc", class_name="1G2")
    gone = await make_student("B", last_name="Dumas", first_name="Anne", class_name="2NDE3")
    await students.mark_left(PLATFORM, ACTOR, NOW, gone.id, dt.date(2026, 9, 1))

    async def names(**filters) -> list[str]:
        page = await students.list_students(PLATFORM, StudentFilters(**filters))
        return [s.last_name for s in page.items]

    assert await names(establishment_uai=UAI_A.lower()) == ["Dupont", "Durand"]
    assert await names(class_name="2nde 3") == ["Dumas", "Dupont"]
    assert await names(left=True) == ["Dumas"]
    assert await names(left=False) == ["Dupont", "Durand"]
    assert await names(q="du") == ["Dumas", "Dupont", "Durand"]
    assert await names(q="dup") == ["Dupont"]
    assert await names(q="mar") == ["Dupont", "Durand"]  # first names
    assert await names(q="du mari") == ["Dupont"]
    assert await names(q="%") == ["Dumas", "Dupont", "Durand"]  # no wildcard injection


async def test_a_list_is_paginated_with_its_total(world):
    for n in range(5):
        await make_student(last_name=f"Nom{n}")
    page = await students.list_students(PLATFORM, StudentFilters(), limit=2, offset=2)
    assert [s.last_name for s in page.items] == ["Nom2", "Nom3"]
    assert (page.total, page.limit, page.offset) == (5, 2, 2)


async def test_a_list_refuses_a_page_size_out_of_bounds(world):
    with pytest.raises(Invalid) as refused:
        await students.list_students(PLATFORM, StudentFilters(), limit=0, offset=-1)
    assert set(refused.value.errors) == {"limit", "offset"}


# Updating


async def test_an_update_changes_only_the_given_fields(world):
    student = await make_student(class_name="2NDE3")
    updated = await students.update_student(
        PLATFORM, ACTOR, NOW, student.id, {"class_name": "1g2", "ine": "1234567890B"}
    )
    assert (updated.class_name, updated.ine, updated.last_name) == (
        "1G2",
        "1234567890B",
        student.last_name,
    )


async def test_a_student_moves_to_another_school_of_the_region(world):
    student = await make_student("A")
    moved = await students.update_student(
        scope_of(world, "it_ab"), ACTOR, NOW, student.id, {"establishment_uai": UAI_B}
    )
    assert moved.establishment.uai == UAI_B


async def test_a_student_cannot_be_moved_to_another_region(world):
    student = await make_student("A")
    with pytest.raises(Invalid) as refused:
        await students.update_student(
            PLATFORM, ACTOR, NOW, student.id, {"establishment_uai": UAI_C}
        )
    assert "establishment_uai" in refused.value.errors


async def test_it_staff_cannot_update_a_student_of_another_school(world):
    student = await make_student("B")
    with pytest.raises(NotFound):
        await students.update_student(
            scope_of(world, "it_a"), ACTOR, NOW, student.id, {"class_name": "TG1"}
        )


async def test_an_update_to_a_taken_ent_id_is_a_conflict_on_ent_id(world):
    await make_student(ent_id="pris")
    student = await make_student(ent_id="libre")
    with pytest.raises(Conflict) as refused:
        await students.update_student(PLATFORM, ACTOR, NOW, student.id, {"ent_id": "pris"})
    assert refused.value.field == "ent_id"


async def test_a_departure_is_recorded_with_its_date(world):
    student = await make_student()
    left = await students.mark_left(PLATFORM, ACTOR, NOW, student.id, dt.date(2027, 7, 4))
    assert left.left_on == dt.date(2027, 7, 4)


async def test_a_departure_before_birth_is_refused(world):
    student = await make_student()
    with pytest.raises(Invalid) as refused:
        await students.mark_left(PLATFORM, ACTOR, NOW, student.id, dt.date(2000, 1, 1))
    assert "left_on" in refused.value.errors


# Guardians


async def test_guardians_are_added_changed_and_removed(world):
    student = await make_student()
    added = await guardians.add_guardian(PLATFORM, ACTOR, NOW, student.id, guardian_fields())
    changed = await guardians.update_guardian(
        PLATFORM, ACTOR, NOW, student.id, added.id, {"phone": "+33 6 00 00 00 00"}
    )
    assert (changed.id, changed.phone, changed.email) == (
        added.id,
        "+33 6 00 00 00 00",
        added.email,
    )
    await guardians.remove_guardian(PLATFORM, ACTOR, NOW, student.id, added.id)
    assert (await students.get_student(PLATFORM, student.id)).guardians == []


async def test_a_guardian_of_another_student_is_not_found(world):
    first = await make_student(guardians=[guardian_fields()])
    second = await make_student()
    with pytest.raises(NotFound):
        await guardians.remove_guardian(PLATFORM, ACTOR, NOW, second.id, first.guardians[0].id)
    assert await Guardian.count() == 1


async def test_a_guardian_needs_names_and_a_valid_email_and_phone(world):
    student = await make_student()
    with pytest.raises(Invalid) as refused:
        await guardians.add_guardian(
            PLATFORM,
            ACTOR,
            NOW,
            student.id,
            {"last_name": "", "first_name": "A", "email": "a@b", "phone": "abc"},
        )
    assert set(refused.value.errors) == {"last_name", "email", "phone"}


async def test_a_student_has_four_guardians_at_most(world):
    student = await make_student(guardians=[guardian_fields(first_name=f"G{n}") for n in range(4)])
    with pytest.raises(Invalid) as refused:
        await guardians.add_guardian(PLATFORM, ACTOR, NOW, student.id, guardian_fields())
    assert "guardians" in refused.value.errors


# Audit


async def test_the_audit_log_names_the_changed_fields_but_no_personal_value(world, caplog):
    caplog.set_level(logging.INFO, logger="ordipret.audit")
    student = await make_student(last_name="Confidentiel", ine="1234567890C")
    await students.update_student(PLATFORM, ACTOR, NOW, student.id, {"class_name": "TG4"})
    text = caplog.text
    assert f"student {student.id} created" in text
    assert f"student {student.id} updated" in text and "class_name" in text
    for secret in ("Confidentiel", "1234567890C", "TG4", "2010", student.ent_id):
        assert secret not in text


async def test_a_departure_of_an_unknown_student_is_not_found(world):
    with pytest.raises(NotFound):
        await students.mark_left(PLATFORM, ACTOR, NOW, 424242, dt.date(2026, 9, 1))


async def test_a_guardian_who_signed_a_convention_is_kept_and_the_refusal_says_why(world):
    student = await make_student(guardians=[guardian_fields()])
    loan_id = await active_loan(world, "PC-SIGNED", UAI_A, student.id)
    guardian = student.guardians[0]
    with pytest.raises(Conflict, match=f"prêt n° {loan_id}.*conservée comme preuve") as refused:
        await guardians.remove_guardian(PLATFORM, ACTOR, NOW, student.id, guardian.id)
    assert refused.value.field == "guardian"
    assert [g.id for g in (await students.get_student(PLATFORM, student.id)).guardians] == [
        guardian.id
    ]
