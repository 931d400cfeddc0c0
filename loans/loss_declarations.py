"""A loss or a theft declared from the student and guardian space: a request the school
confirms or rejects.

The family declares as soon as they know (the agreement asks them to); the device's state
changes only when staff of the school confirm, through the desk's own use-case
(`lifecycle.declare_loss` / `declare_theft`, in the same transaction as the decision), so
the loan's history and the asset's state are written exactly as at the desk. One pending
declaration per loan (a partial unique index). Logs carry ids, never what was declared.
"""

from __future__ import annotations

import datetime as dt
import logging

import msgspec

from inventory import keyset
from inventory.db import for_update, is_unique_violation, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.reference_pages import CountedPage, counted_page
from inventory.scope import Actor, Scope
from loans import lifecycle
from loans.ent_identity import EntIdentity
from loans.ent_linking import SpaceAccess
from loans.minors import paris_day
from loans.my_space import requester_name, space_loan
from loans.tables import LossDeclaration

KINDS = ("loss", "theft")
STATES = ("pending", "confirmed", "rejected")
CIRCUMSTANCES_MAX = 2000
audit = logging.getLogger("ordipret.audit")


class DeclarationView(msgspec.Struct, frozen=True):
    id: int
    loan_id: int
    kind: str
    incident_on: dt.date
    circumstances: str
    police_report_ref: str
    police_report_on: dt.date | None
    declared_by_role: str
    declared_by_name: str
    auth_method: str
    state: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: str
    decision_note: str
    asset_tag: str
    student_id: int
    student_last_name: str
    student_first_name: str
    establishment_uai: str


def check_declaration(
    now: dt.datetime,
    kind: str,
    incident_on: dt.date | None,
    circumstances: str,
    police_report_ref: str,
    police_report_on: dt.date | None,
) -> None:
    """The desk's rules (lifecycle), checked when the family declares, in their words."""
    errors = {}
    if kind not in KINDS:
        errors["kind"] = "choisissez une perte ou un vol"
    if incident_on is None:
        errors["incident_on"] = "indiquez la date de la perte ou du vol (JJ/MM/AAAA)"
    elif incident_on > paris_day(now):
        errors["incident_on"] = "la date ne peut pas être dans le futur"
    if not circumstances.strip():
        errors["circumstances"] = "décrivez les circonstances"
    elif len(circumstances) > CIRCUMSTANCES_MAX:
        errors["circumstances"] = f"{CIRCUMSTANCES_MAX} caractères au plus"
    if kind == "theft":
        if not police_report_ref.strip():
            errors["police_report_ref"] = (
                "la référence du récépissé de dépôt de plainte est obligatoire pour un vol"
            )
        elif len(police_report_ref.strip()) > 60:
            errors["police_report_ref"] = "60 caractères au plus"
        if police_report_on is None:
            errors["police_report_on"] = "la date du dépôt de plainte est obligatoire (JJ/MM/AAAA)"
        elif incident_on is not None and (
            police_report_on < incident_on or police_report_on > paris_day(now)
        ):
            errors["police_report_on"] = (
                "la plainte est déposée après le vol et au plus tard aujourd'hui"
            )
    if errors:
        raise Invalid(errors)


async def declare(
    access: SpaceAccess,
    identity: EntIdentity,
    now: dt.datetime,
    loan_id: int,
    *,
    kind: str,
    incident_on: dt.date | None,
    circumstances: str,
    police_report_ref: str = "",
    police_report_on: dt.date | None = None,
) -> DeclarationView:
    loan = await space_loan(access, loan_id, paris_day(now))  # another student's: not found
    if loan.state != "active":
        raise Conflict("Seul un appareil qui vous a été remis peut être déclaré perdu ou volé.")
    if loan.declaration is not None:
        raise Conflict("Une déclaration pour cet appareil attend déjà la réponse du lycée.")
    check_declaration(now, kind, incident_on, circumstances, police_report_ref, police_report_on)
    assert incident_on is not None  # checked above
    row = LossDeclaration(
        loan=loan_id,
        region=loan.region_id,
        establishment=loan.establishment_id,
        kind=kind,
        incident_on=incident_on,
        circumstances=circumstances.strip(),
        police_report_ref=police_report_ref.strip() if kind == "theft" else "",
        police_report_on=police_report_on if kind == "theft" else None,
        declared_by_role=access.kind,
        declared_by_name=await requester_name(access, loan.student_id),
        declared_by_ent_id=identity.key,
        auth_method=identity.method,
        state="pending",
        created_at=now,
    )
    try:
        async with write_transaction():
            inserted = await LossDeclaration.insert(row).returning(LossDeclaration.id)
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(
                "Une déclaration pour cet appareil attend déjà la réponse du lycée."
            ) from error
        raise
    declaration_id = inserted[0]["id"]
    audit.info("loan %s %s declaration %s from the ENT space", loan_id, kind, declaration_id)
    return await get_declaration(loan.scope, declaration_id)


# Staff: the declarations of their schools ---------------------------------------------------

_COLUMNS = (
    LossDeclaration.id,
    LossDeclaration.loan.as_alias("loan_id"),
    LossDeclaration.kind,
    LossDeclaration.incident_on,
    LossDeclaration.circumstances,
    LossDeclaration.police_report_ref,
    LossDeclaration.police_report_on,
    LossDeclaration.declared_by_role,
    LossDeclaration.declared_by_name,
    LossDeclaration.auth_method,
    LossDeclaration.state,
    LossDeclaration.created_at,
    LossDeclaration.decided_at,
    LossDeclaration.decided_by_name.as_alias("decided_by"),
    LossDeclaration.decision_note,
    LossDeclaration.loan._.asset._.tag.as_alias("asset_tag"),
    LossDeclaration.loan.student.as_alias("student_id"),
    LossDeclaration.loan._.student._.last_name.as_alias("student_last_name"),
    LossDeclaration.loan._.student._.first_name.as_alias("student_first_name"),
    LossDeclaration.establishment.uai.as_alias("establishment_uai"),
)


def _scoped(query, scope: Scope):
    where = scope.restrict(LossDeclaration.region, LossDeclaration.establishment)
    return query if where is None else query.where(where)


# Oldest first, as before: by creation, then id (two may be created in the same instant).
DECLARATION_SORT = "loss_declarations"
DECLARATION_KEYS = (keyset.Key(LossDeclaration.created_at), keyset.Key(LossDeclaration.id))


async def declaration_page(
    scope: Scope, state: str = "pending", *, limit: int, cursor: str | None = None
) -> CountedPage[DeclarationView]:
    """A page of them after (or before) `cursor`, oldest first, with their capped count."""

    def select():
        query = _scoped(LossDeclaration.select(*_COLUMNS), scope)
        return query.where(LossDeclaration.state == state) if state in STATES else query

    return await counted_page(
        select, DECLARATION_SORT, DECLARATION_KEYS, cursor, limit, DeclarationView
    )


async def list_declarations(scope: Scope, state: str = "pending", limit: int = 200) -> list:
    query = _scoped(LossDeclaration.select(*_COLUMNS), scope)
    if state in STATES:
        query = query.where(LossDeclaration.state == state)
    rows = await query.order_by(LossDeclaration.created_at).limit(max(1, min(limit, 500)))
    return [DeclarationView(**row) for row in rows]


async def get_declaration(scope: Scope, declaration_id: int) -> DeclarationView:
    row = (
        await _scoped(LossDeclaration.select(*_COLUMNS), scope)
        .where(LossDeclaration.id == declaration_id)
        .first()
    )
    if row is None:
        raise NotFound(f"Déclaration n° {declaration_id} introuvable.")
    return DeclarationView(**row)


async def _pending(scope: Scope, declaration_id: int) -> dict:
    query = _scoped(LossDeclaration.select(*LossDeclaration.all_columns()), scope).where(
        LossDeclaration.id == declaration_id
    )
    rows = await for_update(query, LossDeclaration)
    if not rows:
        raise NotFound(f"Déclaration n° {declaration_id} introuvable.")
    if rows[0]["state"] != "pending":
        raise Conflict("Cette déclaration a déjà été traitée.", field="state")
    return rows[0]


async def _mark(declaration_id: int, state: str, actor: Actor, now: dt.datetime, note: str):
    await LossDeclaration.update(
        {
            LossDeclaration.state: state,
            LossDeclaration.decided_at: now,
            LossDeclaration.decided_by_id: actor.id,
            LossDeclaration.decided_by_name: actor.name,
            LossDeclaration.decision_note: note,
        }
    ).where(LossDeclaration.id == declaration_id)


async def confirm_declaration(
    scope: Scope, actor: Actor, now: dt.datetime, declaration_id: int
) -> DeclarationView:
    """The school confirms: the loan ends as lost or stolen (the desk's use-case, which
    checks the loan is still active and the caller's scope), in the same transaction."""
    async with write_transaction():
        row = await _pending(scope, declaration_id)
        circumstances = f"Déclaré par {row['declared_by_name']} : {row['circumstances']}"
        if row["kind"] == "theft":
            await lifecycle.declare_theft(
                scope,
                actor,
                now,
                row["loan"],
                incident_on=row["incident_on"],
                circumstances=circumstances,
                police_report_ref=row["police_report_ref"],
                police_report_on=row["police_report_on"],
            )
        else:
            await lifecycle.declare_loss(
                scope,
                actor,
                now,
                row["loan"],
                incident_on=row["incident_on"],
                circumstances=circumstances,
            )
        await _mark(declaration_id, "confirmed", actor, now, "")
    audit.info("loan %s declaration %s confirmed by account %s", row["loan"], row["id"], actor.id)
    return await get_declaration(scope, declaration_id)


async def reject_declaration(
    scope: Scope, actor: Actor, now: dt.datetime, declaration_id: int, note: str = ""
) -> DeclarationView:
    """The school rejects (the device was found, a mistake…): the loan does not change."""
    if len(note) > CIRCUMSTANCES_MAX:
        raise Invalid({"note": f"{CIRCUMSTANCES_MAX} caractères au plus"})
    async with write_transaction():
        row = await _pending(scope, declaration_id)
        await _mark(declaration_id, "rejected", actor, now, note.strip())
    audit.info("loan %s declaration %s rejected by account %s", row["loan"], row["id"], actor.id)
    return await get_declaration(scope, declaration_id)
