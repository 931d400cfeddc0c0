"""Where the region's seal comes from: ORDIPRET_SEAL_P12, or a demonstration seal made once."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.infra.seal import seal_key_for, trusted_certificates
from api.settings import Settings
from inventory.errors import Invalid
from loans.sealing import make_demo_seal

NOW = datetime.now(UTC)


def test_the_seal_settings_are_read_from_the_environment():
    settings = Settings.from_env(
        {"ORDIPRET_SEAL_P12": "/etc/ordipret/sceau.p12", "ORDIPRET_SEAL_PASSWORD": "mdp-du-sceau"}
    )
    assert settings.seal_p12 == Path("/etc/ordipret/sceau.p12")
    assert settings.seal_password == "mdp-du-sceau"
    assert "mdp-du-sceau" not in repr(settings)
    assert Settings.from_env({}).seal_p12 is None


def test_without_a_configured_seal_a_demonstration_seal_is_made_once_private(tmp_path):
    var = tmp_path / "var"
    key = seal_key_for(Settings(var_dir=var))
    for name in ("seal-demo.p12", "seal-demo.password"):
        assert stat.S_IMODE((var / name).stat().st_mode) == 0o600
    assert "Sceau de démonstration" in key.certificate.subject.rfc4514_string()
    # Another process (other settings object, same var/) finds the same seal.
    again = seal_key_for(Settings(var_dir=var, public_url="http://autre"))
    assert again.certificate == key.certificate
    assert trusted_certificates(Settings(var_dir=var)) == [key.certificate]


def test_verification_does_not_make_a_demonstration_seal(tmp_path):
    assert trusted_certificates(Settings(var_dir=tmp_path / "var")) == []
    assert not (tmp_path / "var" / "seal-demo.p12").exists()


def test_the_configured_seal_is_loaded_with_its_password(tmp_path):
    p12 = tmp_path / "sceau.p12"
    p12.write_bytes(make_demo_seal("Région Centre-Val de Loire", NOW, password=b"s3cret"))
    settings = Settings(var_dir=tmp_path / "var", seal_p12=p12, seal_password="s3cret")
    assert seal_key_for(settings).subject == "Région Centre-Val de Loire, ordipret"
    assert not (tmp_path / "var" / "seal-demo.p12").exists()


def test_a_wrong_seal_password_names_the_setting(tmp_path):
    p12 = tmp_path / "sceau.p12"
    p12.write_bytes(make_demo_seal("Région Centre-Val de Loire", NOW, password=b"s3cret"))
    with pytest.raises(Invalid) as raised:
        seal_key_for(Settings(var_dir=tmp_path, seal_p12=p12, seal_password="faux"))
    assert raised.value.errors == {
        "ORDIPRET_SEAL_P12": "fichier PKCS#12 illisible ou mot de passe incorrect"
    }


def test_a_missing_seal_file_names_the_setting(tmp_path):
    with pytest.raises(Invalid, match="ORDIPRET_SEAL_P12"):
        seal_key_for(Settings(var_dir=tmp_path, seal_p12=tmp_path / "absent.p12"))
