"""`ordipret verify FILE.pdf`, run as a real process, on files sealed with the demonstration
seal this installation made in its var directory."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from api.infra.seal import seal_key_for
from api.settings import Settings
from loans.sealing import load_seal_key, make_demo_seal, seal
from tests.loans.test_sealing import agreement


def now() -> datetime:
    """The CLI checks at the current time, and the demonstration seal is made when first
    asked for: read the clock when sealing, not when the module is collected (minutes
    earlier in a whole run)."""
    return datetime.now(UTC)


def ordipret(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "ORDIPRET_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
        "ORDIPRET_VAR_DIR": str(tmp_path / "var"),
        "COLUMNS": "200",
    }
    for name in ("ORDIPRET_TEST_DATABASE_URL", "ORDIPRET_SEAL_P12", "ORDIPRET_SEAL_PASSWORD"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "verify", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def sealed_file(tmp_path: Path) -> Path:
    """An agreement sealed in this process with the installation's demonstration seal."""
    key = seal_key_for(Settings(var_dir=tmp_path / "var"))
    path = tmp_path / "convention.pdf"
    path.write_bytes(seal(agreement(), key, reason="Convention", location="Orléans", now=now()))
    return path


def test_an_intact_sealed_agreement_exits_0_with_a_french_sentence(tmp_path, sealed_file):
    result = ordipret(tmp_path, str(sealed_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Document intact, scellé par Région de démonstration" in result.stdout
    assert f"le {now().astimezone().strftime('%d/%m')}" in result.stdout
    assert "sceau de démonstration" in result.stdout
    assert result.stderr == ""  # pyHanko's own logging stays quiet


def test_an_agreement_with_one_byte_changed_exits_1(tmp_path, sealed_file):
    data = sealed_file.read_bytes()
    at = data.index(b"CVL-000123")
    sealed_file.write_bytes(data[:at] + b"CVL-000124" + data[at + 10 :])
    result = ordipret(tmp_path, str(sealed_file))
    assert result.returncode == 1
    assert "Document modifié après son scellement" in result.stdout
    assert result.stderr == ""


def test_an_unsealed_pdf_exits_1(tmp_path, sealed_file):
    plain = tmp_path / "brouillon.pdf"
    plain.write_bytes(agreement())
    result = ordipret(tmp_path, str(plain))
    assert result.returncode == 1
    assert "Document non scellé" in result.stdout


def test_a_file_that_is_not_a_pdf_exits_2(tmp_path):
    garbage = tmp_path / "photo.pdf"
    garbage.write_bytes(b"\xff\xd8\xff\xe0 not a pdf")
    result = ordipret(tmp_path, str(garbage))
    assert result.returncode == 2
    assert "Fichier illisible" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_missing_file_exits_2(tmp_path):
    result = ordipret(tmp_path, str(tmp_path / "absent.pdf"))
    assert result.returncode == 2
    assert "Fichier introuvable" in result.stdout


def test_a_seal_by_a_foreign_certificate_exits_1_unless_trusted_explicitly(tmp_path, sealed_file):
    foreign = load_seal_key(make_demo_seal("Autre région", now()), None)
    path = tmp_path / "autre.pdf"
    path.write_bytes(seal(agreement(), foreign, reason="r", location="l", now=now()))

    refused = ordipret(tmp_path, str(path))
    assert refused.returncode == 1
    assert "n'est pas un certificat de confiance" in refused.stdout

    pem = tmp_path / "autre.pem"
    pem.write_bytes(foreign.certificate.public_bytes(Encoding.PEM))
    accepted = ordipret(tmp_path, "--trust", str(pem), str(path))
    assert accepted.returncode == 0, accepted.stdout
    assert "Document intact, scellé par Autre région" in accepted.stdout


def test_the_configured_region_seal_is_the_trusted_one(tmp_path, sealed_file):
    p12 = tmp_path / "region.p12"
    p12.write_bytes(make_demo_seal("Région configurée", now(), password=b"s3cret"))
    env = {**os.environ, "ORDIPRET_SEAL_P12": str(p12), "ORDIPRET_SEAL_PASSWORD": "s3cret"}
    env.pop("ORDIPRET_TEST_DATABASE_URL", None)
    env["ORDIPRET_VAR_DIR"] = str(tmp_path / "var")
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "verify", str(sealed_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # The demonstration seal of var/ is no longer trusted once a real seal is configured.
    assert result.returncode == 1
    assert "n'est pas un certificat de confiance" in result.stdout
