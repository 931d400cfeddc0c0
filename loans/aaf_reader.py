"""Reading the AAF files that feed the ENTs (`ficAlimMENESR` XML), one entry at a time.

An AAF file is a flat list of requests under the `ficAlimMENESR` root:

    <addRequest>                       (or modifyRequest, deleteRequest)
      <operationalAttributes><attr name="categoriePersonne"><value>Eleve</value></attr>…
      <identifier><id>1234567</id></identifier>
      <attributes><attr name="sn"><value>…</value></attr>…   (one or several values)

Structures (`EtabEducNat`) carry their category in `categorieEntite` in some exports: both
names are read. Files reach 150 MB for an academy, so they are streamed with iterparse and
every request is cleared from the tree once read: memory stays that of one entry.

Hostile XML is refused before anything is imported (the caller reads every file before
writing): defusedxml refuses entity declarations (so entity expansion, the "billion laughs",
cannot even start) and external entities, while the plain `<!DOCTYPE ficAlimMENESR SYSTEM
"ficAlimMENESR.dtd">` line that real files carry is accepted: `forbid_dtd=False`, and expat
is never asked to load the external subset (ElementTree does not turn parameter-entity
parsing on), so the DTD file is never resolved. defusedxml parses with the pure-Python
ElementTree (it needs expat's handlers): 2.3× slower than the C one, ~55 µs an entry.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from loans.ent_identity import strip_source_prefix

ROOT = "ficAlimMENESR"
OPERATIONS = {"addRequest": "add", "modifyRequest": "modify", "deleteRequest": "delete"}
CATEGORY_NAMES = ("categoriePersonne", "categorieEntite")
STUDENT = "Eleve"
RELATIVE = "PersRelEleve"
STAFF = "PersEducNat"
STRUCTURE = "EtabEducNat"
COMPLETE = "complet"
DELTA = "delta"
MODES = (COMPLETE, DELTA)


class AafFileError(Exception):
    """A file that is not a readable, harmless AAF file; `message` is French."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(f"{file} : {message}")
        self.file = file
        self.message = f"{file} : {message}"


@dataclass(frozen=True, slots=True)
class AafEntry:
    operation: str  # "add", "modify" or "delete"
    category: str  # Eleve, PersRelEleve, PersEducNat, EtabEducNat, or another
    identifier: str  # identifier/id
    attributes: dict[str, list[str]]  # only those the entry carries

    def first(self, name: str) -> str | None:
        values = self.attributes.get(name)
        return values[0] if values else None

    @property
    def key(self) -> str:
        """The person's ENT key: ENTPersonJointure without its source prefix (`AC-XXX$`),
        else the identifier, which AAF files set to the same value."""
        return strip_source_prefix(self.first("ENTPersonJointure") or self.identifier)


def file_mode(name: str) -> str | None:
    """`complet` or `delta` from a file's name (`ENT_…_Complet_20260901_Eleve_0001.xml`)."""
    lowered = Path(name).name.lower()
    found = [mode for mode in MODES if mode in lowered]
    return found[0] if len(found) == 1 else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _values(attr: Element) -> list[str]:
    return [(value.text or "").strip() for value in attr if _local(value.tag) == "value"]


def _entry(request: Element) -> AafEntry:
    category, identifier, attributes = "", "", {}
    for part in request:
        tag = _local(part.tag)
        if tag == "operationalAttributes":
            for attr in part:
                if attr.get("name") in CATEGORY_NAMES and (values := _values(attr)):
                    category = values[0]
        elif tag == "identifier":
            identifier = next(((c.text or "").strip() for c in part if _local(c.tag) == "id"), "")
        elif tag in ("attributes", "modifications"):
            for attr in part:
                if name := attr.get("name"):
                    attributes[name] = [v for v in _values(attr) if v]
    return AafEntry(OPERATIONS[_local(request.tag)], category, identifier, attributes)


def read_entries(source: Path | bytes | BinaryIO, name: str) -> Iterator[AafEntry]:
    """Every request of the file, in file order; AafFileError names the file and the fault."""
    stream: BinaryIO | Path = io.BytesIO(source) if isinstance(source, bytes) else source
    root: Element | None = None
    try:
        events = iterparse(stream, events=("start", "end"), forbid_dtd=False, forbid_entities=True)
        for event, element in events:
            if root is None:
                root = element
                if _local(element.tag) != ROOT:
                    raise AafFileError(name, f"ce n'est pas un fichier AAF ({ROOT} attendu)")
            elif event == "end" and _local(element.tag) in OPERATIONS:
                yield _entry(element)
                root.clear()  # constant memory: drop the entries read
    except DefusedXmlException:
        raise AafFileError(
            name,
            "fichier refusé : il déclare des entités XML (expansion d'entités ou entités "
            "externes), ce qu'un fichier AAF ne fait jamais. Rien n'a été importé.",
        ) from None
    except ParseError as error:
        raise AafFileError(name, f"XML illisible ({error}). Rien n'a été importé.") from None
    if root is None:
        raise AafFileError(name, "fichier vide")
