"""Directory import (AAF files): Complet then Delta, guardians, leavers, dry run, hostile XML."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from inventory.errors import Invalid, NotFound
from loans import campaign_progress, campaigns, guardians, students
from loans.directory_import import import_directory
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
    make_student,
    scope_of,
)
from tests.loans.aaf_files import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    aaf,
    entry,
    link,
    relative,
    staff,
    structure,
    student,
)

TODAY = dt.date(2026, 9, 1)  # NOW in Paris


def complete_school_a() -> bytes:
    return aaf(
        structure("S1", UAI_A),
        student("E1", ine="1234567890A", relatives=[link("R1"), link("R2", legal=False)]),
        student("E2", last_name="Petit", first_name="Hugo", classes="1G2", relatives=[link("R3")]),
        relative("R1"),
        relative("R2", first_name="Paul", mail=None, mobile=None),
        relative("R3", last_name="Petit", first_name="Anne", mail="anne.petit@example.fr"),
        staff("P1"),
    )


async def run(files, *, mode=None, dry_run=False, scope=PLATFORM, region="24"):
    return await import_directory(scope, ACTOR, NOW, region, files, mode=mode, dry_run=dry_run)


async def by_key(ent_id: str) -> students.StudentView:
    row = await Student.select(Student.id).where(Student.ent_id == ent_id).first()
    return await students.get_student(PLATFORM, row["id"])


async def counts() -> tuple[int, int]:
    return await Student.count(), await Guardian.count()


async def test_a_complete_file_creates_the_students_with_their_guardians(world):
    report = await run([("ENT_Complet_Eleve_0001.xml", complete_school_a())])

    assert (report.mode, report.added, report.changed, report.left) == ("complet", 2, 0, 0)
    assert (report.students_read, report.relatives_read, report.ignored) == (2, 3, 1)
    assert (report.error_count, report.guardians_added) == (0, 3)
    lea = await by_key("E1")
    assert (lea.last_name, lea.first_name, lea.birth_date) == (
        "Durand",
        "Léa",
        dt.date(2010, 3, 14),
    )
    assert (lea.establishment.uai, lea.class_name, lea.ine) == (UAI_A, "2NDE3", "1234567890A")
    assert [(g.ent_id, g.first_name, g.legal_authority) for g in lea.guardians] == [
        ("R1", "Claire", True),
        ("R2", "Paul", False),
    ]
    assert (lea.guardians[0].email, lea.guardians[0].phone) == (
        "claire.durand@example.fr",
        "06 12 34 56 78",
    )
    hugo = await by_key("E2")
    assert (hugo.class_name, [g.email for g in hugo.guardians]) == (
        "1G2",
        ["anne.petit@example.fr"],
    )


async def test_importing_the_same_files_twice_changes_nothing_the_second_time(world):
    files = [("ENT_Complet_Eleve_0001.xml", complete_school_a())]
    await run(files)
    before = (
        await Student.select().order_by(Student.id),
        await Guardian.select().order_by(Guardian.id),
    )

    again = await run(files)

    assert (again.added, again.changed, again.left, again.unchanged) == (0, 0, 0, 2)
    assert (again.guardians_added, again.guardians_changed, again.guardians_removed) == (0, 0, 0)
    after = (
        await Student.select().order_by(Student.id),
        await Guardian.select().order_by(Guardian.id),
    )
    assert after == before


async def test_a_dry_run_reports_the_same_figures_and_writes_nothing(world):
    files = [("ENT_Complet_Eleve_0001.xml", complete_school_a())]

    preview = await run(files, dry_run=True)

    assert (preview.dry_run, preview.added, preview.guardians_added) == (True, 2, 3)
    assert await counts() == (0, 0)
    real = await run(files)
    assert (real.added, real.guardians_added) == (preview.added, preview.guardians_added)


async def test_files_split_by_kind_are_read_in_any_order(world):
    whole = complete_school_a().decode()
    entries = [line for line in whole.splitlines() if line.startswith("<addRequest>")]
    structures = aaf(*[e for e in entries if "EtabEducNat" in e])
    pupils = aaf(*[e for e in entries if ">Eleve<" in e])
    relatives = aaf(*[e for e in entries if "PersRelEleve" in e])

    report = await run(
        [("Eleve.xml", pupils), ("PersRelEleve.xml", relatives), ("Etab.xml", structures)],
        mode="complet",
    )

    assert (report.added, report.guardians_added, report.error_count) == (2, 3, 0)


async def test_a_complete_file_marks_the_absent_students_of_its_schools_as_left(world):
    await run([("Complet.xml", complete_school_a())])
    gone = await make_student("A", ent_id="GONE")
    other_school = await make_student("B", ent_id="ELSEWHERE")
    loan_id = await active_loan(world, "PC-0001", UAI_A, gone.id)
    collection = await campaigns.create_campaign(
        PLATFORM,
        ACTOR,
        NOW,
        establishment_uai=UAI_A,
        kind="collection",
        name="Juin",
        starts_on=TODAY,
    )

    report = await run([("Complet.xml", complete_school_a())])

    assert (report.left, report.changed) == (1, 0)
    assert (await by_key("GONE")).left_on == TODAY
    assert (await by_key("ELSEWHERE")).left_on is None  # lycée B is not in the file
    assert other_school.left_on is None
    todo = await campaign_progress.campaign_todo(PLATFORM, collection.id)
    line = next(item for item in todo.items if item.student_id == gone.id)
    assert loan_id and "élève parti de l'établissement" in line.todo


async def test_a_delta_file_modifies_adds_and_removes_students(world):
    await run([("Complet.xml", complete_school_a())])
    delta = aaf(
        structure("S1", UAI_A),
        structure("S2", UAI_B),
        student(
            "E1",
            op="modify",
            structure_id="S2",
            classes="1G1",
            last_name=None,
            first_name=None,
            birth=None,
        ),
        student(
            "E2",
            op="delete",
            structure_id=None,
            last_name=None,
            first_name=None,
            birth=None,
            classes=None,
        ),
        student("E3", structure_id="S2", first_name="Noé", relatives=[link("R1")]),
        relative(
            "R1",
            op="modify",
            last_name=None,
            first_name=None,
            mail="c.durand@example.fr",
            mobile=None,
        ),
    )

    report = await run([("ENT_Delta_20260902.xml", delta)])

    assert (report.mode, report.added, report.changed, report.left) == ("delta", 1, 1, 1)
    lea = await by_key("E1")
    assert (lea.establishment.uai, lea.class_name, lea.last_name) == (UAI_B, "1G1", "Durand")
    assert [g.email for g in lea.guardians] == ["c.durand@example.fr", ""]
    assert (await by_key("E2")).left_on == TODAY
    noe = await by_key("E3")
    assert [(g.ent_id, g.email) for g in noe.guardians] == [("R1", "c.durand@example.fr")]


async def test_a_modify_after_an_add_in_the_same_delta_is_folded_onto_it(world):
    delta = aaf(
        structure("S1", UAI_A),
        student("E9", first_name="Inès", classes="2NDE1"),
        student(
            "E9",
            op="modify",
            structure_id="S1",
            classes="2NDE2",
            last_name=None,
            first_name=None,
            birth=None,
        ),
    )

    report = await run([("Delta.xml", delta)])

    assert (report.students_read, report.added, report.error_count) == (2, 1, 0)
    assert ((await by_key("E9")).first_name, (await by_key("E9")).class_name) == ("Inès", "2NDE2")


async def test_requests_naming_a_student_by_identifier_only_reach_the_same_student(world):
    attributes = {
        "ENTPersonJointure": "AC-ORLEANS-TOURS$E9",
        "sn": "Durand",
        "givenName": "Inès",
        "ENTPersonDateNaissance": "14/03/2010",
        "ENTPersonStructRattach": "S7",  # no EtabEducNat entry for it in the files:
        "ENTPersonStructRattachRNE": UAI_A,  # the UAI given beside it places the student
    }
    add = entry("Eleve", "748220", attributes)  # an identifier that is not the ENT key
    delete = entry("Eleve", "748220", {}, "delete")

    added = await run([("Delta.xml", aaf(add))])
    left = await run([("Delta.xml", aaf(add, delete))])

    assert (added.added, added.error_count, left.left) == (1, 0, 1)
    assert (await by_key("E9")).establishment.uai == UAI_A


async def test_a_relative_changed_alone_in_a_delta_reaches_every_child(world):
    await run(
        [
            (
                "Complet.xml",
                aaf(
                    structure("S1", UAI_A),
                    student("E1", relatives=[link("R1")]),
                    student("E2", first_name="Jules", relatives=[link("R1")]),
                    relative("R1"),
                ),
            )
        ]
    )

    report = await run([("Delta.xml", aaf(relative("R1", op="modify", mail="neuve@example.fr")))])

    assert report.guardians_changed == 2
    emails = {g["email"] for g in await Guardian.select(Guardian.email)}
    assert emails == {"neuve@example.fr"}
    await run([("Delta.xml", aaf(relative("R1", op="delete")))])
    assert await Guardian.count() == 0


async def test_a_complete_file_removes_guardians_no_longer_linked(world):
    await run([("Complet.xml", complete_school_a())])
    typed = await guardians.add_guardian(
        PLATFORM,
        ACTOR,
        NOW,
        (await by_key("E1")).id,
        {"last_name": "Roux", "first_name": "Zoé"},
    )
    files = complete_school_a().replace(f"<value>{link('R2', legal=False)}</value>".encode(), b"")

    report = await run([("Complet.xml", files)])

    assert (report.changed, report.guardians_removed) == (1, 1)
    lea = await by_key("E1")
    assert [g.ent_id for g in lea.guardians] == ["R1", None]  # typed by staff: kept
    assert lea.guardians[1].id == typed.id


async def test_existing_students_are_matched_by_ent_key_then_ine_then_identity(world):
    by_ine = await make_student("A", ent_id=None, ine="1234567890A", last_name="Autre")
    typed = await make_student(
        "A", ent_id=None, last_name="Petit", first_name="Hugo", birth_date=dt.date(2010, 3, 14)
    )

    report = await run([("Complet.xml", complete_school_a())])

    assert (report.added, report.changed, report.left) == (0, 2, 0)
    assert (await by_key("E1")).id == by_ine.id
    assert (await by_key("E1")).last_name == "Durand"
    assert (await by_key("E2")).id == typed.id


async def test_a_student_back_in_the_directory_is_enrolled_again(world):
    await make_student("A", ent_id="E1", left_on=dt.date(2026, 7, 1))

    report = await run([("Complet.xml", complete_school_a())])

    assert report.changed == 1
    assert (await by_key("E1")).left_on is None


async def test_entry_errors_are_reported_with_the_entry_and_the_attribute(world):
    files = aaf(
        structure("S1", UAI_A),
        structure("S9", UAI_C),  # a lycée of region 44
        student("E1", birth="31/02/2010"),
        student("E2", structure_id="S9"),
        student("E3", structure_id="S404"),
        student("E4", relatives=[link("R404")]),
        student("E5", ine="12"),
        student("E6", ine="1234567890A"),
        student("E7", ine="1234567890A", first_name="Zoé"),
    )

    report = await run([("Complet.xml", files)])

    errors = {(e.entry, e.field) for e in report.errors}
    assert errors == {
        ("E1", "ENTPersonDateNaissance"),
        ("E2", "ENTPersonStructRattach"),
        ("E3", "ENTPersonStructRattach"),
        ("E4", "ENTElevePersRelEleve"),
        ("E5", "ENTEleveINE"),
        ("E7", "ENTEleveINE"),
    }
    assert next(e for e in report.errors if e.entry == "E2").message == (
        f"établissement {UAI_C} inconnu dans la région"
    )
    assert report.added == 2  # E4, without its unknown relative, and E6
    assert (await by_key("E4")).guardians == []


async def test_a_known_student_whose_entry_is_in_error_is_not_marked_left(world):
    await run([("Complet.xml", complete_school_a())])
    await make_student("B", ent_id="OTHER", ine="2234567890A")
    broken = complete_school_a().replace(b"1234567890A", b"2234567890A")  # E1 takes OTHER's INE

    report = await run([("Complet.xml", broken)])

    assert [(e.entry, e.field) for e in report.errors] == [("E1", "ENTEleveINE")]
    assert report.left == 0
    assert (await by_key("E1")).ine == "1234567890A" and (await by_key("E1")).left_on is None
    bad_ine = complete_school_a().replace(b"1234567890A", b"12")
    assert (await run([("Complet.xml", bad_ine)])).left == 0


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY])
async def test_hostile_xml_is_refused_and_nothing_is_imported(world, hostile):
    with pytest.raises(Invalid) as refused:
        await run([("Complet.xml", complete_school_a()), ("Piege.xml", hostile)])

    assert (
        "Piege.xml : fichier refusé : il déclare des entités XML" in refused.value.errors["files"]
    )
    assert await counts() == (0, 0)


async def test_the_doctype_line_of_real_files_is_accepted(world):
    with_doctype = complete_school_a()
    assert b'<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">' in with_doctype

    assert (await run([("Complet.xml", with_doctype)])).added == 2


async def test_a_file_that_is_not_aaf_is_refused(world):
    with pytest.raises(Invalid) as refused:
        await run([("Complet.xml", b"<html><body/></html>")])

    assert "ce n'est pas un fichier AAF" in refused.value.errors["files"]
    with pytest.raises(Invalid) as broken:
        await run([("Complet.xml", complete_school_a()[:-40])])
    assert "XML illisible" in broken.value.errors["files"]


async def test_the_mode_comes_from_the_file_names_or_is_asked_for(world):
    with pytest.raises(Invalid) as unknown:
        await run([("eleves.xml", complete_school_a())])
    assert "complet ou delta" in unknown.value.errors["mode"]
    with pytest.raises(Invalid):
        await run([("a_Complet.xml", complete_school_a()), ("b_Delta.xml", aaf())])


async def test_only_the_region_s_manager_or_an_admin_imports_into_it(world):
    files = [("Complet.xml", complete_school_a())]
    with pytest.raises(NotFound):
        await run(files, scope=scope_of(world, "manager_44"))
    with pytest.raises(NotFound):
        await run(files, scope=scope_of(world, "it_a"))

    report = await run(files, scope=scope_of(world, "manager_24"))

    assert report.added == 2


async def test_the_audit_log_names_fields_never_values(world, caplog):
    caplog.set_level(logging.INFO, logger="ordipret.audit")

    await run([("Complet.xml", complete_school_a())])

    text = caplog.text
    assert "created (directory)" in text and "last_name" in text
    assert "Durand" not in text and "1234567890A" not in text and "E1" not in text
    listed = await students.list_students(PLATFORM, StudentFilters(), limit=10)
    assert listed.total == 2
