"""The loan desk: the lifecycle use-cases with what the region's policy decides filled in (how
many loans a student may hold, the due date, the accessories that go with a model, whether
cession is allowed), and the rules that need to know whether a device is lent (editing its
state, lending it, counting it in a stocktake). The JSON API and the pages both call these, so
they lend the same way.

Each use-case is one write transaction: the policy is read, the rules checked and the rows and
events written under the same lock. The lifecycle's own use-cases open their transaction too;
called from here, theirs is the one already open (Piccolo nests them as no-ops).

Who may call them is the web layer's business (guards); the scope makes another school's loan
or device not found.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from inventory import assets, regions, stocktakes
from inventory.db import write_transaction
from inventory.errors import Conflict, DomainError, Invalid, NotFound
from inventory.scope import Actor, Scope
from inventory.stocktake_views import StocktakeView
from inventory.views import AssetView, DeviceModelView, EstablishmentView
from loans import campaigns, lifecycle, listing, students
from loans.agreement_currency import AgreementOutdated, refuse_if_outdated
from loans.loan_views import LoanView
from loans.minors import paris_day
from loans.policy import accessories_for, due_date, policy_for_region
from loans.records import loan_row
from loans.tables import Loan
from loans.views import PolicyView


def default_accessories(policy: PolicyView, model: DeviceModelView) -> list[str]:
    """What goes with the device: the region's list for this model, else the model's own."""
    return accessories_for(policy, model.id, model.accessories)


async def policy_of_asset(asset: AssetView, now: dt.datetime) -> PolicyView:
    region_id = await regions.region_id_for_code(asset.region_code)
    assert region_id is not None, "an asset's region exists (foreign key)"
    return await policy_for_region(region_id, now)


def _cleaned(names: list[str]) -> list[str]:
    return list(dict.fromkeys(" ".join(n.split()) for n in names if n.strip()))


# Is it lent? ---------------------------------------------------------------------------------


async def lending_refusal(
    scope: Scope, asset: AssetView, today: dt.date | None = None
) -> tuple[str, LoanView | None]:
    """Why this device cannot be lent now ("" if it can), and its open loan if any (a device
    with an open loan is not refused: the desk continues or ends that loan)."""
    current = await listing.open_loan_for_tag(scope, asset.tag, today)
    if current is not None:
        return "", current
    if asset.establishment is None:
        return "Cet appareil est au stock régional : affectez-le d'abord à un établissement.", None
    if asset.state != "in_stock":
        label = assets.STATES.get(asset.state, asset.state)
        return f"Cet appareil n'est pas en stock ({label}).", None
    return "", None


async def update_asset(
    scope: Scope, actor: Actor, now: dt.datetime, tag: str, changes: dict
) -> AssetView:
    """An edit of the device's record. Its state is refused while a loan is open: the device's
    fate is then recorded on its loan (return, loss, theft)."""
    async with write_transaction():
        if "state" in changes and (loan := await listing.open_loan_for_tag(scope, tag)):
            raise Conflict(
                f"L'appareil est engagé dans le prêt n° {loan.id} : enregistrez le retour, "
                "la perte ou le vol depuis ce prêt.",
                field="state",
            )
        return await assets.update_asset(scope, actor, now, tag, changes)


async def lent_asset_ids(establishment_id: int) -> list[int]:
    """Devices of the school now with a student (an active loan): not on the school's shelves."""
    rows = await Loan.select(Loan.asset).where(
        (Loan.state == "active") & (Loan.establishment == establishment_id)
    )
    return [row["asset"] for row in rows]


async def open_stocktake(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    establishment_uai: str,
    location: str = "",
    location_id: int | None = None,
) -> StocktakeView:
    """A stocktake of a school that does not expect the devices lent to its students. The lent
    devices are read in the stocktake's own transaction, so a hand-over cannot slip between."""
    return await stocktakes.open_stocktake(
        scope, actor, now, establishment_uai, location, away=lent_asset_ids, location_id=location_id
    )


# Preparation and hand-over -----------------------------------------------------------------


async def _prepare(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    asset_tag: str,
    student_id: int,
    campaign_id: int | None,
    draft: bool,
) -> int:
    try:
        student = await students.student_row(scope, student_id)
    except NotFound:
        raise Invalid(
            {"student_id": f"élève n° {student_id} inconnu ou hors de votre périmètre"}
        ) from None
    policy = await policy_for_region(student["region_id"], now)
    campaign_id = await campaigns.campaign_for_new_loan(
        scope, paris_day(now), student_id, campaign_id
    )
    return await lifecycle.prepare_loan(
        scope,
        actor,
        now,
        asset_tag=asset_tag,
        student_id=student_id,
        max_open_per_category=policy.max_open_per_category,
        campaign_id=campaign_id,
        draft=draft,
    )


async def prepare(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    *,
    asset_tag: str,
    student_id: int,
    campaign_id: int | None = None,
    draft: bool = False,
) -> int:
    """Reserve the device for the student, within the region's maximum. Returns the loan id."""
    async with write_transaction():
        return await _prepare(scope, actor, now, asset_tag, student_id, campaign_id, draft)


class HandOverPlan(msgspec.Struct, frozen=True):
    """What a hand-over of this loan records unless told otherwise: `planned` (the
    convention's accessories), chosen among `accessories` (the model's list)."""

    asset: AssetView
    accessories: list[str]
    planned: list[str]
    due_on: dt.date | None


async def hand_over_plan(scope: Scope, loan_id: int, now: dt.datetime) -> HandOverPlan:
    row = await loan_row(scope, loan_id)
    asset = await assets.get_asset(scope, row["asset_tag"])
    policy = await policy_for_region(row["region_id"], now)
    listed = default_accessories(policy, asset.model)
    planned = row["accessories_planned"]
    return HandOverPlan(
        asset=asset,
        accessories=listed,
        planned=listed if planned is None else list(planned),
        due_on=due_date(policy, row["student_class_name"], paris_day(now)),
    )


OTHER = "autre"  # an item outside the model's list is written "autre : what it is"
MAX_OTHER = 60


def checked_accessories(chosen: list[str], planned: list[str]) -> list[str]:
    """The accessories handed over, each from the model's list (in its spelling), or
    "autre : …" with what it is; anything else is refused, naming it."""
    by_key = {name.casefold(): name for name in planned}
    kept, unknown = [], []
    for name in _cleaned(chosen):
        kind, colon, note = name.partition(":")
        if name.casefold() in by_key:
            kept.append(by_key[name.casefold()])
        elif kind.strip().casefold() == OTHER:
            note = " ".join(note.split())
            if not colon or not note:
                raise Invalid({"accessories": "« autre » : décrivez l'objet remis (autre : …)"})
            kept.append(f"{OTHER} : {note}"[:MAX_OTHER])
        else:
            unknown.append(name)
    if unknown:
        listed = ", ".join(planned) or "aucun"
        raise Invalid(
            {
                "accessories": f"{', '.join(unknown)} : pas dans la liste de ce modèle ({listed}) ;"
                " pour un autre objet, écrivez « autre : » suivi de sa description"
            }
        )
    # In the model's order whatever the order ticked: the convention lists them so.
    order = {name: position for position, name in enumerate(planned)}
    return sorted(dict.fromkeys(kept), key=lambda name: order.get(name, len(order)))


async def _hand_over(
    scope: Scope, actor: Actor, now: dt.datetime, loan_id: int, accessories: list[str] | None
) -> None:
    plan = await hand_over_plan(scope, loan_id, now)
    chosen = (
        plan.planned if accessories is None else checked_accessories(accessories, plan.accessories)
    )
    row = await loan_row(scope, loan_id, lock=True)
    await lifecycle.refuse_unless_signed(loan_id, row, now)  # who is missing comes first
    await refuse_if_outdated(row, chosen, plan.due_on, now)
    await lifecycle.hand_over(scope, actor, now, loan_id, chosen, plan.due_on)


async def hand_over(
    scope: Scope, actor: Actor, now: dt.datetime, loan_id: int, accessories: list[str] | None
) -> None:
    """`accessories` None: those planned (by default the policy's list for the model, else
    the model's own). Refused with `AgreementOutdated` when the signed convention says
    otherwise (see `loans.agreement_currency`)."""
    async with write_transaction():
        await _hand_over(scope, actor, now, loan_id, accessories)


class Step(msgspec.Struct):
    """One step of the desk's hand-over, as far as it went."""

    kind: str  # prepare, sign, hand_over
    status: str = "todo"  # done, refused, todo
    message: str = ""
    # Refused because the signed convention says otherwise: the accessories chosen, for
    # `loans.agreements.reissue_for_hand_over`.
    reissue_with: list[str] | None = None


async def _sign_and_hand_over(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    signed_on: dt.date | None,
    accessories: list[str] | None,
) -> list[Step]:
    steps = [Step("sign")] if signed_on is not None else []
    steps.append(Step("hand_over"))
    for step in steps:
        try:
            if step.kind == "sign" and signed_on is not None:
                await lifecycle.record_paper_signature(scope, actor, now, loan_id, signed_on)
            else:
                await _hand_over(scope, actor, now, loan_id, accessories)
            step.status = "done"
        except DomainError as refused:
            step.status, step.message = "refused", refused.message
            if isinstance(refused, AgreementOutdated):
                step.reissue_with = refused.accessories
            break
    return steps


async def sign_and_hand_over(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    signed_on: dt.date | None,
    accessories: list[str] | None,
) -> list[Step]:
    """Record the paper signature (when given) then hand the device over, in one transaction.
    A refused step stops there: it wrote nothing (each is a compare-and-set checked before any
    write), and the steps before it stay recorded, each a valid state of the loan."""
    async with write_transaction():
        return await _sign_and_hand_over(scope, actor, now, loan_id, signed_on, accessories)


async def lend(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    *,
    asset_tag: str,
    student_id: int,
    signed_on: dt.date | None,
    accessories: list[str] | None,
) -> tuple[int, list[Step]]:
    """The desk's one form: prepare the loan, record the paper signature, hand the device over,
    in one transaction. A refused preparation raises (nothing written); a later refusal keeps
    the loan prepared and says which step stopped. Returns the loan id and the steps."""
    async with write_transaction():
        loan_id = await _prepare(scope, actor, now, asset_tag, student_id, None, False)
        steps = [Step("prepare", "done")]
        steps += await _sign_and_hand_over(scope, actor, now, loan_id, signed_on, accessories)
    return loan_id, steps


# The ends of a loan --------------------------------------------------------------------------


class ReturnResult(msgspec.Struct, frozen=True):
    damaged: bool
    missing_accessories: list[str]
    device_state: str  # in_repair or in_stock


async def take_back(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    *,
    accessories_returned: list[str],
    condition: str,
    damage_notes: str = "",
) -> ReturnResult:
    result = await lifecycle.take_back(
        scope,
        actor,
        now,
        loan_id,
        accessories_returned=_cleaned(accessories_returned),
        condition=condition.strip().upper(),
        damage_notes=damage_notes,
    )
    return ReturnResult(
        damaged=result["damaged"],
        missing_accessories=result["missing_accessories"],
        device_state="in_repair" if result["damaged"] else "in_stock",
    )


async def transfer_targets(scope: Scope, loan_id: int) -> list[EstablishmentView]:
    """The schools a loan may be transferred to: the others of its region (whether or not the
    caller manages them)."""
    row = await loan_row(scope, loan_id)
    return [
        school
        for school in await regions.list_establishments(Scope.region(row["region_id"]))
        if school.uai != row["establishment_uai"]
    ]


async def transfer(
    scope: Scope, actor: Actor, now: dt.datetime, loan_id: int, to_establishment_uai: str
) -> tuple[int, str]:
    """The new loan's id and school. The new school is looked up in the loan's region, not in
    the caller's scope: IT staff hand the student over to a school they do not manage."""
    async with write_transaction():
        row = await loan_row(scope, loan_id)
        try:
            target = await regions.establishment_key(
                Scope.region(row["region_id"]), to_establishment_uai
            )
        except NotFound:
            raise Invalid(
                {"to_establishment_uai": "établissement inconnu dans la région de ce prêt"}
            ) from None
        new_id = await lifecycle.transfer(
            scope,
            actor,
            now,
            loan_id,
            to_establishment_id=target.id,
            to_region_id=target.region_id,
        )
    return new_id, to_establishment_uai.strip().upper()


class CessionTerms(msgspec.Struct, frozen=True):
    """Whether the device of a loan may be given to its student now."""

    allowed: bool  # the region's policy gives devices away at the end of schooling
    end_of_schooling: dt.date | None  # the loan's due date, or the day the student left
    reached: bool  # that day has come: cession needs no override

    @property
    def needs_override(self) -> bool:
        return self.allowed and not self.reached


MAX_OVERRIDE_REASON = 500


async def cession_terms(scope: Scope, loan_id: int, now: dt.datetime) -> CessionTerms:
    row = await loan_row(scope, loan_id)
    policy = await policy_for_region(row["region_id"], now)
    left_on = await students.left_on(row["student"])
    ends = [day for day in (left_on, row["due_on"]) if day is not None]
    end = min(ends) if ends else None
    return CessionTerms(
        allowed=policy.cession_allowed,
        end_of_schooling=end,
        reached=end is not None and end <= paris_day(now),
    )


async def cession_allowed(scope: Scope, loan_id: int, now: dt.datetime) -> bool:
    return (await cession_terms(scope, loan_id, now)).allowed


async def cede(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    *,
    override_reason: str = "",
    may_override: bool = False,
) -> None:
    """Give the device to the student at the end of schooling. Before it, only someone who
    `may_override` (a region manager) may, with a reason kept in the loan's history."""
    reason = " ".join(override_reason.split())
    async with write_transaction():
        terms = await cession_terms(scope, loan_id, now)
        if terms.needs_override:
            _check_override(terms, reason, may_override)
        await lifecycle.cede(
            scope,
            actor,
            now,
            loan_id,
            cession_allowed=terms.allowed,
            circumstances=f"dérogation avant la fin de la scolarité : {reason}"
            if terms.needs_override
            else "",
        )


def _check_override(terms: CessionTerms, reason: str, may_override: bool) -> None:
    if not reason:
        when = (
            f" (le {terms.end_of_schooling.strftime('%d/%m/%Y')})" if terms.end_of_schooling else ""
        )
        raise Conflict(
            f"La cession n'est possible qu'à la fin de la scolarité{when}. Avant, un "
            "gestionnaire de région peut y déroger en indiquant le motif.",
            field="override_reason",
        )
    if not may_override:
        raise Conflict(
            "Seul un gestionnaire de région peut céder un appareil avant la fin de la scolarité.",
            field="override_reason",
        )
    if len(reason) > MAX_OVERRIDE_REASON:
        raise Invalid({"override_reason": f"{MAX_OVERRIDE_REASON} caractères au plus"})
