"""The loan lifecycle: each transition is a named use-case with one write transaction that
writes the change and an event on both the loan and the asset.

Concurrency: every transition is a compare-and-set (`UPDATE … WHERE id = ? AND state IN (…)`),
so of two simultaneous hand-overs only one finds the loan still awaiting; creation relies on
the partial unique indexes (one open loan per asset, numbered slots per student).
"""

from __future__ import annotations

import datetime as dt

from inventory.db import for_update, is_unique_violation, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.history import AssetChange, change_assets
from inventory.scope import Actor, Scope
from inventory.tables import Asset
from loans import agreement_records
from loans.agreement_content import signers_for_loan
from loans.minors import paris_day
from loans.records import loan_row
from loans.states import OPEN_STATES, TRANSITIONS, refusal
from loans.tables import Campaign, Loan, LoanEvent, Student


async def record_loan_event(
    loan_id: int, actor: Actor, now: dt.datetime, action: str, changes: dict, establishment_id: int
) -> None:
    await LoanEvent.insert(
        LoanEvent(
            loan=loan_id,
            at=now,
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            changes=changes,
            establishment_id=establishment_id,
        )
    )


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date) else value


async def _transition(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    name: str,
    values: dict | None = None,
    asset_values: dict | None = None,
    check=None,
    note: dict | None = None,
) -> dict:
    """Move a loan along `TRANSITIONS[name]`, in the caller's transaction.

    `check(row)` may refuse with a domain error after the state is known to be right;
    `asset_values` are written to the asset with an asset event. Returns the loan row as it
    was before the transition."""
    sources, target = TRANSITIONS[name]
    row = await loan_row(scope, loan_id, lock=True)
    if row["state"] not in sources:
        raise Conflict(f"Prêt n° {loan_id} : {refusal(name, row['state'])}.", field="state")
    if check is not None:
        check(row)
    values = {"state": target, **(values or {})}
    if target not in OPEN_STATES:
        values["closed_at"] = now
    changed = await (
        Loan.update(values)
        .where((Loan.id == loan_id) & Loan.state.is_in(list(sources)))
        .returning(Loan.id)
    )
    if not changed:  # another request moved it first
        raise Conflict(
            f"Prêt n° {loan_id} : modifié par une autre action, rechargez.", field="state"
        )
    changes = {"state": [row["state"], target]}
    changes.update({k: [_iso(row.get(k)), _iso(v)] for k, v in values.items() if k != "state"})
    changes.pop("closed_at", None)
    changes.update(note or {})
    await record_loan_event(loan_id, actor, now, name, changes, row["establishment"])
    if asset_values is not None:
        await _update_asset(row["asset"], asset_values, actor, now, name, row, loan_id)
    return row


async def _update_asset(
    asset_id: int,
    values: dict,
    actor: Actor,
    now: dt.datetime,
    action: str,
    loan: dict,
    loan_id: int,
) -> None:
    diff = {}
    if values:
        current = await Asset.select(*values.keys()).where(Asset.id == asset_id).first()
        assert current is not None  # assets are never deleted
        diff = {k: [_iso(current[k]), _iso(v)] for k, v in values.items() if current[k] != v}
    diff["loan_id"] = [None, loan_id]
    establishment_id = values.get("establishment", loan["asset_establishment"])
    await change_assets([AssetChange(asset_id, diff, establishment_id)], values, actor, now, action)


# Preparation -------------------------------------------------------------------------------


async def prepare_loan(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    *,
    asset_tag: str,
    student_id: int,
    max_open_per_category: int,
    campaign_id: int | None = None,
    draft: bool = False,
) -> int:
    """Reserve a device for a student: the loan awaits the agreement's signatures (or stays a
    draft until `issue_agreement`). Returns the loan id."""
    from inventory.assets import asset_id as scoped_asset_id

    try:
        asset_id = await scoped_asset_id(scope, asset_tag)
    except NotFound:  # a field of the request names it: 422 on that field, like the student
        raise Invalid(
            {"asset_tag": f"appareil {asset_tag} inconnu ou hors de votre périmètre"}
        ) from None
    try:
        async with write_transaction():
            asset = (
                await Asset.select(
                    Asset.state, Asset.establishment, Asset.model.category.as_alias("category")
                )
                .where(Asset.id == asset_id)
                .first()
            )
            if asset is None:  # found a moment ago, but its receipt was undone since
                raise Invalid({"asset_tag": f"appareil {asset_tag} inconnu"})
            student = await _student_in_scope(scope, student_id)
            if asset["state"] != "in_stock":
                raise Conflict(f"L'appareil {asset_tag} n'est pas en stock.", field="asset_tag")
            if student["left_on"] is not None:
                raise Conflict("Cet élève a quitté l'établissement.", field="student_id")
            if asset["establishment"] != student["establishment"]:
                raise Invalid(
                    {"asset_tag": "l'appareil est rattaché à un autre établissement que l'élève"}
                )
            if campaign_id is not None:
                await _check_campaign(campaign_id, student["establishment"])
            slot = await _free_slot(student_id, asset["category"], max_open_per_category)
            loan_id = (
                await Loan.insert(
                    Loan(
                        asset=asset_id,
                        student=student_id,
                        establishment=student["establishment"],
                        campaign=campaign_id,
                        state="draft" if draft else "awaiting_signature",
                        category=asset["category"],
                        slot=slot,
                        created_at=now,
                    )
                ).returning(Loan.id)
            )[0]["id"]
            await record_loan_event(
                loan_id,
                actor,
                now,
                "prepare_loan",
                {
                    "state": [None, "draft" if draft else "awaiting_signature"],
                    "asset_tag": [None, asset_tag],
                },
                student["establishment"],
            )
    except Exception as error:
        if is_unique_violation(error):
            raise _open_loan_conflict(error, asset_tag) from error
        raise
    return loan_id


def _open_loan_conflict(error: BaseException, asset_tag: str) -> Conflict:
    if "slot" in str(error) or "student" in str(error):
        return Conflict(
            "Cet élève a déjà le nombre maximal de prêts pour ce type d'appareil.",
            field="student_id",
        )
    return Conflict(
        f"L'appareil {asset_tag} fait déjà l'objet d'un prêt en cours.", field="asset_tag"
    )


async def _student_in_scope(scope: Scope, student_id: int) -> dict:
    # Locked until the loan is written: on PostgreSQL, concurrent loans of one student then
    # choose their slot in turn (as IMMEDIATE transactions do on SQLite) instead of all
    # taking the first free one and all but one failing on the unique index.
    query = Student.select(Student.establishment, Student.region, Student.left_on).where(
        Student.id == student_id
    )
    student = await for_update(query, Student).first()
    if student is None or not scope.sees_establishment(student["establishment"], student["region"]):
        raise Invalid({"student_id": f"élève n° {student_id} inconnu ou hors de votre périmètre"})
    return student


async def _check_campaign(campaign_id: int, establishment_id: int) -> None:
    """An unknown id would otherwise fail on the foreign key (a 500), and another school's
    campaign would count this loan in its figures."""
    campaign = (
        await Campaign.select(Campaign.establishment).where(Campaign.id == campaign_id).first()
    )
    if campaign is None or campaign["establishment"] != establishment_id:
        raise Invalid({"campaign_id": f"campagne n° {campaign_id} inconnue pour cet élève"})


async def _free_slot(student_id: int, category: str, maximum: int) -> int:
    """The lowest slot (1..maximum) not held by an open loan of the student in this category.
    The unique index makes a concurrent taker of the same slot fail, never exceed the max."""
    taken = {
        r["slot"]
        for r in await Loan.select(Loan.slot).where(
            (Loan.student == student_id) & (Loan.category == category) & Loan.closed_at.is_null()
        )
    }
    for slot in range(1, maximum + 1):
        if slot not in taken:
            return slot
    raise Conflict(
        f"Cet élève a déjà {maximum} prêt(s) en cours pour ce type d'appareil "
        "(maximum fixé par la région).",
        field="student_id",
    )


async def issue_agreement(scope: Scope, actor: Actor, now: dt.datetime, loan_id: int) -> None:
    async with write_transaction():
        await _transition(scope, actor, now, loan_id, "issue_agreement")


async def record_paper_signature(
    scope: Scope, actor: Actor, now: dt.datetime, loan_id: int, signed_on: dt.date
) -> None:
    """Staff attest that the paper convention, signed on `signed_on`, carries the signature of
    every party asked: each signer still missing gets a paper signature without scan on the
    current agreement (a version 1 without PDF when none was issued yet)."""
    if signed_on > paris_day(now):  # the day in France: 00:30 in Paris is 22:30 UTC
        raise Invalid({"signed_on": "la date de signature ne peut pas être dans le futur"})
    async with write_transaction():
        current = await loan_row(scope, loan_id, lock=True)  # out of scope: not found
        in_state = current["state"] in TRANSITIONS["paper_signature"][0]
        if in_state and await agreement_records.missing_signers(loan_id) == []:
            raise Conflict(
                f"Prêt n° {loan_id} : la convention est déjà signée par toutes les parties.",
                field="signed_on",
            )
        row = await _transition(
            scope,
            actor,
            now,
            loan_id,
            "paper_signature",
            note={"paper_signed_on": [None, signed_on.isoformat()]},
        )
        signers = await signers_for_loan(row, now)
        await agreement_records.record_paper_signatures(loan_id, signers, actor, now, signed_on)


async def refuse_unless_signed(loan_id: int, row: dict, now: dt.datetime) -> None:
    """The hand-over waits for every signature the current agreement asks, naming who is
    missing (everyone asked, when no agreement was issued yet)."""
    if row["state"] != "awaiting_signature":
        return  # the transition refuses with its own reason
    missing = await agreement_records.missing_signers(loan_id)
    if missing is None:
        missing = [
            agreement_records.SignerStatus(s.role, s.guardian_id, s.name, signed=False)
            for s in await signers_for_loan(row, now)
        ]
    if missing:
        raise Conflict(
            f"Prêt n° {loan_id} : la convention n'est pas signée par toutes les parties ; "
            f"{agreement_records.missing_text(missing)}.",
            field="state",
        )


# Hand-over and the ends of a loan ----------------------------------------------------------


async def hand_over(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    accessories: list[str],
    due_on: dt.date | None,
) -> None:
    values = {"handed_over_at": now, "accessories_given": accessories, "due_on": due_on}
    async with write_transaction():
        await refuse_unless_signed(loan_id, await loan_row(scope, loan_id, lock=True), now)
        await _transition(scope, actor, now, loan_id, "hand_over", values, {})


async def take_back(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    *,
    accessories_returned: list[str],
    condition: str,
    damage_notes: str = "",
) -> dict:
    """The device comes back: a damaged one goes to repair, a good one back to stock."""
    from inventory.assets import CONDITIONS

    if condition not in CONDITIONS:
        raise Invalid({"condition": "état physique inconnu ; valeurs possibles : A, B, C, D"})
    damaged = condition == "D" or bool(damage_notes.strip())
    values = {
        "accessories_returned": accessories_returned,
        "return_condition": condition,
        "damage_notes": damage_notes.strip(),
    }
    asset_values = {"state": "in_repair" if damaged else "in_stock", "condition": condition}
    async with write_transaction():
        row = await _transition(scope, actor, now, loan_id, "take_back", values, asset_values)
    missing = [a for a in (row["accessories_given"] or []) if a not in accessories_returned]
    return {"damaged": damaged, "missing_accessories": missing}


async def declare_loss(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    *,
    incident_on: dt.date,
    circumstances: str,
) -> None:
    _check_incident(now, incident_on, circumstances)
    values = {"incident_on": incident_on, "circumstances": circumstances.strip()}
    async with write_transaction():
        await _transition(scope, actor, now, loan_id, "declare_loss", values, {"state": "lost"})


async def declare_theft(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    *,
    incident_on: dt.date,
    circumstances: str,
    police_report_ref: str,
    police_report_on: dt.date | None,
) -> None:
    _check_incident(now, incident_on, circumstances)
    errors = {}
    if not police_report_ref.strip():
        errors["police_report_ref"] = (
            "la référence du récépissé de dépôt de plainte est obligatoire"
        )
    if police_report_on is None:
        errors["police_report_on"] = "la date du dépôt de plainte est obligatoire"
    elif police_report_on < incident_on or police_report_on > paris_day(now):
        errors["police_report_on"] = (
            "la plainte est déposée après le vol et au plus tard aujourd'hui"
        )
    if errors:
        raise Invalid(errors)
    values = {
        "incident_on": incident_on,
        "circumstances": circumstances.strip(),
        "police_report_ref": police_report_ref.strip(),
        "police_report_on": police_report_on,
    }
    async with write_transaction():
        await _transition(scope, actor, now, loan_id, "declare_theft", values, {"state": "stolen"})


def _check_incident(now: dt.datetime, incident_on: dt.date, circumstances: str) -> None:
    errors = {}
    if incident_on > paris_day(now):
        errors["incident_on"] = "la date ne peut pas être dans le futur"
    if not circumstances.strip():
        errors["circumstances"] = "décrivez les circonstances"
    if errors:
        raise Invalid(errors)


async def cede(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    *,
    cession_allowed: bool,
    circumstances: str = "",
) -> None:
    """At the end of schooling the device is given to the student: it leaves the fleet.
    `circumstances` (an override's reason) is kept on the loan and in its event."""
    if not cession_allowed:
        raise Conflict(
            "La politique de la région ne permet pas de céder les appareils.", field="state"
        )
    values = {"circumstances": circumstances} if circumstances else {}
    async with write_transaction():
        await _transition(scope, actor, now, loan_id, "cede", values, {"state": "ceded"})


async def cancel(
    scope: Scope, actor: Actor, now: dt.datetime, loan_id: int, reason: str = ""
) -> None:
    async with write_transaction():
        await _transition(scope, actor, now, loan_id, "cancel", {"circumstances": reason.strip()})


async def transfer(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    *,
    to_establishment_id: int,
    to_region_id: int,
) -> int:
    """The student moves to another school of the region and keeps the device: this loan closes
    as transferred and its continuation opens at the new school, linked to it, so the whole
    history follows. Returns the new loan's id."""
    async with write_transaction():
        row = await loan_row(scope, loan_id, lock=True)
        if row["region_id"] != to_region_id:
            raise Invalid(
                {"to_establishment_uai": "le nouvel établissement doit être dans la même région"}
            )
        if row["establishment"] == to_establishment_id:
            raise Invalid({"to_establishment_uai": "l'élève est déjà dans cet établissement"})
        await _transition(
            scope, actor, now, loan_id, "transfer", {}, {"establishment": to_establishment_id}
        )
        new_id = (
            await Loan.insert(
                Loan(
                    asset=row["asset"],
                    student=row["student"],
                    establishment=to_establishment_id,
                    previous=loan_id,
                    state="active",
                    category=row["category"],
                    slot=row["slot"],
                    due_on=row["due_on"],
                    accessories_given=row["accessories_given"],
                    created_at=now,
                    handed_over_at=row["handed_over_at"],
                )
            ).returning(Loan.id)
        )[0]["id"]
        await record_loan_event(
            new_id,
            actor,
            now,
            "transfer_in",
            {
                "establishment_id": [row["establishment"], to_establishment_id],
                "previous_loan": [None, loan_id],
            },
            to_establishment_id,
        )
        await agreement_records.carry_over(loan_id, new_id)
        await Student.update({Student.establishment: to_establishment_id}).where(
            Student.id == row["student"]
        )
    return new_id
