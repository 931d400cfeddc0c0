"""Scanning: what a scanner typed becomes a device and what the caller may do with it now.

`scan` is shared by the JSON API (`GET /api/v1/scan`) and the scan page (`/scan`): both show
the same device with the same actions. An action says how to carry it out over HTTP (method,
address and exact JSON body), so that a client needs no knowledge of the rules: the loans
will add `hand_over` / `take_back` here without changing the shape.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, get
from litestar.params import QueryParameter

from api.accounts.staff import Principal
from api.clock import PARIS
from api.infra.security import DESK_ROLES, FLEET_EDITORS
from api.request_checks import SCANNER_INPUT
from inventory import assets
from inventory.errors import Conflict, NotFound
from inventory.views import AssetView
from labels.scan import ScanResult, resolve_scan
from loans.listing import open_loan_for_tag
from loans.loan_views import LoanView
from loans.transfers import TransferredTo, where_it_went

# The roles api.infra.security.EDIT_FLEET lets through: they may change a device's state.
BIND_URL = "/api/v1/labels/bind"


class ActionOut(msgspec.Struct, omit_defaults=True):
    """One thing the caller may do now: send `method` to `href`, with `body` as JSON when
    given. `label` is the French wording of a button. `needs` names the fields of the body
    still to ask the person for (the device a blank label is stuck on, a borrower…)."""

    action: str
    label: str
    method: str
    href: str
    body: dict[str, Any] | None = None
    needs: list[str] | None = None


class ScanOut(msgspec.Struct, omit_defaults=True):
    """A device (`asset`, recognised by its label `code`, its `tag` or its `serial`), or a
    blank label (`unbound_code`); and the `actions` open to the caller on it."""

    actions: list[ActionOut]
    asset: AssetView | None = None
    matched: str | None = None
    unbound_code: str | None = None


@dataclass(frozen=True, slots=True)
class StateChange:
    action: str
    label: str
    state: str  # the state it leads to
    from_states: frozenset[str]


STATE_CHANGES = (
    StateChange("send_to_repair", "Envoyer en réparation", "in_repair", frozenset({"in_stock"})),
    StateChange(
        "back_in_stock", "Remettre en stock", "in_stock", frozenset({"in_repair", "lost", "stolen"})
    ),
)
# Declaring a device lost or stolen is never one tap: these lead to a form (date,
# circumstances, the police report for a theft), the loan's when the device is lent.
INCIDENTS = (
    ("declare_lost", "Déclarer une perte", "perte"),
    ("declare_stolen", "Déclarer un vol", "vol"),
)
INCIDENT_FROM_STATES = frozenset({"in_stock", "in_repair"})
_STATE_CHANGES = {change.action: change for change in STATE_CHANGES}


def may_edit_fleet(principal: Principal) -> bool:
    return principal.role in FLEET_EDITORS


def asset_page(tag: str) -> str:
    return f"/appareils/{quote(tag, safe='')}"


def loan_actions(principal: Principal, asset: AssetView, loan: LoanView | None) -> list[ActionOut]:
    """The desk's pages for this device: lend it (in stock at a school, no open loan), finish
    a hand-over begun earlier, or take it back. Pages, not API calls: choosing the student,
    the accessories and the condition needs a person."""
    if principal.role not in DESK_ROLES:  # they lend and take back
        return []
    if loan is None:
        if asset.state == "in_stock" and asset.establishment is not None:
            href = "/prets/nouveau?appareil=" + quote(asset.tag, safe="")
            return [ActionOut("hand_over", "Prêter à un élève", "GET", href)]
        return []
    if loan.state == "active":
        return [
            ActionOut("take_back", "Enregistrer le retour", "GET", f"/prets/{loan.id}/retour"),
            *(
                ActionOut(action, label, "GET", f"/prets/{loan.id}/{kind}")
                for action, label, kind in INCIDENTS
            ),
        ]
    return [ActionOut("hand_over", "Poursuivre la remise", "GET", f"/prets/{loan.id}/remise")]


def asset_actions(
    principal: Principal, asset: AssetView, loan: LoanView | None = None
) -> list[ActionOut]:
    tag = quote(asset.tag, safe="")
    actions = [
        ActionOut("view", "Voir la fiche", "GET", asset_page(asset.tag)),
        ActionOut("history", "Voir l'historique", "GET", f"/api/v1/assets/{tag}/history"),
        *loan_actions(principal, asset, loan),
    ]
    # A device with an open loan changes state through its loan (return, loss, theft).
    if may_edit_fleet(principal) and loan is None:
        actions += [
            ActionOut(c.action, c.label, "PATCH", f"/api/v1/assets/{tag}", {"state": c.state})
            for c in STATE_CHANGES
            if asset.state in c.from_states
        ]
        if asset.state in INCIDENT_FROM_STATES:
            actions += [
                ActionOut(action, label, "GET", f"{asset_page(asset.tag)}/{kind}")
                for action, label, kind in INCIDENTS
            ]
    return actions


def label_actions(principal: Principal, code: str) -> list[ActionOut]:
    if not may_edit_fleet(principal):
        return []
    label = "Associer l'étiquette à un appareil"
    # The device is the next thing scanned: its tag or serial goes in `asset`.
    return [
        ActionOut("bind", label, "POST", BIND_URL, {"code": code}, needs=["asset"]),
        # Or the device is new: registered with this label (the intake page).
        ActionOut(
            "register",
            "Enregistrer un nouvel appareil avec cette étiquette",
            "GET",
            f"/arrivages/appareil?code={quote(code, safe='')}",
        ),
    ]


async def say_where_it_went(principal: Principal, raw: str) -> None:
    """A device transferred away from one of the caller's schools: not found, but saying
    where it went (raises NotFound with that message; returns when there is nothing to say)."""
    went = await where_it_went(principal.scope, raw)
    if went is not None:
        raise Transferred(went)


class Transferred(NotFound):
    """Not found here: transferred to another school (`went` says which)."""

    def __init__(self, went: TransferredTo) -> None:
        super().__init__(transfer_message(went))
        self.went = went


def transfer_message(went: TransferredTo) -> str:
    when = f" le {went.on.astimezone(PARIS):%d/%m/%Y}" if went.on else ""
    contact = " ; ".join(part for part in (went.contact_email, went.contact_phone) if part)
    return (
        f"L'appareil {went.asset_tag} a été transféré{when} vers {went.name} (UAI {went.uai}) : "
        "il est désormais suivi par cet établissement."
        + (f" Contact : {contact}." if contact else "")
    )


def scan_out(principal: Principal, result: ScanResult, loan: LoanView | None = None) -> ScanOut:
    if result.asset is None:
        code = result.unbound_code or ""
        return ScanOut(actions=label_actions(principal, code), unbound_code=code)
    return ScanOut(
        actions=asset_actions(principal, result.asset, loan),
        asset=result.asset,
        matched=result.matched,
    )


async def scan(principal: Principal, raw: str) -> ScanOut:
    """The device (or blank label) `raw` designates in the caller's scope, with its actions.
    Raises the domain's Invalid / NotFound / Conflict."""
    try:
        result = await resolve_scan(principal.scope, raw)
    except NotFound:
        await say_where_it_went(principal, raw)
        raise
    loan = None
    if result.asset is not None:
        loan = await open_loan_for_tag(principal.scope, result.asset.tag)
    return scan_out(principal, result, loan)


async def change_state(principal: Principal, now: dt.datetime, tag: str, action: str) -> AssetView:
    """Carry out one of the state changes `asset_actions` offers, exactly as its PATCH would.
    For forms sent without JavaScript; the caller's route is guarded by EDIT_FLEET."""
    asset = await assets.get_asset(principal.scope, tag)
    loan = await open_loan_for_tag(principal.scope, asset.tag)
    offered = {a.action: a for a in asset_actions(principal, asset, loan) if a.method == "PATCH"}
    if action not in offered:
        change = _STATE_CHANGES.get(action)
        what = f"« {change.label} »" if change else "Cette action"
        raise Conflict(
            f"{what} n'est pas possible sur l'appareil {asset.tag} dans son état actuel.",
            field="action",
        )
    body = offered[action].body or {}
    return await assets.update_asset(principal.scope, principal.actor, now, asset.tag, body)


class ScanController(Controller):
    path = "/api/v1/scan"
    tags = ["scan"]

    @get(
        "/",
        summary="Identifier un appareil scanné",
        description=(
            "`code` : ce que le lecteur a tapé (adresse de l'étiquette, code court, numéro "
            "d'inventaire ou de série, même déformé par un clavier AZERTY). Répond l'appareil "
            "et les actions possibles maintenant, ou `unbound_code` pour une étiquette vierge."
        ),
        opt={SCANNER_INPUT: True},  # a GS1 separator is the reader's to remove, not an error
    )
    async def scan_code(
        self,
        request: Request[Principal, None, None],
        code: Annotated[str | None, QueryParameter(description="Ce que le lecteur a tapé")] = None,
    ) -> ScanOut:
        return await scan(request.user, code or "")


ROUTES = [ScanController]
