"""`ordipret backup`: the database's snapshot, then the documents, into one archive."""

from __future__ import annotations

import asyncio
import tempfile
from contextlib import AbstractContextManager
from importlib.metadata import version
from pathlib import Path
from typing import Protocol

from api.infra.backup import documents, postgres, sqlite
from api.infra.backup.archive import DATABASE_MEMBERS, ArchiveWriter, BackupError, Manifest
from api.infra.backup.facts import engine_of
from api.infra.storage import storage_for
from api.settings import Settings
from loans.storage import DirectoryStorage


class Stage(Protocol):
    """`with stage("Documents") as advance: advance(done, total)`: how far a step has gone
    (the CLI draws progress bars, tests pass a silent one)."""

    def __call__(self, description: str) -> AbstractContextManager: ...


def _check_output(output: Path) -> None:
    if output.exists():
        raise BackupError(f"{output} existe déjà : choisissez un autre nom de fichier.")
    if not output.parent.is_dir():
        raise BackupError(f"Le répertoire {output.parent} n'existe pas.")


async def take_backup(settings: Settings, output: Path, stage: Stage) -> Manifest:
    """Write the archive at `output` (refused when it exists); its manifest."""
    _check_output(output)
    engine, storage = engine_of(settings.database_url), storage_for(settings)
    if engine == "postgresql":
        postgres.tool("pg_dump")  # before anything is read
    # Staged beside the archive, on the same disk: never in /tmp, often too small.
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".ordipret-backup-") as staging:
        database = Path(staging) / DATABASE_MEMBERS[engine]
        with stage("Base de données") as advance:
            if engine == "sqlite":
                source = sqlite.database_path(settings.database_url)
                snap = await asyncio.to_thread(sqlite.snapshot, source, database, advance)
            else:
                snap = await postgres.snapshot(settings.database_url, database, advance)
        writer = ArchiveWriter(output)
        try:
            writer.add_file(DATABASE_MEMBERS[engine], database)
            missing: list[str] = []
            if isinstance(storage, DirectoryStorage):
                with stage("Documents") as advance:
                    missing = await asyncio.to_thread(
                        documents.copy_into, writer, storage.root, snap.documents, advance
                    )
            manifest = Manifest(
                engine=engine,
                storage="directory" if isinstance(storage, DirectoryStorage) else "database",
                app_version=version("ordipret"),
                created_at=snap.created_at.isoformat(),
                migrations=snap.migrations,
                tables=snap.tables,
                missing_documents=missing,
            )
            writer.finish(manifest)
        except BaseException:
            writer.abort()
            raise
    return manifest
