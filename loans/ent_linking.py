"""Which student records an ENT account may see in the student and guardian space.

- A student is linked by their ENT key: `student.ent_id` in the identity's region (filled by
  the directory import, or by staff). Failing that, a student record of one of the schools
  the ENT attaches them to, with the same names (accents and case aside) and birth date, is
  *proposed*: a link proposal staff of that school confirm (the key is then written on the
  student) or reject. Never linked silently: until staff confirm, the space shows nothing.
- A guardian sees the children whose guardian row carries their ENT key with legal
  authority; a guardian row without legal authority gives nothing.

Every link written goes to the student's audit log (ids and field names, never values).
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from dataclasses import dataclass, field

import msgspec

from inventory import keyset
from inventory.db import for_update, is_unique_violation, write_transaction
from inventory.errors import Conflict, NotFound
from inventory.reference_pages import CountedPage, counted_page
from inventory.scope import Actor, Scope
from inventory.tables import Region
from inventory.uai import normalise_uai
from loans.ent_identity import GUARDIAN, STUDENT, EntIdentity
from loans.student_history import record_student_event
from loans.students import log_change
from loans.tables import EntLinkProposal, Guardian, Student

# What the space may show an ENT account.
LINKED = "linked"  # student_ids hold what it may see
PENDING = "pending"  # a proposal awaits the school's decision
REJECTED = "rejected"  # the school rejected the proposal: nothing, ask the school
UNKNOWN = "unknown"  # no student record for this account (or no child with authority)

PROPOSAL_STATES = ("pending", "confirmed", "rejected")
audit = logging.getLogger("ordipret.audit")


@dataclass(frozen=True, slots=True)
class SpaceAccess:
    """The students an ENT identity may see, and as whom: `guardian_ids` maps each child's
    student id to the guardian row of this identity (guardians only)."""

    status: str
    kind: str
    student_ids: tuple[int, ...] = ()
    guardian_ids: dict[int, int] = field(default_factory=dict)

    def sees(self, student_id: int) -> bool:
        return self.status == LINKED and student_id in self.student_ids


class ProposalView(msgspec.Struct, frozen=True):
    id: int
    student_id: int
    last_name: str
    first_name: str
    class_name: str
    birth_date: dt.date
    establishment_uai: str
    establishment_name: str
    ent_id: str
    auth_method: str
    state: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: str


def folded(name: str) -> str:
    """« Léa-Marie  D'Arc » → « lea marie d arc »: no accents, no case, no punctuation."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def same_person(row: dict, identity: EntIdentity) -> bool:
    """Same last name, and the same first name or the first of the ENT's given names."""
    last, first = folded(identity.last_name), folded(identity.first_name)
    if not last or not first or folded(row["last_name"]) != last:
        return False
    recorded = folded(row["first_name"])
    return recorded == first or recorded == first.split()[0]


async def _region_id(code: str) -> int | None:
    row = await Region.select(Region.id).where(Region.code == code).first()
    return row["id"] if row else None


async def access_for(identity: EntIdentity, now: dt.datetime) -> SpaceAccess:
    """What the space may show this identity; a student's first visit may record a proposal."""
    region_id = await _region_id(identity.region_code)
    if region_id is None or not identity.key:
        return SpaceAccess(UNKNOWN, identity.kind)
    if identity.kind == STUDENT:
        return await _student_access(identity, region_id, now)
    if identity.kind == GUARDIAN:
        return await _guardian_access(identity, region_id)
    return SpaceAccess(UNKNOWN, identity.kind)


async def _student_access(identity: EntIdentity, region_id: int, now: dt.datetime) -> SpaceAccess:
    linked = (
        await Student.select(Student.id)
        .where((Student.region == region_id) & (Student.ent_id == identity.key))
        .first()
    )
    if linked is not None:
        return SpaceAccess(LINKED, STUDENT, (linked["id"],))
    proposals = await EntLinkProposal.select(EntLinkProposal.student, EntLinkProposal.state).where(
        (EntLinkProposal.region == region_id) & (EntLinkProposal.ent_id == identity.key)
    )
    if any(p["state"] == "pending" for p in proposals):
        return SpaceAccess(PENDING, STUDENT)
    candidate = await _candidate(identity, region_id)
    if candidate is None:
        return SpaceAccess(UNKNOWN, STUDENT)
    if any(p["student"] == candidate["id"] for p in proposals):  # rejected by the school
        return SpaceAccess(REJECTED, STUDENT)
    await _propose(identity, region_id, candidate, now)
    return SpaceAccess(PENDING, STUDENT)


async def _candidate(identity: EntIdentity, region_id: int) -> dict | None:
    """The one unlinked student of the identity's schools with its names and birth date;
    None when there is none, or more than one (then nobody is proposed: staff link by hand)."""
    uais = sorted({normalise_uai(u) for u in identity.uais if u} - {""})
    if not uais or identity.birth_date is None:
        return None
    rows = await Student.select(
        Student.id,
        Student.establishment,
        Student.last_name,
        Student.first_name,
    ).where(
        (Student.region == region_id)
        & Student.establishment.uai.is_in(uais)
        & (Student.birth_date == identity.birth_date)
        & Student.ent_id.is_null()
    )
    matches = [row for row in rows if same_person(row, identity)]
    return matches[0] if len(matches) == 1 else None


async def _propose(identity: EntIdentity, region_id: int, student: dict, now: dt.datetime) -> None:
    try:
        async with write_transaction():
            inserted = await EntLinkProposal.insert(
                EntLinkProposal(
                    student=student["id"],
                    region=region_id,
                    establishment=student["establishment"],
                    ent_id=identity.key,
                    auth_method=identity.method,
                    state="pending",
                    created_at=now,
                )
            ).returning(EntLinkProposal.id)
    except Exception as error:
        if is_unique_violation(error):  # proposed meanwhile by another session of the account
            return
        raise
    audit.info(
        "student %s ENT link proposal %s recorded (%s)",
        student["id"],
        inserted[0]["id"],
        identity.method,
    )


async def _guardian_access(identity: EntIdentity, region_id: int) -> SpaceAccess:
    rows = await (
        Guardian.select(Guardian.id, Guardian.student)
        .where(
            (Guardian.ent_id == identity.key)
            & Guardian.legal_authority.eq(True)
            & (Guardian.student.region == region_id)
        )
        .order_by(Guardian.student)
    )
    if not rows:
        return SpaceAccess(UNKNOWN, GUARDIAN)
    children = {row["student"]: row["id"] for row in rows}
    return SpaceAccess(LINKED, GUARDIAN, tuple(children), children)


# Staff: the proposals of their schools ---------------------------------------------------------

_COLUMNS = (
    EntLinkProposal.id,
    EntLinkProposal.student.as_alias("student_id"),
    EntLinkProposal.student.last_name.as_alias("last_name"),
    EntLinkProposal.student.first_name.as_alias("first_name"),
    EntLinkProposal.student.class_name.as_alias("class_name"),
    EntLinkProposal.student.birth_date.as_alias("birth_date"),
    EntLinkProposal.establishment.uai.as_alias("establishment_uai"),
    EntLinkProposal.establishment.name.as_alias("establishment_name"),
    EntLinkProposal.ent_id,
    EntLinkProposal.auth_method,
    EntLinkProposal.state,
    EntLinkProposal.created_at,
    EntLinkProposal.decided_at,
    EntLinkProposal.decided_by_name.as_alias("decided_by"),
)


def _scoped(query, scope: Scope):
    where = scope.restrict(EntLinkProposal.region, EntLinkProposal.establishment)
    return query if where is None else query.where(where)


# Oldest first, as before: by creation, then id (two may be created in the same instant).
PROPOSAL_SORT = "ent_link_proposals"
PROPOSAL_KEYS = (keyset.Key(EntLinkProposal.created_at), keyset.Key(EntLinkProposal.id))


async def proposal_page(
    scope: Scope, state: str = "pending", *, limit: int, cursor: str | None = None
) -> CountedPage[ProposalView]:
    """A page of them after (or before) `cursor`, oldest first, with their capped count."""

    def select():
        query = _scoped(EntLinkProposal.select(*_COLUMNS), scope)
        return query.where(EntLinkProposal.state == state) if state in PROPOSAL_STATES else query

    return await counted_page(select, PROPOSAL_SORT, PROPOSAL_KEYS, cursor, limit, ProposalView)


async def list_proposals(scope: Scope, state: str = "pending", limit: int = 200) -> list:
    query = _scoped(EntLinkProposal.select(*_COLUMNS), scope)
    if state in PROPOSAL_STATES:
        query = query.where(EntLinkProposal.state == state)
    rows = await query.order_by(EntLinkProposal.created_at).limit(max(1, min(limit, 500)))
    return [ProposalView(**row) for row in rows]


async def get_proposal(scope: Scope, proposal_id: int) -> ProposalView:
    row = (
        await _scoped(EntLinkProposal.select(*_COLUMNS), scope)
        .where(EntLinkProposal.id == proposal_id)
        .first()
    )
    if row is None:
        raise NotFound(f"Proposition de liaison ENT n° {proposal_id} introuvable.")
    return ProposalView(**row)


async def _decide(scope: Scope, actor: Actor, now: dt.datetime, proposal_id: int) -> dict:
    """The pending proposal, locked, in scope (else NotFound), marked decided by `actor`."""
    query = _scoped(EntLinkProposal.select(*EntLinkProposal.all_columns()), scope).where(
        EntLinkProposal.id == proposal_id
    )
    rows = await for_update(query, EntLinkProposal)
    if not rows:
        raise NotFound(f"Proposition de liaison ENT n° {proposal_id} introuvable.")
    if rows[0]["state"] != "pending":
        raise Conflict("Cette proposition a déjà été traitée.", field="state")
    return rows[0]


async def confirm_proposal(
    scope: Scope, actor: Actor, now: dt.datetime, proposal_id: int
) -> ProposalView:
    """Staff confirm: the ENT key is written on the student; the proposal is confirmed."""
    try:
        async with write_transaction():
            proposal = await _decide(scope, actor, now, proposal_id)
            student = await for_update(
                Student.select(Student.id, Student.ent_id).where(Student.id == proposal["student"]),
                Student,
            )
            if student[0]["ent_id"] not in (None, proposal["ent_id"]):
                raise Conflict(
                    "Cet élève est déjà lié à un autre compte ENT : rejetez la proposition.",
                    field="ent_id",
                )
            await Student.update({Student.ent_id: proposal["ent_id"]}).where(
                Student.id == proposal["student"]
            )
            await record_student_event(
                proposal["student"], actor, now, "ent_linked", {"ent_id": None}
            )
            await _mark(proposal_id, "confirmed", actor, now)
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(
                "Ce compte ENT est déjà lié à un autre élève de la région.", field="ent_id"
            ) from error
        raise
    log_change("ENT account linked (proposal confirmed)", proposal["student"], actor, ["ent_id"])
    return await get_proposal(scope, proposal_id)


async def reject_proposal(
    scope: Scope, actor: Actor, now: dt.datetime, proposal_id: int
) -> ProposalView:
    """Staff reject: nothing is linked, and the account is not proposed again for this student."""
    async with write_transaction():
        proposal = await _decide(scope, actor, now, proposal_id)
        await _mark(proposal_id, "rejected", actor, now)
    log_change("ENT link proposal rejected", proposal["student"], actor, ["ent_id"])
    return await get_proposal(scope, proposal_id)


async def _mark(proposal_id: int, state: str, actor: Actor, now: dt.datetime) -> None:
    await EntLinkProposal.update(
        {
            EntLinkProposal.state: state,
            EntLinkProposal.decided_at: now,
            EntLinkProposal.decided_by_id: actor.id,
            EntLinkProposal.decided_by_name: actor.name,
        }
    ).where(EntLinkProposal.id == proposal_id)
