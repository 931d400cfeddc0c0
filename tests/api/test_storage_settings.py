"""Which storage the app keeps documents in, from ORDIPRET_STORAGE and the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.infra.storage import storage_for
from api.settings import Settings
from loans.storage import DatabaseStorage, DirectoryStorage

POSTGRES = "postgresql://postgres@127.0.0.1:5432/ordipret"


def test_sqlite_keeps_documents_in_a_directory_under_the_var_dir():
    storage = storage_for(Settings(database_url="sqlite:///x.sqlite", var_dir=Path("/srv/var")))
    assert isinstance(storage, DirectoryStorage)
    assert storage.root == Path("/srv/var/documents")


def test_postgresql_keeps_documents_in_the_database_so_that_hosts_share_them():
    assert isinstance(storage_for(Settings(database_url=POSTGRES)), DatabaseStorage)


def test_the_storage_setting_overrides_the_engine_default():
    assert isinstance(
        storage_for(Settings(database_url=POSTGRES, storage="directory")), DirectoryStorage
    )
    environment = {"ORDIPRET_STORAGE": " Database ", "ORDIPRET_DATABASE_URL": "sqlite:///x"}
    assert isinstance(storage_for(Settings.from_env(environment)), DatabaseStorage)


def test_an_unknown_storage_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match="ORDIPRET_STORAGE"):
        storage_for(Settings(storage="s3"))
