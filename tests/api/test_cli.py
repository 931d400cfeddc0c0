"""The `ordipret` command, run as a real process on its own SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys

from api.demo import asset_csv
from tests.cli_process import ordipret, ordipret_counting


def test_create_user_refuses_an_unknown_role(migrated):
    result = ordipret(
        migrated, "create-user", "--email", "a@b.fr", "--password", "x" * 12, "--role", "chef"
    )
    assert result.returncode != 0
    assert "invalid choice" in result.stderr


def test_create_user_names_the_wrong_field_in_french(migrated):
    result = ordipret(
        migrated,
        "create-user",
        "--email",
        "pas-une-adresse",
        "--password",
        "court",
        "--role",
        "admin",
    )
    assert result.returncode == 2
    assert "adresse électronique invalide" in result.stdout
    assert "10 caractères au moins" in result.stdout


def test_an_admin_created_on_the_command_line_gets_a_token_that_works(migrated):
    created = ordipret(
        migrated,
        "create-user",
        "--email",
        "Admin@Region.fr",
        "--password",
        "un-long-mot-de-passe",
        "--role",
        "admin",
    )
    assert created.returncode == 0, created.stdout + created.stderr
    token = ordipret(migrated, "create-token", "--email", "admin@region.fr")
    assert token.returncode == 0
    assert token.stdout.strip().startswith("odp_")


def test_import_assets_reports_errors_per_line_and_writes_nothing(migrated):
    bad = migrated / "bad.csv"
    bad.write_text("tag;serial;manufacturer;model\nR-1;SN1;Inconnu;Modèle X\n", encoding="utf-8")
    result = ordipret(migrated, "import-assets", str(bad))
    assert result.returncode == 1
    assert "ligne 2" in result.stdout
    assert "rien n'a été importé" in result.stdout


def test_demo_data_imports_through_the_command_line_after_a_dry_run(migrated):
    # The demo catalogue and schools are needed first: load them with a tiny demo fleet.
    seeded = subprocess.run(
        [sys.executable, "-c", SEED_DEMO_WITHOUT_SERVING],
        env={**os.environ, "ORDIPRET_DATABASE_URL": f"sqlite:///{migrated / 'cli.sqlite'}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    fleet = migrated / "fleet.csv"
    fleet.write_bytes(asset_csv(250, seed=7, tag_prefix="IMP"))
    checked = ordipret(migrated, "import-assets", "--dry-run", str(fleet))
    assert checked.returncode == 0, checked.stdout
    assert "250 appareils seraient importés" in checked.stdout
    imported = ordipret(migrated, "import-assets", str(fleet))
    assert imported.returncode == 0, imported.stdout
    assert "250 appareils importés" in imported.stdout
    again = ordipret(migrated, "import-assets", str(fleet))
    assert again.returncode == 1
    assert "existe déjà" in again.stdout


SEED_DEMO_WITHOUT_SERVING = """
import datetime as dt
from api.cli.console import run_with_database
from api.demo import load_demo
from api.settings import Settings
run_with_database(Settings.from_env(), lambda: load_demo(dt.datetime.now(dt.UTC), asset_count=10))
"""


def test_import_assets_reads_and_checks_the_file_once(migrated):
    seeded = subprocess.run(
        [sys.executable, "-c", SEED_DEMO_WITHOUT_SERVING],
        env={**os.environ, "ORDIPRET_DATABASE_URL": f"sqlite:///{migrated / 'cli.sqlite'}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    first, second = migrated / "first.csv", migrated / "second.csv"
    first.write_bytes(asset_csv(120, seed=8, tag_prefix="UNE"))
    second.write_bytes(asset_csv(120, seed=9, tag_prefix="DEUX"))

    imported, reads = ordipret_counting(
        migrated, "inventory.asset_import", "_read", "import-assets", str(first)
    )
    again, checks = ordipret_counting(
        migrated, "inventory.asset_import", "_check_database", "import-assets", str(second)
    )

    assert (imported.returncode, again.returncode) == (0, 0), imported.stdout + again.stdout
    assert "120 appareils importés" in imported.stdout and "120 appareils" in again.stdout
    assert reads == 1
    assert checks == 1  # 120 rows: one chunk looked up in the database, once
