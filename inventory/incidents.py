"""A device that is not lent goes missing: declared lost or stolen, with the date and the
circumstances, never with one tap.

A lent device is declared through its loan (`loans.lifecycle.declare_loss` / `declare_theft`);
this is the same declaration for a device in stock or in repair. The event keeps what was
declared, so the history says when and how, not only that the state changed.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from inventory.assets import _scoped_row, get_asset
from inventory.db import write_transaction
from inventory.errors import Conflict, Invalid
from inventory.history import AssetChange, change_assets
from inventory.scope import Actor, Scope
from inventory.views import AssetView

PARIS = ZoneInfo("Europe/Paris")
KINDS = {"lost": "declare_loss", "stolen": "declare_theft"}  # state -> history action
FROM_STATES = ("in_stock", "in_repair")


def check_declaration(
    now: dt.datetime,
    kind: str,
    incident_on: dt.date | None,
    circumstances: str,
    police_report_ref: str = "",
) -> None:
    errors = {}
    if kind not in KINDS:
        errors["kind"] = "déclaration inconnue ; valeurs possibles : lost, stolen"
    if incident_on is None:
        errors["incident_on"] = "indiquez la date"
    elif incident_on > now.astimezone(PARIS).date():
        errors["incident_on"] = "la date ne peut pas être dans le futur"
    if not circumstances.strip():
        errors["circumstances"] = "décrivez les circonstances"
    if kind == "stolen" and not police_report_ref.strip():
        errors["police_report_ref"] = (
            "la référence du récépissé de dépôt de plainte est obligatoire pour un vol"
        )
    if errors:
        raise Invalid(errors)


async def declare_missing(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    tag: str,
    *,
    kind: str,
    incident_on: dt.date | None,
    circumstances: str,
    police_report_ref: str = "",
) -> AssetView:
    """Declare the device `tag` (not lent: the caller checked it has no open loan) lost or
    stolen. Refused (409) when it is not in stock or in repair."""
    check_declaration(now, kind, incident_on, circumstances, police_report_ref)
    assert incident_on is not None
    async with write_transaction():
        row = await _scoped_row(scope, tag, lock=True)
        if row["state"] not in FROM_STATES:
            raise Conflict(
                f"L'appareil {row['tag']} n'est ni en stock ni en réparation : "
                "il ne peut pas être déclaré perdu ou volé.",
                field="state",
            )
        changes = {
            "state": [row["state"], kind],
            "incident_on": incident_on.isoformat(),
            "circumstances": circumstances.strip(),
        }
        if kind == "stolen":
            changes["police_report_ref"] = police_report_ref.strip()
        change = AssetChange(row["id"], changes, row["establishment_id"])
        await change_assets([change], {"state": kind}, actor, now, KINDS[kind])
    return await get_asset(scope, row["tag"])
