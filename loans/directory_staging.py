"""Where the entries of an AAF import wait between reading the files and applying them.

Real exports come split in several files (structures, students, relatives, staff), uploaded
in any order, and a student's entry names a structure and relatives that may come in a file
read later. So the import reads every file first into this staging area, then applies the
students in their file order, each chunk joined to the structures and relatives it names.
Reading everything first is also what guarantees that a hostile or broken file stops the
import before anything is written.

The staging area is a private temporary SQLite database (`sqlite3.connect("")`: on disk,
deleted when closed, a 2 MB page cache): 100,000 students and their relatives stay out of
the process's memory, which holds one chunk at a time whatever the size of the files.
Entries of the same person are folded in file order: a modifyRequest overlays the attributes
it carries on the earlier add, a deleteRequest marks the person deleted.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

from loans.aaf_reader import RELATIVE, STRUCTURE, STUDENT, AafEntry

SCHEMA = """
CREATE TABLE structure (id TEXT PRIMARY KEY, uai TEXT NOT NULL);
CREATE TABLE person (
    kind TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, entry TEXT NOT NULL,
    op TEXT NOT NULL, attrs TEXT NOT NULL, PRIMARY KEY (kind, key)
);
CREATE INDEX person_order ON person (kind, seq);
CREATE TABLE alias (kind TEXT NOT NULL, entry TEXT NOT NULL, key TEXT NOT NULL,
    PRIMARY KEY (kind, entry));
CREATE TABLE present (student_id INTEGER PRIMARY KEY);
CREATE TABLE linked (student_id INTEGER PRIMARY KEY);
"""


class Staging:
    def __init__(self) -> None:
        # Filled in a worker thread (reading the files), then read on the event loop's:
        # used by one thread at a time.
        self.db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self.db.executescript(SCHEMA)
        self.db.execute("BEGIN")  # one transaction: no sync per row
        self.seq = 0
        self.counts = {STUDENT: 0, RELATIVE: 0, STRUCTURE: 0, "ignored": 0}

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    # Reading ------------------------------------------------------------------------------

    def add(self, entry: AafEntry) -> None:
        if entry.category == STRUCTURE:
            self._structure(entry)
        elif entry.category in (STUDENT, RELATIVE):
            self._person(entry)
        else:  # staff (PersEducNat) and anything else: not borrowers
            self.counts["ignored"] += 1
            return
        self.counts[entry.category] += 1

    def _structure(self, entry: AafEntry) -> None:
        uai = (entry.first("ENTStructureUAI") or "").strip().upper()
        if entry.operation == "delete" or not uai:
            return
        ids = {entry.identifier, entry.first("ENTStructureJointure") or entry.identifier}
        self.db.executemany(
            "INSERT OR REPLACE INTO structure (id, uai) VALUES (?, ?)",
            [(i.strip(), uai) for i in ids if i.strip()],
        )

    def _person(self, entry: AafEntry) -> None:
        self.seq += 1
        kind, key = entry.category, entry.key
        op, attrs = entry.operation, entry.attributes
        if entry.first("ENTPersonJointure"):
            self.db.execute(
                "INSERT OR REPLACE INTO alias (kind, entry, key) VALUES (?, ?, ?)",
                (kind, entry.identifier, key),
            )
        else:  # a modify or delete naming the person by identifier only: the key it was given
            row = self.db.execute(
                "SELECT key FROM alias WHERE kind = ? AND entry = ?", (kind, entry.identifier)
            ).fetchone()
            key = row[0] if row else key
        if op != "add":  # fold onto what an earlier entry of this person said
            row = self.db.execute(
                "SELECT op, attrs FROM person WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
            if row is not None:
                attrs = {**json.loads(row[1]), **attrs}
                if op == "modify" and row[0] != "delete":
                    op = row[0]
        self.db.execute(
            "INSERT INTO person (kind, key, seq, entry, op, attrs) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, key) DO UPDATE SET entry = excluded.entry, op = excluded.op, "
            "attrs = excluded.attrs",
            (kind, key, self.seq, entry.identifier or key, op, json.dumps(attrs)),
        )

    # Applying -----------------------------------------------------------------------------

    def uai_of(self, structure_id: str) -> str | None:
        row = self.db.execute(
            "SELECT uai FROM structure WHERE id = ?", (structure_id.strip(),)
        ).fetchone()
        return row[0] if row else None

    def count(self, kind: str) -> int:
        return self.db.execute("SELECT count(*) FROM person WHERE kind = ?", (kind,)).fetchone()[0]

    def chunks(self, kind: str, size: int) -> Iterator[list[tuple[str, str, str, dict]]]:
        """(key, entry id, op, attributes) of every person of `kind`, in file order."""
        after = 0
        while True:
            rows = self.db.execute(
                "SELECT seq, key, entry, op, attrs FROM person WHERE kind = ? AND seq > ? "
                "ORDER BY seq LIMIT ?",
                (kind, after, size),
            ).fetchall()
            if not rows:
                return
            after = rows[-1][0]
            yield [(key, entry, op, json.loads(attrs)) for _, key, entry, op, attrs in rows]

    def relatives(self, keys: list[str]) -> dict[str, tuple[str, dict]]:
        """key -> (op, attributes) of the relatives named, those staged."""
        found: dict[str, tuple[str, dict]] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ", ".join("?" * len(part))
            for key, op, attrs in self.db.execute(
                f"SELECT key, op, attrs FROM person WHERE kind = ? AND key IN ({marks})",
                (RELATIVE, *part),
            ):
                found[key] = (op, json.loads(attrs))
        return found

    def mark_present(self, student_ids: list[int], table: str = "present") -> None:
        """`present`: students an entry designated; `linked`: those whose guardians an entry
        listed (a relative's own change is then already applied to them)."""
        assert table in ("present", "linked")
        self.db.executemany(
            f"INSERT OR IGNORE INTO {table} (student_id) VALUES (?)", [(i,) for i in student_ids]
        )

    def absent(self, student_ids: list[int], table: str = "present") -> list[int]:
        """Those of `student_ids` not marked in `table`."""
        assert table in ("present", "linked")
        absent = []
        for start in range(0, len(student_ids), 500):
            part = student_ids[start : start + 500]
            marks = ", ".join("?" * len(part))
            seen = {
                row[0]
                for row in self.db.execute(
                    f"SELECT student_id FROM {table} WHERE student_id IN ({marks})", part
                )
            }
            absent += [i for i in part if i not in seen]
        return absent
