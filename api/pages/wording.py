"""French words for the codes the domain stores in English (states, actions, field names)."""

from __future__ import annotations

from dataclasses import dataclass

from api.accounts.staff import ROLES
from api.pages.formatting import date_fr
from inventory.assets import CONDITIONS, STATES, STATUSES
from inventory.catalogue import CATEGORIES
from inventory.lending import status_label as _status_label
from inventory.views import AssetEventView, AssetView

ACTIONS = {
    "created": "création",
    "updated": "modification",
    "imported": "import",
    "label_bound": "étiquette posée",
    "declared_lost": "déclaré perdu (inventaire)",
    "prepare_loan": "prêt préparé",
    "hand_over": "remise à l'élève",
    "take_back": "retour",
    "transfer": "transfert",
    "cede": "cession",
    "declare_loss": "perte déclarée",
    "declare_theft": "vol déclaré",
    "moved": "rangé",
}

FIELDS = {
    "tag": "numéro d'inventaire",
    "serial": "numéro de série",
    "model": "modèle",
    "model_id": "modèle",
    "establishment_uai": "établissement",
    "region_code": "région",
    "state": "état",
    "condition": "état physique",
    "acquired_on": "date d'acquisition",
    "warranty_end": "fin de garantie",
    "notes": "remarques",
    "label": "étiquette",
    "reason": "motif",
    "loan_id": "prêt n°",
    "establishment": "établissement",
    "accessories": "accessoires",
    "location": "emplacement",
    "cursor": "position dans la liste",
}
_DATE_FIELDS = {"acquired_on", "warranty_end"}
# The order a person reads a change in, whatever order the JSON kept.
_FIELD_ORDER = {name: position for position, name in enumerate(FIELDS)}

SORTS = {
    "tag": "numéro d'inventaire",
    "serial": "numéro de série",
    "state": "état",
    "-acquired_on": "acquisition, la plus récente d'abord",
    "acquired_on": "acquisition, la plus ancienne d'abord",
    "warranty_end": "fin de garantie, la plus proche d'abord",
    "-updated_at": "dernière modification d'abord",
}


def state_label(code: str) -> str:
    """A stored state, or the derived "lent" (a filter, a count), in French."""
    return STATUSES.get(code, code)


def status_label(asset: AssetView) -> str:
    """What a device is now, in French: "prêté" (and what its loan waits for) or its state."""
    return _status_label(asset.status, asset.loan, STATES)


def condition_label(code: str) -> str:
    return f"{code} – {CONDITIONS[code]}" if code in CONDITIONS else code


def category_label(code: str) -> str:
    return CATEGORIES.get(code, code)


def role_label(code: str) -> str:
    return ROLES.get(code, code)


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    before: str | None  # None: the field had no value (a creation)
    after: str


@dataclass(frozen=True, slots=True)
class HistoryLine:
    event: AssetEventView
    action: str
    changes: list[Change]


def _value(field: str, value: object, model_names: dict[int, str]) -> str:
    if value is None or value == "":
        return "(vide)"
    if field == "state":
        return state_label(str(value))
    if field == "condition":
        return condition_label(str(value))
    if field in _DATE_FIELDS:
        return date_fr(str(value))
    if field in ("model", "model_id") and isinstance(value, int):
        return model_names.get(value, f"modèle n° {value}")
    return str(value)


def history_lines(events: list[AssetEventView], model_names: dict[int, str]) -> list[HistoryLine]:
    lines = []
    for event in events:
        changes = []
        for field in sorted(event.changes, key=lambda name: _FIELD_ORDER.get(name, 99)):
            pair = event.changes[field]
            before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            changes.append(
                Change(
                    field=FIELDS.get(field, field),
                    before=None if before is None else _value(field, before, model_names),
                    after=_value(field, after, model_names),
                )
            )
        lines.append(
            HistoryLine(
                event=event, action=ACTIONS.get(event.action, event.action), changes=changes
            )
        )
    return lines
