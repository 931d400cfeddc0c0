"""`ordipret restore` refuses what it must before writing anything (a target holding data, a
damaged archive), and both commands say what is missing."""

from __future__ import annotations

import asyncio
import tarfile

import pytest

from api.infra.backup.archive import BackupError
from api.infra.backup.restoring import restore_backup
from api.infra.backup.taking import take_backup
from loans.storage import DirectoryStorage
from loans.tables import Document
from tests.api.backups import (
    Target,
    Writer,
    assert_no_database_written,
    manifest_of,
    silent,
    storage_of,
)
from tests.cli_process import ordipret
from tests.conftest import with_changes
from tests.factories import make_student


async def test_restore_refuses_a_database_that_already_holds_data(world, settings, tmp_path):
    archive = tmp_path / "sauvegarde.tar"
    await take_backup(settings, archive, silent)
    students = await make_student("A")

    with pytest.raises(BackupError, match="contient déjà"):
        await restore_backup(settings, archive, silent)

    assert (await make_student("A")).id == students.id + 1  # the database is as it was


async def test_restore_refuses_a_documents_directory_that_is_not_empty(
    world, settings, tmp_path, restore_target: Target
):
    archive = tmp_path / "sauvegarde.tar"
    await take_backup(with_changes(settings, storage="directory"), archive, silent)
    await DirectoryStorage(restore_target.var_dir / "documents").put(b"un document d'ailleurs")
    elsewhere = with_changes(
        settings,
        database_url=restore_target.database_url,
        var_dir=restore_target.var_dir,
        storage="directory",
    )

    with pytest.raises(BackupError, match="n'est pas vide"):
        await restore_backup(elsewhere, archive, silent)

    await assert_no_database_written(restore_target)
    assert len(list((restore_target.var_dir / "documents").rglob("*/*/*"))) == 1


@pytest.mark.parametrize(
    ("member", "refusal"),
    [
        ("database", "database.sqlite : empreinte SHA-256|database.pgdump : empreinte SHA-256"),
        ("documents/", "documents/.* : empreinte SHA-256"),
        ("manifest.json", "Manifeste"),
    ],
)
async def test_an_archive_with_one_byte_changed_is_refused_before_anything_is_written(
    world, settings, tmp_path, restore_target: Target, member: str, refusal: str
):
    writer = Writer(world, storage_of("directory", settings.var_dir))
    await writer.prepare()
    await writer.step()
    archive = tmp_path / "sauvegarde.tar"
    source = with_changes(settings, storage="directory")
    await take_backup(source, archive, silent)
    with tarfile.open(archive) as tar:
        chosen = next(m for m in tar.getmembers() if m.name.startswith(member))
    with archive.open("r+b") as file:  # one byte in the middle of that member's data
        file.seek(chosen.offset_data + chosen.size // 2)
        byte = file.read(1)
        file.seek(-1, 1)
        file.write(bytes([byte[0] ^ 0x01]))
    elsewhere = with_changes(
        settings,
        database_url=restore_target.database_url,
        var_dir=restore_target.var_dir,
        storage="directory",
    )

    with pytest.raises(BackupError, match=refusal):
        await restore_backup(elsewhere, archive, silent)

    assert not (restore_target.var_dir / "documents").exists()
    await assert_no_database_written(restore_target)


async def test_a_document_file_lost_before_the_backup_is_named_by_it_and_by_the_restore(
    world, settings, tmp_path, restore_target: Target
):
    storage = DirectoryStorage(settings.var_dir / "documents")
    writer = Writer(world, storage)
    await writer.prepare()
    await writer.step()
    [sha256] = [row["sha256"] for row in await Document.select(Document.sha256)]
    storage.path_of(sha256).unlink()
    archive = tmp_path / "sauvegarde.tar"
    source = {
        "ORDIPRET_DATABASE_URL": settings.database_url,
        "ORDIPRET_VAR_DIR": str(settings.var_dir),
        "ORDIPRET_STORAGE": "directory",
    }

    backup = await asyncio.to_thread(
        ordipret, tmp_path, "backup", "-o", str(archive), env_extra=source
    )
    restored = await asyncio.to_thread(
        ordipret, tmp_path, "restore", str(archive), env_extra=restore_target.env("directory")
    )

    assert backup.returncode == 1 and "1 document(s)" in backup.stdout, backup.stdout
    assert manifest_of(archive)["missing_documents"] == [sha256]
    assert restored.returncode == 1, restored.stdout + restored.stderr
    assert "Documents sans contenu : 1" in restored.stdout


async def test_a_backup_on_postgresql_without_pg_dump_is_refused_clearly(
    settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path))  # no PostgreSQL client tools there
    on_postgres = with_changes(settings, database_url="postgresql://postgres@127.0.0.1:1/absente")

    with pytest.raises(BackupError, match="pg_dump introuvable"):
        await take_backup(on_postgres, tmp_path / "sauvegarde.tar", silent)

    assert not list(tmp_path.iterdir())


async def test_a_backup_never_overwrites_an_existing_file(settings, tmp_path):
    earlier = tmp_path / "sauvegarde.tar"
    earlier.write_bytes(b"la sauvegarde d'hier")

    with pytest.raises(BackupError, match="existe déjà"):
        await take_backup(settings, earlier, silent)

    assert earlier.read_bytes() == b"la sauvegarde d'hier"
