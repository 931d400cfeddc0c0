"""The backup archive: one plain tar file.

Members: the database (`database.sqlite`, a SQLite file; or `database.pgdump`, pg_dump's
custom format), the stored documents when they live in a directory (`documents/ab/cd/<sha256>`),
and `manifest.json`, written last, which lists every other member with its SHA-256 and size.
The manifest comes last so that it lists what was really written (a job's result may be
deleted while the documents are copied); the restore reads the member headers first, which a
plain tar allows without reading the data.

Not compressed: documents are PDFs and JPEGs, already compressed, and a dump of the custom
format is too; whoever wants a smaller SQLite archive compresses it (`zstd`), and the restore
reads a `.tar.gz` or `.tar.xz` as well.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

FORMAT = "ordipret-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
_DOCUMENT = re.compile(r"^documents/([0-9a-f]{2})/([0-9a-f]{2})/(\1\2[0-9a-f]{60})$")
_TABLE = re.compile(r"^[a-z_][a-z0-9_]*$")
_CHUNK = 1 << 20
NOT_OURS = "ce fichier n'est pas une sauvegarde d'ordipret."


class BackupError(Exception):
    """Why a backup or a restore cannot go on, in French, for the operator."""


@dataclass(frozen=True)
class FileEntry:
    path: str
    sha256: str
    size: int


@dataclass
class Manifest:
    engine: str  # sqlite, postgresql
    storage: str  # directory, database: where the documents were kept
    app_version: str
    created_at: str  # the snapshot's moment, ISO 8601 UTC
    migrations: list[list[str]]  # [app, migration id] applied in the snapshot
    tables: dict[str, int]  # rows of every table in the snapshot
    files: list[FileEntry] = field(default_factory=list)
    # Documents the snapshot names whose bytes could not be copied (gone or damaged).
    missing_documents: list[str] = field(default_factory=list)

    def to_json(self) -> bytes:
        body = {"format": FORMAT, "format_version": FORMAT_VERSION, **asdict(self)}
        return json.dumps({**body, "checksum": _checksum(body)}, indent=1).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            body: dict[str, Any] = json.loads(data)
            if body.pop("checksum") != _checksum(body):
                raise BackupError("Manifeste modifié : son empreinte ne correspond plus.")
            if body.pop("format") != FORMAT:
                raise ValueError
            version = body.pop("format_version")
            if version != FORMAT_VERSION:
                raise BackupError(
                    f"Format de sauvegarde {version} inconnu de cette version d'ordipret "
                    f"(format {FORMAT_VERSION}) : restaurez avec la version qui l'a faite."
                )
            manifest = cls(**{**body, "files": [FileEntry(**f) for f in body["files"]]})
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BackupError(f"Manifeste illisible : {NOT_OURS}") from None
        if manifest.engine not in DATABASE_MEMBERS or not all(map(_TABLE.match, manifest.tables)):
            raise BackupError(f"Manifeste incohérent : {NOT_OURS}")
        return manifest

    @property
    def database(self) -> FileEntry:
        for entry in self.files:
            if entry.path == DATABASE_MEMBERS[self.engine]:
                return entry
        raise BackupError("Archive sans base de données.")

    @property
    def documents(self) -> list[FileEntry]:
        return [f for f in self.files if f.path.startswith("documents/")]


def _checksum(body: dict[str, Any]) -> str:
    """The manifest's own SHA-256, over its other fields: a changed count or name is refused
    before anything is written, like a changed file."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def document_member(sha256: str) -> str:
    return f"documents/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class _Hashing:
    """A file read through, hashed on the way (tarfile reads exactly the member's size)."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file, self.hash = file, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.hash.update(data)
        return data


class ArchiveWriter:
    """Writes `path.partial`, renamed to `path` once complete: a failed backup never leaves a
    file that looks like a backup."""

    def __init__(self, path: Path) -> None:
        self.path, self.partial = path, path.with_name(path.name + ".partial")
        # Closed by finish() or abort(), which the caller always reaches.
        self.tar = tarfile.open(self.partial, "w", format=tarfile.PAX_FORMAT)  # noqa: SIM115
        self.entries: list[FileEntry] = []

    def add_file(self, name: str, source: Path) -> FileEntry:
        info = self.tar.gettarinfo(str(source), arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        with source.open("rb") as file:
            hashing = _Hashing(file)
            self.tar.addfile(info, hashing)
        return self._entry(FileEntry(name, hashing.hash.hexdigest(), info.size))

    def add_bytes(self, name: str, data: bytes) -> FileEntry:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
        self.tar.addfile(info, io.BytesIO(data))
        return self._entry(FileEntry(name, hashlib.sha256(data).hexdigest(), len(data)))

    def _entry(self, entry: FileEntry) -> FileEntry:
        self.entries.append(entry)
        return entry

    def finish(self, manifest: Manifest) -> None:
        manifest.files = list(self.entries)
        data = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
        self.tar.addfile(info, io.BytesIO(data))
        self.tar.close()
        with self.partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        self.tar.close()
        self.partial.unlink(missing_ok=True)


def open_archive(path: Path) -> tuple[tarfile.TarFile, Manifest]:
    """The archive and its manifest, its members' headers read (not their data yet)."""
    try:
        tar = tarfile.open(path, "r:*")  # noqa: SIM115 (closed by the caller, or below)
        members = tar.getmembers()
    except FileNotFoundError:
        raise BackupError(f"{path} : fichier introuvable.") from None
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{path} : archive illisible ou abîmée ({error}).") from None
    manifests = [m for m in members if m.name == MANIFEST and m.isfile()]
    if len(manifests) != 1:
        tar.close()
        raise BackupError(f"{path} : pas de manifeste, ce n'est pas une sauvegarde d'ordipret.")
    try:
        manifest = Manifest.from_json(_read(tar, manifests[0]))
    except BaseException:
        tar.close()
        raise
    return tar, manifest


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    file = tar.extractfile(member)
    if file is None:
        raise BackupError(f"{member.name} : membre illisible.")
    with file:
        return file.read()


def verify(tar: tarfile.TarFile, manifest: Manifest, advance) -> None:
    """Every member is a regular file the manifest lists once, with its size and hash, and
    every listed file is there: before anything is written (`advance(done, total)`)."""
    listed = {entry.path: entry for entry in manifest.files}
    members = [m for m in tar.getmembers() if m.name != MANIFEST]
    names = [m.name for m in members]
    if len(listed) != len(manifest.files) or sorted(names) != sorted(listed):
        raise BackupError("Archive incomplète ou modifiée : ses fichiers diffèrent du manifeste.")
    manifest.database  # noqa: B018 (refuses an archive without one)
    if not all(_DOCUMENT.match(entry.path) for entry in manifest.documents):
        raise BackupError("Archive incohérente : un document ne porte pas le nom de son empreinte.")
    total = sum(entry.size for entry in manifest.files)
    done = 0
    for member in members:
        entry = listed[member.name]
        if not member.isfile() or member.size != entry.size:
            raise BackupError(f"{member.name} : taille différente de celle du manifeste.")
        digest = hashlib.sha256()
        source = tar.extractfile(member)
        assert source is not None  # a regular file
        with source:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                done += len(chunk)
                advance(done, total)
        if digest.hexdigest() != entry.sha256:
            raise BackupError(f"{member.name} : empreinte SHA-256 différente du manifeste.")
    advance(total, total)


def copy_member(tar: tarfile.TarFile, entry: FileEntry, destination: IO[bytes]) -> None:
    """Copy a verified member, checking its hash again (the file may have changed since)."""
    source = tar.extractfile(entry.path)
    assert source is not None
    digest = hashlib.sha256()
    with source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            destination.write(chunk)
    if digest.hexdigest() != entry.sha256:
        raise BackupError(f"{entry.path} : l'archive a changé pendant la restauration.")


def member_bytes(tar: tarfile.TarFile, entry: FileEntry) -> bytes:
    data = _read(tar, tar.getmember(entry.path))
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise BackupError(f"{entry.path} : l'archive a changé pendant la restauration.")
    return data
