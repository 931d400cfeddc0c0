"""Registering a new device with the blank label stuck on it.

The asset is created (`inventory.assets.create_asset`, its rules and its "created" event) and
the label bound (`labels.assignment`, its rules and its "label_bound" event) in one
transaction: a refused label leaves no device behind, a refused serial no bound label.
"""

from __future__ import annotations

import datetime as dt

from inventory import assets
from inventory.db import write_transaction
from inventory.errors import Invalid, NotFound
from inventory.scope import Actor, Scope
from inventory.tables import Region
from labels import assignment
from labels.assignment import LabelledAsset

NOT_A_SERIAL = "c'est une étiquette ordipret : scannez le numéro de série de l'appareil"


def label_code(raw: str) -> str:
    """The code of the scanned blank label, else Invalid naming the field `code`."""
    code = assignment.code_in(raw) if raw.strip() else None
    if code is None:
        problem = "scannez l'étiquette vierge" if not raw.strip() else assignment.UNREADABLE
        raise Invalid({"code": problem})
    return code


def check_serial(raw: str) -> None:
    """A label scanned into the serial field (the two scans swapped) gets its own message."""
    if raw.strip() and assignment.code_in(raw) and "/" in raw:
        raise Invalid({"serial": NOT_A_SERIAL})


async def _default_tag(region_id: int, code: str) -> str:
    """`24-7K3M9Q2XWD`: the region and the label's code. Not the bare code: once the label is
    replaced, the old code must read as a retired label, never as this device's tag."""
    row = await Region.select(Region.code).where(Region.id == region_id).first()
    return f"{row['code'] if row else 'R'}-{code}"


async def register_device(
    scope: Scope, actor: Actor, now: dt.datetime, fields: dict, label: str
) -> LabelledAsset:
    """`fields` as for `inventory.assets.create_asset`, the tag optional (by default made
    from the label's code); `label` is the scanned label (its URL or its code).
    Refusals name the field: `code` for the label, the asset's own fields otherwise."""
    code = label_code(label)
    check_serial(str(fields.get("serial") or ""))
    fields = dict(fields)
    async with write_transaction():
        # The label first: a label already used is the likelier slip, and its message the
        # clearer one. Its row stays locked until the device is created and bound.
        try:
            blank = await assignment.check_blank(scope, code)
        except NotFound:  # a field of the form, not a missing page
            raise Invalid(
                {"code": f"étiquette {code} inconnue : prenez une étiquette vierge de votre région"}
            ) from None
        if not str(fields.get("tag") or "").strip():
            fields["tag"] = await _default_tag(blank["region"], code)
        created = await assets.create_asset(scope, actor, now, fields)
        return await assignment.bind_new_asset(scope, actor, now, code, created.tag)
