"""The export of a student's personal data (RGPD art. 15 and 20) as one ZIP archive: a
French README.txt, `donnees.json` (`loans.personal_data`) and the files of the loans'
documents and photos from the storage, each named in the JSON next to its SHA-256.

Built with the standard library's `zipfile` into a spooled temporary file: documents are read
from the storage one at a time and written at once, and an archive past a few megabytes goes
to disk instead of memory; the caller streams the file and closes it. PDFs and photos are
stored as they are (already compressed); the JSON and the README are deflated.

The export is recorded in the student's history (`personal_data_exported`), after the archive
is built, with the actor snapshot and nothing else: the event holds no personal data.
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import tempfile
import zipfile
from dataclasses import dataclass
from typing import IO
from zoneinfo import ZoneInfo

from inventory.db import write_transaction
from inventory.errors import NotFound
from inventory.scope import Actor, Scope
from loans import personal_data, students
from loans.corrections import space_actor
from loans.ent_linking import SpaceAccess
from loans.personal_data_loans import STAFF
from loans.storage import CorruptedContent, Storage
from loans.student_history import record_student_event
from loans.tables import Student

EXPORTED = "personal_data_exported"
IN_MEMORY = 8 * 1024 * 1024  # past this the archive spools to a temporary file
PARIS = ZoneInfo("Europe/Paris")
STORED_TYPES = ("application/pdf", "image/jpeg", "image/png")

README = """\
Vos données personnelles — ordipret (prêt de matériel numérique de la Région)
=============================================================================

Cette archive contient tout ce que le service de prêt conserve sur l'élève
{name}, à la date du {day} (heure de Paris), au titre des articles 15
(droit d'accès) et 20 (droit à la portabilité) du RGPD.

Fichiers
--------

README.txt
    Ce fichier.

donnees.json
    Toutes les informations, au format JSON (lisible par un tableur ou un
    programme). Les dates suivent la norme ISO 8601 (AAAA-MM-JJ, heures en UTC).
    - student : la fiche de l'élève (nom, prénom, date de naissance, INE,
      identifiant ENT, classe, établissement, date de départ) ;
    - guardians : les représentants légaux et contacts enregistrés pour cet élève ;
    - ent_links : le compte ENT lié et les propositions de liaison ;
    - loans : chaque prêt, avec l'appareil, les accessoires, l'état au retour,
      les déclarations de perte ou de vol, son historique (events), ses
      conventions et leurs signatures (agreements), ses documents et photos ;
    - consents : les conditions de prêt acceptées, par signature (version de la
      convention et des conditions) ;
    - requests : les demandes faites depuis l'espace élève (liaison ENT,
      perte ou vol, rectification) et leur réponse ;
    - reminders : les relances envoyées par courriel ;
    - history : l'historique de la fiche de l'élève (qui, quand, quoi).

prets/<n° du prêt>/
    Les documents de chaque prêt, tels qu'ils sont conservés : conventions
    (PDF), conventions signées et scellées, reçus de restitution, scans des
    conventions papier, images des signatures, photos prises au retour.
    Le nom de chaque fichier figure dans donnees.json (champ « file ») à côté
    de son empreinte SHA-256, qui permet d'en vérifier l'intégrité. Un document
    introuvable dans le stockage est signalé par « missing » dans donnees.json.

Ce qui n'y figure pas
---------------------

Les noms des personnels du lycée et de la Région ne sont pas des données de
l'élève : dans les historiques, ils apparaissent comme « {staff} ».
Les conventions signées, elles, sont fournies telles qu'elles ont été signées.

Pour faire corriger une information inexacte : « Mes données personnelles »
dans l'espace élève, ou le lycée.
"""


@dataclass
class Archive:
    """The archive, rewound, for the caller to stream and close; `file_name` to suggest."""

    file: IO[bytes]
    size: int
    file_name: str


def _entry(name: str, now: dt.datetime, compress: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=now.astimezone(PARIS).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    return info


def file_name_of(document: dict) -> str:
    suffix = mimetypes.guess_extension(document["media_type"]) or ".bin"
    kind, version = document["kind"], document["version"]
    return f"{document['id']}-{kind}-v{version}{suffix}"


async def _add_documents(archive: zipfile.ZipFile, storage: Storage, data: dict, now) -> None:
    """Each loan's documents into `prets/<loan id>/`, one at a time; their names in `data`."""
    for loan in data["loans"]:
        files: dict[int, str | None] = {}
        for document in loan["documents"]:
            name = f"prets/{loan['id']}/{file_name_of(document)}"
            try:
                content = await storage.get(document["sha256"])  # checks the hash
            except (NotFound, CorruptedContent):
                document["file"], document["missing"] = None, True
            else:
                stored = document["media_type"] in STORED_TYPES
                archive.writestr(_entry(name, now, not stored), content)
                document["file"], document["missing"] = name, False
            files[document["id"]] = document["file"]
        for photo in loan["photos"]:  # a photo from before documents has no file here
            photo["file"] = files.get(photo["document_id"])


async def export_personal_data(
    storage: Storage, scope: Scope, actor: Actor, now: dt.datetime, student_id: int
) -> Archive:
    """The archive of everything held about the student; NotFound outside `scope`."""
    data = await personal_data.collect(scope, student_id)
    data = {"format": "ordipret/donnees-personnelles/1", "exported_at": now.isoformat(), **data}
    student = data["student"]
    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 (the caller closes)
    try:
        with zipfile.ZipFile(spool, "w") as archive:
            readme = README.format(
                name=f"{student['first_name']} {student['last_name']}",
                day=now.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M"),
                staff=STAFF,
            )
            archive.writestr(_entry("README.txt", now, True), readme.encode("utf-8"))
            await _add_documents(archive, storage, data, now)
            text = json.dumps(data, ensure_ascii=False, indent=2)
            archive.writestr(_entry("donnees.json", now, True), text.encode("utf-8"))
        async with write_transaction():
            await students.student_row(scope, student_id, lock=True)  # still there, in scope
            await record_student_event(student_id, actor, now, EXPORTED, {})
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    day = now.astimezone(PARIS).date().isoformat()
    return Archive(spool, size, f"donnees-personnelles-eleve-{student_id}-{day}.zip")


async def export_for_space(
    storage: Storage, access: SpaceAccess, now: dt.datetime, student_id: int
) -> Archive:
    """The export a student (or a guardian for their child) downloads from their space: only
    a student the ENT identity sees (anyone else: NotFound), recorded with the requester as
    actor (`corrections.space_actor`)."""
    if not access.sees(student_id):
        raise NotFound(f"Élève {student_id} introuvable.")
    place = await Student.select(Student.region, Student.establishment).where(
        Student.id == student_id
    )
    scope = Scope.establishments({place[0]["establishment"]: place[0]["region"]})
    actor = await space_actor(access, student_id)
    return await export_personal_data(storage, scope, actor, now, student_id)
