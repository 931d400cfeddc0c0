"""`ordipret report`, run as a real process on the report tests' world in its own SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.report_pdfs import figure, pdf_text
from tests.cli_process import ordipret
from tests.factories import UAI_A

SEED = """
from api.cli.console import run_with_database
from api.settings import Settings
from tests.factories import make_world
from tests.loans.reports_world import make_report_world

async def seed():
    await make_report_world(await make_world())

run_with_database(Settings.from_env(), seed)
"""


@pytest.fixture(scope="module")
def seeded_once(migrated_once: Path, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("report-cli")
    (directory / "cli.sqlite").write_bytes((migrated_once / "cli.sqlite").read_bytes())
    env = {**os.environ, "ORDIPRET_DATABASE_URL": f"sqlite:///{directory / 'cli.sqlite'}"}
    env.pop("ORDIPRET_TEST_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", SEED], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return directory


def text_of(path: Path) -> str:
    return pdf_text(path.read_bytes())


def test_the_command_line_writes_the_report_of_a_region(seeded_once, tmp_path):
    output = tmp_path / "rapport-24.pdf"
    result = ordipret(
        seeded_once, "report", "--region", "24", "--from", "05/07/2026", "--to", "2027-07-04",
        "-o", str(output),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Rapport de Région Centre-Val de Loire (24) écrit dans" in result.stdout
    assert "7/7" in result.stdout  # the progress bar, full
    text = text_of(output)
    assert "Période du 05/07/2026 au 04/07/2027" in text
    assert figure(text, "Appareils du parc (hors cédés)") == "11"
    assert figure(text, "Retours sur la période") == "2 (A : 0, B : 1, C : 0, D : 1)"


def test_the_command_line_writes_the_report_of_one_establishment(seeded_once, tmp_path):
    output = tmp_path / "a.pdf"
    result = ordipret(
        seeded_once, "report", "--region", "24", "--establishment", UAI_A.lower(), "-o", str(output)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = text_of(output)
    assert f"Lycée A ({UAI_A}), région Centre-Val de Loire" in text
    assert figure(text, "Appareils du parc (hors cédés)") == "8"


def test_the_command_line_names_a_wrong_date_or_region_and_writes_nothing(seeded_once, tmp_path):
    output = tmp_path / "rien.pdf"
    result = ordipret(
        seeded_once, "report", "--region", "24", "--from", "32/01/2027", "-o", str(output)
    )
    assert result.returncode == 2
    assert "--from : date invalide : 32/01/2027" in result.stdout
    unknown = ordipret(seeded_once, "report", "--region", "93", "-o", str(output))
    assert unknown.returncode == 2
    assert "Région 93 introuvable." in unknown.stdout
    elsewhere = ordipret(
        seeded_once, "report", "--region", "44", "--establishment", UAI_A, "-o", str(output)
    )
    assert elsewhere.returncode == 2
    assert "n'est pas un établissement de la région" in elsewhere.stdout
    assert not output.exists()
