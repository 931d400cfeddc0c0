"""SQLite: the snapshot through SQLite's online backup API, and its restore as a file.

The backup reads the live database page by page while the server goes on writing (WAL mode:
writers never wait for it). Its source connection opens a read transaction first and keeps it
to the end, so that every step reads the same state of the database, the one the counts and
migrations of the manifest are read from too: without it, SQLite restarts a backup whenever
another process commits, which under a steady load could go on for ever.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from api.infra.backup import facts
from api.infra.backup.archive import BackupError, FileEntry, copy_member
from api.infra.database import engine_for

PAGES_PER_STEP = 1024


def database_path(database_url: str) -> Path:
    return Path(engine_for(database_url).path)  # type: ignore[attr-defined]


def snapshot(source: Path, destination: Path, advance) -> facts.Snapshot:
    if not source.is_file():
        raise BackupError(f"La base SQLite {source} n'existe pas.")
    connection = sqlite3.connect(source, isolation_level=None, timeout=30)
    try:
        connection.execute("BEGIN")  # the read transaction: one state for every step below
        tables = [name for (name,) in connection.execute(facts.TABLES_SQL["sqlite"])]
        created_at = dt.datetime.now(dt.UTC)
        counts = {t: connection.execute(facts.count_sql(t)).fetchone()[0] for t in tables}
        migrations = connection.execute(facts.MIGRATIONS_SQL).fetchall()
        documents = connection.execute(facts.DOCUMENTS_SQL).fetchall()
        target = sqlite3.connect(destination)
        try:
            connection.backup(
                target,
                pages=PAGES_PER_STEP,
                progress=lambda _status, remaining, total: advance(total - remaining, total),
            )
            # One self-contained file: the copy inherits WAL mode, which would want a -wal.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
        connection.execute("COMMIT")
    except sqlite3.Error as error:
        raise BackupError(f"Lecture de la base SQLite impossible : {error}.") from None
    finally:
        connection.close()
    return facts.snapshot_of(created_at, counts, migrations, documents)


def refuse_unless_empty(path: Path) -> None:
    if not path.exists():
        return
    try:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            tables = connection.execute(facts.TABLES_SQL["sqlite"]).fetchall()
    except sqlite3.Error as error:
        raise BackupError(f"La base cible {path} est illisible ({error}).") from None
    if tables:
        raise BackupError(
            f"La base {path} contient déjà {len(tables)} table(s) : la restauration ne se fait "
            "que sur une base vide. Déplacez ce fichier (et ses fichiers -wal et -shm) ou "
            "indiquez-en un autre (ORDIPRET_DATABASE_URL)."
        )


def restore(tar: tarfile.TarFile, entry: FileEntry, path: Path) -> None:
    """Write the database beside its place, then rename it there in one step: until then the
    deployment is still empty, and a failure leaves nothing to clean."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".restore-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            copy_member(tar, entry, file)
            file.flush()
            os.fsync(file.fileno())
        for suffix in ("-wal", "-shm"):  # of the empty database replaced, if it was opened
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
