"""`ordipret import-directory` and `ordipret import-students`, run as real processes on their
own SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from tests.cli_process import ordipret, ordipret_counting
from tests.factories import UAI_A
from tests.loans.aaf_files import BILLION_LAUGHS, aaf, link, relative, structure, student

SEED_REGION = f"""
from api.cli.console import run_with_database
from api.settings import Settings
from inventory import regions
from inventory.scope import Scope

async def seed():
    await regions.create_region(Scope.platform(), "24", "Centre-Val de Loire")
    await regions.create_establishment(
        Scope.platform(), uai="{UAI_A}", name="Lycée A", city="Orléans", region_code="24"
    )

run_with_database(Settings.from_env(), seed)
"""


def seeded(migrated):
    done = subprocess.run(
        [sys.executable, "-c", SEED_REGION],
        env={**os.environ, "ORDIPRET_DATABASE_URL": f"sqlite:///{migrated / 'cli.sqlite'}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return migrated


def student_count(directory) -> int:
    with sqlite3.connect(directory / "cli.sqlite") as db:
        return db.execute("SELECT count(*) FROM student").fetchone()[0]


def write_files(directory):
    (directory / "ENT_Complet_Etab.xml").write_bytes(aaf(structure("S1", UAI_A)))
    (directory / "ENT_Complet_Eleve.xml").write_bytes(
        aaf(student("E1", relatives=[link("R1")]), student("E2", first_name="Hugo"))
    )
    (directory / "ENT_Complet_PersRelEleve.xml").write_bytes(aaf(relative("R1")))
    return [str(directory / name) for name in sorted(os.listdir(directory)) if "Complet" in name]


def test_a_dry_run_prints_the_report_and_writes_nothing(migrated):
    files = write_files(seeded(migrated))

    result = ordipret(migrated, "import-directory", *files, "--region", "24", "--dry-run")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Élèves : 2 seraient ajoutés, 0 modifiés, 0 marqués partis" in result.stdout
    assert "Représentants : 1 ajoutés" in result.stdout
    assert "rien n'a été écrit" in result.stdout
    assert student_count(migrated) == 0


def test_the_import_checks_then_writes_and_a_second_run_changes_nothing(migrated):
    files = write_files(seeded(migrated))

    first = ordipret(migrated, "import-directory", *files, "--region", "24")
    again = ordipret(migrated, "import-directory", *files, "--region", "24")

    assert first.returncode == 0, first.stdout + first.stderr
    assert "Élèves : 2 ont été ajoutés" in first.stdout
    assert "Import terminé" in first.stdout
    assert "Élèves : 0 ont été ajoutés, 0 modifiés, 0 marqués partis ; 2 inchangés" in again.stdout
    assert student_count(migrated) == 2


def test_a_hostile_file_is_refused_in_french_and_nothing_is_imported(migrated):
    files = write_files(seeded(migrated))
    (migrated / "ENT_Complet_Piege.xml").write_bytes(BILLION_LAUGHS)

    result = ordipret(
        migrated,
        "import-directory",
        *files,
        str(migrated / "ENT_Complet_Piege.xml"),
        "--region",
        "24",
    )

    assert result.returncode == 2
    assert "ENT_Complet_Piege.xml : fichier refusé" in result.stdout
    assert student_count(migrated) == 0


def test_an_unknown_region_is_named(migrated):
    files = write_files(seeded(migrated))

    result = ordipret(migrated, "import-directory", *files, "--region", "99")

    assert result.returncode == 2
    assert "Région 99 introuvable" in result.stdout


def test_the_import_reads_the_files_once(migrated):
    files = write_files(seeded(migrated))

    result, readings = ordipret_counting(
        migrated, "loans.directory_import", "_stage", "import-directory", *files, "--region", "24"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Élèves : 2 ont été ajoutés" in result.stdout
    assert readings == 1
    assert student_count(migrated) == 2


def test_import_students_checks_once_then_a_second_run_only_updates(migrated):
    seeded(migrated)
    pupils = migrated / "eleves.csv"
    pupils.write_text(
        "uai;ent_id;last_name;first_name;birth_date;class_name\n"
        f"{UAI_A};E1;Martin;Léa;14/03/2010;2NDE3\n"
        f"{UAI_A};;Petit;Hugo;30/11/2009;2NDE4\n",
        encoding="utf-8",
    )

    first, readings = ordipret_counting(
        migrated, "loans.student_import", "_read", "import-students", str(pupils)
    )
    again = ordipret(migrated, "import-students", str(pupils))

    assert first.returncode == 0, first.stdout + first.stderr
    assert "Élèves : 2 ont été créés, 0 mis à jour" in first.stdout
    assert readings == 1
    assert "Élèves : 0 ont été créés, 2 mis à jour" in again.stdout
    assert student_count(migrated) == 2


def test_import_students_reports_errors_per_line_and_writes_nothing(migrated):
    seeded(migrated)
    pupils = migrated / "eleves.csv"
    pupils.write_text(
        f"uai;last_name;first_name;birth_date\n{UAI_A};Martin;Léa;31/02/2010\n", encoding="utf-8"
    )

    result = ordipret(migrated, "import-students", str(pupils))

    assert result.returncode == 1
    assert "ligne 2, colonne « birth_date »" in result.stdout
    assert "rien n'a été importé" in result.stdout
    assert student_count(migrated) == 0
