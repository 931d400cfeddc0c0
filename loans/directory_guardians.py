"""The guardians of an AAF import: one Guardian row per (student, relative), its `ent_id` the
relative's ENT key.

A student's `ENTElevePersRelEleve` lists every relative linked to them, one value each:
`id$type_relation$resp_financier$resp_legal$contact$paiement` (the AAF specification; e.g.
`1234568$1$0$1$0$0`). The first field is the relative's id; legal authority is the 4th field,
`resp_legal` = `1`. A value with fewer fields (older exports) falls back on the student's
`ENTEleveAutoriteParentale` list of ids when the entry has one, else on legal authority (the
default of a guardian typed by staff).

An entry carrying the attribute carries the whole list (a modifyRequest gives the attribute's
full new value), so the student's directory guardians (those with an `ent_id`) that are not
listed any more are removed; guardians typed by staff, without `ent_id`, are left alone
unless a relative of the same names adopts them.
"""

from __future__ import annotations

from dataclasses import dataclass

from inventory.errors import Invalid
from loans.directory_staging import Staging
from loans.directory_students import RELATIVES, StagedStudent
from loans.student_import import fold_name
from loans.students import MAX_GUARDIANS, check_guardian_fields
from loans.tables import Guardian

# Where a relative's guardian fields come from; the first phone attribute given wins.
NAMES = {"last_name": "sn", "first_name": "givenName", "email": "mail"}
PHONES = ("mobile", "telephoneNumber", "homePhone")
KEPT = ("last_name", "first_name", "email", "phone")
_COLUMNS = (
    Guardian.id,
    Guardian.student,
    Guardian.ent_id,
    Guardian.legal_authority,
    *(getattr(Guardian, name) for name in KEPT),
)


@dataclass(slots=True)
class GuardianCounts:
    added: int = 0
    changed: int = 0
    removed: int = 0


def links(attrs: dict) -> list[tuple[str, bool]]:
    """(relative key, legal authority) for each relative linked to the student, in order."""
    authority = attrs.get("ENTEleveAutoriteParentale")
    found: dict[str, bool] = {}
    for value in attrs.get(RELATIVES) or []:
        parts = value.split("$")
        key = parts[0].strip()
        if not key:
            continue
        if len(parts) >= 4:
            legal = parts[3].strip() == "1"
        else:
            legal = key in authority if authority is not None else True
        found[key] = found.get(key, False) or legal
    return list(found.items())


def relative_fields(attrs: dict) -> tuple[dict, dict[str, str]]:
    """The guardian fields a relative's entry gives, checked; errors by AAF attribute."""
    fields = {name: (attrs[source] or [""])[0] for name, source in NAMES.items() if source in attrs}
    phone = next(((attrs[p] or [""])[0] for p in PHONES if attrs.get(p)), None)
    if phone is not None:
        fields["phone"] = phone
    errors: dict[str, str] = {}
    try:
        check_guardian_fields(fields)
    except Invalid as invalid:
        source = {**NAMES, "phone": "telephoneNumber"}
        for name, message in invalid.errors.items():
            errors[source.get(name, name)] = message
            fields.pop(name, None)  # a bad email or phone is not kept; names stay required
    return fields, errors


async def current_guardians(student_ids: list[int]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    if student_ids:
        for row in await Guardian.select(*_COLUMNS).where(Guardian.student.is_in(student_ids)):
            found.setdefault(row["student"], []).append(row)
    return found


def _adopted(current: list[dict], key: str, fields: dict) -> dict | None:
    """The student's guardian this relative is: same ENT key, else same names typed by staff."""
    same = next((g for g in current if g["ent_id"] == key), None)
    if same is None and fields.get("last_name"):
        names = (fold_name(fields["last_name"]), fold_name(fields.get("first_name")))
        same = next(
            (
                g
                for g in current
                if g["ent_id"] is None
                and (fold_name(g["last_name"]), fold_name(g["first_name"])) == names
            ),
            None,
        )
    return same


class GuardianPlan:
    """The inserts, updates and deletes of one chunk's guardians."""

    def __init__(self) -> None:
        self.new: list[tuple] = []
        self.updates: list[tuple[int, dict]] = []
        self.removed: list[int] = []

    def student(
        self,
        student: StagedStudent,
        student_id: int | None,
        current: list[dict],
        relatives: dict[str, tuple[str, dict]],
        known: dict[str, dict],
        errors: list[tuple[str, str, str]],
    ) -> bool:
        """Plan the student's guardians; True when anything of theirs changes. `known`: a
        guardian row of the region per relative key the files do not name in full (a Delta
        links a sibling's relative by id only)."""
        wanted: list[tuple[dict | None, dict]] = []
        for key, legal in links(student.attrs):
            op, attrs = relatives.get(key, ("", {}))
            if op == "delete":
                continue
            fields, problems = relative_fields(attrs) if op else ({}, {})
            errors += [(key, name, message) for name, message in problems.items()]
            if base := known.get(key):
                fields = {**{name: base[name] for name in KEPT}, **fields}
            kept = _adopted(current, key, fields)
            if kept is None and not (fields.get("last_name") and fields.get("first_name")):
                if not op:
                    message = f"représentant {key} absent des fichiers"
                    errors.append((student.entry, RELATIVES, message))
                continue  # else its own errors name the missing names
            wanted.append((kept, {**fields, "ent_id": key, "legal_authority": legal}))
        wanted.sort(key=lambda pair: not pair[1]["legal_authority"])  # legal ones kept first
        if len(wanted) > MAX_GUARDIANS:
            message = f"{MAX_GUARDIANS} représentants au plus : les suivants sont ignorés"
            errors.append((student.entry, RELATIVES, message))
            wanted = wanted[:MAX_GUARDIANS]
        changed = False
        kept_ids = set()
        for kept, values in wanted:
            if kept is None:
                self.new.append((student_id, student.key, values))
                changed = True
                continue
            kept_ids.add(kept["id"])
            if diff := {k: v for k, v in values.items() if v != kept[k]}:
                self.updates.append((kept["id"], diff))
                changed = True
        stale = [g["id"] for g in current if g["ent_id"] is not None and g["id"] not in kept_ids]
        self.removed += stale
        return changed or bool(stale)

    def counts(self) -> GuardianCounts:
        return GuardianCounts(len(self.new), len(self.updates), len(self.removed))


async def guardians_of_relatives(region_id: int, keys: list[str]) -> list[dict]:
    """The guardian rows of the region's students carrying these relatives' ENT keys. The
    region is filtered here, not in SQL: with a term on the joined student, SQLite drove the
    query from the region's index (every student of the region) instead of `guardian_ent_id`."""
    rows = await Guardian.select(*_COLUMNS, Guardian.student.region.as_alias("region")).where(
        Guardian.ent_id.is_in(keys)
    )
    return [row for row in rows if row["region"] == region_id]


def plan_relatives(
    chunk: list[tuple[str, str, str, dict]],
    rows: list[dict],
    handled: set[int],
    plan: GuardianPlan,
    errors: list[tuple[str, str, str]],
) -> None:
    """A relative's own change (a Delta's modifyRequest or deleteRequest on a PersRelEleve)
    reaches every guardian row carrying their key, but those of the students this import
    already handled (`handled`): their links were planned with them."""
    by_key: dict[str, list[dict]] = {}
    for row in rows:
        if row["student"] not in handled:
            by_key.setdefault(row["ent_id"], []).append(row)
    for key, entry, op, attrs in chunk:
        targets = by_key.get(key, [])
        if op == "delete":
            plan.removed += [row["id"] for row in targets]
            continue
        fields, problems = relative_fields(attrs)
        if targets:
            errors += [(entry, name, message) for name, message in problems.items()]
        for row in targets:
            if diff := {k: v for k, v in fields.items() if v != row[k]}:
                plan.updates.append((row["id"], diff))


async def linked_relatives(
    staging: Staging, region_id: int, students: list[StagedStudent]
) -> tuple[dict[str, tuple[str, dict]], dict[str, dict]]:
    """The relatives the students link: as staged, and a guardian row of the region for those
    the files do not name in full (none in a Complet: every relative is in it)."""
    keys = sorted({key for s in students for key, _ in links(s.attrs)})
    staged = staging.relatives(keys)
    partial = [
        k for k in keys if not all(n in staged.get(k, ("", {}))[1] for n in ("sn", "givenName"))
    ]
    known = {}
    if partial:
        known = {row["ent_id"]: row for row in await guardians_of_relatives(region_id, partial)}
    return staged, known
