"""`ordipret restore`: an archive back onto an EMPTY deployment, checked before and after.

Before anything is written: the manifest is read, the engines and storages agree, the archive
needs no migration this version does not know, the target holds no table and no document, and
every file of the archive has its manifest's size and SHA-256. Then the database (in one step:
a renamed file, or one transaction), the documents, and the checks: every `document` row has
its bytes with their hash, every table its manifest's count. There is no `--force`: restoring
over data would mix two deployments; whoever means it empties the target first.
"""

from __future__ import annotations

import asyncio
import tarfile
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from api.infra.backup import documents, facts, postgres, sqlite
from api.infra.backup.archive import BackupError, Manifest, copy_member, open_archive, verify
from api.infra.backup.taking import Stage
from api.infra.database import engine_for
from api.infra.piccolo_conf import APP_CONFIG_MODULES, bind
from api.infra.storage import storage_for
from api.settings import Settings
from loans.storage import DirectoryStorage, Storage
from loans.tables import Document


@dataclass
class Summary:
    manifest: Manifest
    check: documents.DocumentCheck
    pending_migrations: list[str]
    differing_tables: dict[str, tuple[int, int]] = field(default_factory=dict)  # manifest, found

    @property
    def complete(self) -> bool:
        check = self.check
        return not (check.missing or check.damaged or self.differing_tables)


def known_migrations() -> set[tuple[str, str]]:
    """(app, migration id) of every migration this version of ordipret carries."""
    import importlib

    from piccolo.apps.migrations.commands.base import BaseMigrationManager

    known = set()
    for module_name in APP_CONFIG_MODULES:
        config = importlib.import_module(module_name).APP_CONFIG
        modules = BaseMigrationManager().get_migration_modules(config.migrations_folder_path)
        known |= {(config.app_name, migration_id) for migration_id in modules}
    return known


def _check_compatible(manifest: Manifest, engine: str, storage: Storage) -> list[str]:
    """The migrations to apply after the restore; refused when the archive is of another
    engine, keeps its documents where the target cannot, or comes from a newer version."""
    if manifest.engine != engine:
        raise BackupError(
            f"Cette sauvegarde vient d'une base {manifest.engine}, la base configurée est "
            f"{engine} (ORDIPRET_DATABASE_URL) : restaurez-la sur le même moteur."
        )
    if manifest.storage == "database" and isinstance(storage, DirectoryStorage):
        raise BackupError(
            "Les documents de cette sauvegarde sont dans la base : restaurez-la avec "
            "ORDIPRET_STORAGE=database."
        )
    known, applied = known_migrations(), {(app, name) for app, name in manifest.migrations}
    if unknown := sorted(f"{app} {name}" for app, name in applied - known):
        raise BackupError(
            f"Cette sauvegarde vient d'une version plus récente d'ordipret "
            f"({manifest.app_version}, migrations inconnues : {', '.join(unknown[:3])}) : "
            "installez cette version pour la restaurer."
        )
    return sorted(f"{app} {name}" for app, name in known - applied)


async def restore_backup(settings: Settings, archive: Path, stage: Stage) -> Summary:
    tar, manifest = open_archive(archive)
    with closing(tar):
        engine, storage = facts.engine_of(settings.database_url), storage_for(settings)
        pending = _check_compatible(manifest, engine, storage)
        if engine == "sqlite":
            sqlite.refuse_unless_empty(sqlite.database_path(settings.database_url))
        else:
            postgres.tool("pg_restore")
            await postgres.refuse_unless_empty(settings.database_url)
        if isinstance(storage, DirectoryStorage) and documents.holds_documents(storage.root):
            raise BackupError(
                f"Le répertoire des documents {storage.root} n'est pas vide : la restauration "
                "ne se fait que sur un déploiement vide."
            )
        with stage("Vérification de l'archive") as advance:
            await asyncio.to_thread(verify, tar, manifest, advance)
        with stage("Base de données") as advance:
            advance(0, 1)
            await asyncio.to_thread(_restore_database, tar, manifest, settings)
            advance(1, 1)
        try:
            summary = await _restore_documents(tar, manifest, settings, storage, stage)
        except Exception as error:
            raise BackupError(
                f"Restauration interrompue après la base de données ({error}). "
                f"Avant de recommencer, videz {_what_to_clean(settings, storage)}."
            ) from error
    summary.pending_migrations = pending
    return summary


def _restore_database(tar: tarfile.TarFile, manifest: Manifest, settings: Settings) -> None:
    if manifest.engine == "sqlite":
        sqlite.restore(tar, manifest.database, sqlite.database_path(settings.database_url))
        return
    # pg_restore reads a file; the var directory has room for it more surely than /tmp.
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=settings.var_dir, prefix=".restore-") as dump:
        copy_member(tar, manifest.database, dump)
        dump.flush()
        postgres.restore(settings.database_url, Path(dump.name))


def _what_to_clean(settings: Settings, storage: Storage) -> str:
    if facts.engine_of(settings.database_url) == "sqlite":
        path = sqlite.database_path(settings.database_url)
        what = f"la base (supprimez {path} et ses fichiers -wal et -shm)"
    else:
        what = "la base PostgreSQL (dropdb puis createdb)"
    if isinstance(storage, DirectoryStorage):
        what += f" et le répertoire {storage.root}"
    return what


async def _restore_documents(
    tar: tarfile.TarFile, manifest: Manifest, settings: Settings, storage: Storage, stage: Stage
) -> Summary:
    engine = engine_for(settings.database_url, pool_size=2)
    bind(engine)
    await engine.start_connection_pool()
    try:
        if manifest.documents:
            with stage("Documents") as advance:
                await documents.put_back(tar, manifest, storage, advance)
        with stage("Contrôle des documents") as advance:
            check = await documents.check_all(storage, advance)
        differing = {}
        # Documents moved from files into the database add rows the snapshot did not have.
        moved = manifest.storage == "directory" and not isinstance(storage, DirectoryStorage)
        for table, expected in manifest.tables.items():
            if moved and table == "document_content":
                continue
            # A name the manifest checked (api.infra.backup.archive).
            rows = await Document.raw(f'SELECT count(*) AS n FROM "{table}"')
            found = rows[0]["n"]
            if found != expected:
                differing[table] = (expected, found)
    finally:
        await engine.close_connection_pool()
    return Summary(manifest, check, [], differing)
