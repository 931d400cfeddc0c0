"""Use-cases on label codes: give assets their codes, print blank ones ahead, bind at intake,
and say who to return a found device to.

A row of `label_code` with an asset is that asset's live code; a retired code keeps its row,
unbound, so that an old sticker is recognised and never handed out again. Codes are random:
a new one collides with an existing one about once in 10^15 draws, so an insert that trips
the unique index is simply retried with fresh codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from inventory import assets
from inventory.db import for_update, is_unique_violation, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.history import record_event
from inventory.scope import Actor, Scope
from inventory.tables import Asset
from inventory.views import AssetView
from labels.codes import new_code, normalise_code
from labels.scan import Found, label_code_in, locate, readings
from labels.tables import LabelCode

CHUNK = 500  # rows per bulk statement: well under SQLite's and asyncpg's parameter limits
MAX_BLANK = 10_000
UNREADABLE = "code d'étiquette illisible : scannez le QR de l'étiquette"
ATTEMPTS = 5  # a collision of 50-bit random codes is astronomically rare; twice in a row, never


@dataclass(frozen=True, slots=True)
class LabelledAsset:
    code: str
    asset: AssetView


@dataclass(frozen=True, slots=True)
class ReturnAddress:
    """What a finder of the device may read: whose it is and where to bring it back.
    Nothing that identifies the device or its borrower."""

    region_name: str
    establishment_name: str | None  # None: the region's own stock
    city: str
    contact_email: str
    contact_phone: str
    ceded: bool  # the region gave it away: it no longer owns it


@dataclass(frozen=True, slots=True)
class FoundDevice:
    """A live code's device. `address` is for anyone; the rest only for staff in scope."""

    tag: str
    establishment_id: int | None
    region_id: int
    address: ReturnAddress


def _chunks(items: Sequence, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _live_codes(asset_ids: list[int]) -> dict[int, str]:
    rows = await LabelCode.select(LabelCode.asset, LabelCode.code).where(
        LabelCode.asset.is_in(asset_ids)
    )
    return {row["asset"]: row["code"] for row in rows}


async def _scoped_regions(scope: Scope, asset_ids: list[int]) -> dict[int, int]:
    """asset id -> region id, for the assets of `asset_ids` the scope sees."""
    query = Asset.select(Asset.id, Asset.region).where(Asset.id.is_in(asset_ids))
    if (where := scope.restrict(Asset.region, Asset.establishment)) is not None:
        query = query.where(where)
    return {row["id"]: row["region"] for row in await query}


async def _codes_for_chunk(scope: Scope, asset_ids: list[int], now: dt.datetime) -> dict[int, str]:
    for attempt in range(ATTEMPTS):
        try:
            async with write_transaction():
                regions = await _scoped_regions(scope, asset_ids)
                if len(regions) < len(set(asset_ids)):
                    raise NotFound("Appareil introuvable.")
                codes = await _live_codes(asset_ids)
                missing = [asset_id for asset_id in regions if asset_id not in codes]
                fresh = {asset_id: new_code() for asset_id in missing}
                if fresh:
                    await LabelCode.insert(
                        *[
                            LabelCode(
                                code=code,
                                region=regions[asset_id],
                                asset=asset_id,
                                created_at=now,
                                bound_at=now,
                            )
                            for asset_id, code in fresh.items()
                        ]
                    )
                return codes | fresh
        except Exception as error:
            # A code drawn twice, or a concurrent print that gave one of these assets its
            # code first: start the chunk again, the second case then finds that code.
            if not is_unique_violation(error) or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def codes_for_assets(scope: Scope, asset_ids: list[int], now: dt.datetime) -> dict[int, str]:
    """The live code of each asset, created for those that have none. An asset outside the
    scope is not found (and nothing is written for its chunk)."""
    result: dict[int, str] = {}
    for chunk in _chunks(list(dict.fromkeys(asset_ids))):
        result |= await _codes_for_chunk(scope, chunk, now)
    return result


def acts_in_region(scope: Scope, region_id: int) -> bool:
    """The region manager, or staff of one of the region's schools (who print blank sheets
    for their school's intake)."""
    return scope.sees_region(region_id)


def check_blank_count(count: int) -> None:
    if not 1 <= count <= MAX_BLANK:
        raise Invalid({"blank": "entre 1 et 10 000 étiquettes vierges"})


async def create_blank_codes(
    scope: Scope,
    region_id: int,
    count: int,
    now: dt.datetime,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """`count` new codes of the region, bound to no asset yet, in the order to print them."""
    check_blank_count(count)
    if not acts_in_region(scope, region_id):
        raise NotFound("Région introuvable.")
    created: list[str] = []
    for chunk in _chunks(range(count)):
        for attempt in range(ATTEMPTS):
            codes = [new_code() for _ in chunk]
            try:
                async with write_transaction():
                    await LabelCode.insert(
                        *[LabelCode(code=code, region=region_id, created_at=now) for code in codes]
                    )
                break
            except Exception as error:
                if not is_unique_violation(error) or attempt == ATTEMPTS - 1:
                    raise
        created += codes
        if progress:
            progress(len(created), count)
    return created


def code_in(raw: str) -> str | None:
    """The code a scan or a typed text carries: a label URL (…/a/CODE, in any case, even as a
    French keyboard mangles a scanner's input) or the bare code."""
    return next((code for text in readings(raw) if (code := label_code_in(text))), None)


async def _asset_to_bind(scope: Scope, raw: str) -> Found:
    """The one device in scope that the scanned tag or serial designates."""
    located = await locate(raw, scope) if raw.strip() else None
    if located is not None and not isinstance(located, list):
        raise Invalid(
            {"asset": "c'est une étiquette ordipret : scannez le numéro de série de l'appareil"}
        )
    found = [
        item
        for item in located or []
        if item.matched != "code"
        and scope.sees_establishment(item.establishment_id, item.region_id)
    ]
    if not found:
        raise NotFound(f"Appareil {raw.strip()[:80]} introuvable.")
    if len(found) > 1:
        raise Invalid(
            {
                "asset": "plusieurs appareils portent ce numéro de série : "
                "scannez plutôt le numéro d'inventaire"
            }
        )
    return found[0]


async def bind_code(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    code: str,
    asset_tag_or_serial: str,
    replace: bool = False,
) -> LabelledAsset:
    """Stick a label printed ahead on a device: `code` is the label (its URL or code), the
    device is given by its tag or its manufacturer's serial. With `replace`, a device that
    already carries a label gets the new one and the old one is retired."""
    wanted = code_in(code)
    if wanted is None:
        raise Invalid({"code": UNREADABLE})
    target = await _asset_to_bind(scope, asset_tag_or_serial)
    return await _bind(scope, actor, now, wanted, target, replace)


async def bind_new_asset(
    scope: Scope, actor: Actor, now: dt.datetime, code: str, tag: str
) -> LabelledAsset:
    """Bind the blank label `code` to the device just created with `tag` (at intake, in the
    caller's transaction). By its tag, not through a scan: the tag may read as a label."""
    row = await Asset.select(Asset.id, Asset.establishment, Asset.region).where(Asset.tag == tag)
    if not row or not scope.sees_establishment(row[0]["establishment"], row[0]["region"]):
        raise NotFound(f"Appareil {tag} introuvable.")
    target = Found(row[0]["id"], tag, row[0]["establishment"], row[0]["region"], "tag")
    return await _bind(scope, actor, now, code, target, replace=False)


async def _locked_label(scope: Scope, wanted: str) -> dict:
    label = await for_update(
        LabelCode.select(
            LabelCode.id, LabelCode.asset, LabelCode.region, LabelCode.retired_at
        ).where(LabelCode.code == wanted),
        LabelCode,
    ).first()
    if label is None or not acts_in_region(scope, label["region"]):
        # Another region's label reads as unknown: nothing said of what it holds.
        raise NotFound(f"Étiquette {wanted} inconnue.")
    return label


async def check_blank(scope: Scope, code: str) -> dict:
    """The blank label `code` (locked until the caller's transaction ends), else the same
    refusal a bind would give: unknown, retired, or already on a device (field `code`)."""
    label = await _locked_label(scope, code)
    _check_label(label, None)
    return label


async def _bind(
    scope: Scope, actor: Actor, now: dt.datetime, wanted: str, target: Found, replace: bool
) -> LabelledAsset:
    try:
        async with write_transaction():
            # Lock the device, so that two binds on it are applied one after the other.
            await for_update(Asset.select(Asset.id).where(Asset.id == target.asset_id), Asset)
            label = await _locked_label(scope, wanted)
            if label["asset"] == target.asset_id:
                return LabelledAsset(wanted, await assets.get_asset(scope, target.tag))
            _check_label(label, target.region_id)
            current = await LabelCode.select(LabelCode.id, LabelCode.code).where(
                LabelCode.asset == target.asset_id
            )
            old = current[0]["code"] if current else None
            if old and not replace:
                raise Conflict(
                    f"L'appareil {target.tag} porte déjà l'étiquette {old} : "
                    "confirmez son remplacement pour la retirer.",
                    field="asset",
                )
            if old:
                await LabelCode.update({LabelCode.asset: None, LabelCode.retired_at: now}).where(
                    LabelCode.id == current[0]["id"]
                )
            await LabelCode.update(
                {LabelCode.asset: target.asset_id, LabelCode.bound_at: now}
            ).where(LabelCode.id == label["id"])
            await record_event(
                target.asset_id,
                actor,
                now,
                "label_bound",
                {"label": [old, wanted]},
                target.establishment_id,
            )
    except Exception as error:
        if is_unique_violation(error):  # a concurrent bind of this label won
            raise Conflict(
                f"L'étiquette {wanted} vient d'être collée sur un autre appareil.", field="code"
            ) from error
        raise
    return LabelledAsset(wanted, await assets.get_asset(scope, target.tag))


def _check_label(label: dict, region_id: int | None) -> None:
    if label["retired_at"] is not None:
        raise Conflict(
            "Cette étiquette a été retirée : elle ne peut plus servir. Prenez-en une neuve.",
            field="code",
        )
    if label["asset"] is not None:
        raise Conflict("Cette étiquette est déjà collée sur un autre appareil.", field="code")
    if region_id is not None and label["region"] != region_id:
        raise Conflict(
            "Cette étiquette a été imprimée pour une autre région que celle de l'appareil.",
            field="code",
        )


async def found_device(raw_code: str) -> FoundDevice | None:
    """The device a label's code is stuck on, or None for a code that is unknown, retired or
    not yet on a device (all alike, so that a finder learns nothing more from a guess).
    Unscoped: the page for finders decides what to show to whom."""
    code = normalise_code(raw_code)
    if code is None:
        return None
    asset = LabelCode.asset._
    row = (
        await LabelCode.select(
            asset.tag.as_alias("tag"),
            asset.state.as_alias("state"),
            asset.region.as_alias("region_id"),
            asset.region._.name.as_alias("region_name"),
            asset.establishment.as_alias("establishment_id"),
            asset.establishment._.name.as_alias("name"),
            asset.establishment._.city.as_alias("city"),
            asset.establishment._.contact_email.as_alias("email"),
            asset.establishment._.contact_phone.as_alias("phone"),
        )
        .where((LabelCode.code == code) & LabelCode.asset.is_not_null())
        .first()
    )
    if row is None:
        return None
    address = ReturnAddress(
        region_name=row["region_name"],
        establishment_name=row["name"],
        city=row["city"] or "",
        contact_email=row["email"] or "",
        contact_phone=row["phone"] or "",
        ceded=row["state"] == "ceded",
    )
    return FoundDevice(row["tag"], row["establishment_id"], row["region_id"], address)
