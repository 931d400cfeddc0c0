"""What a scanner (or a person) typed, and which device it designates.

Accepted: the label URL, the short label code, the asset tag or the manufacturer's serial;
with surrounding spaces, a trailing CR/LF, in any case; and as a scanner set to a US QWERTY
layout types it on a French AZERTY keyboard (digits come out as &é"'(-è_çà, a/q and z/w are
swapped, ":" becomes "M", "/" becomes "!", "." becomes ":", "-" becomes ")").
"""

from __future__ import annotations

from dataclasses import dataclass

from inventory.tables import Asset, Establishment
from labels.codes import normalise_code
from labels.tables import LabelCode

# What a French AZERTY keyboard shows for each key a US QWERTY scanner presses, reversed.
_AZERTY_TO_QWERTY = str.maketrans(
    {
        "&": "1", "é": "2", '"': "3", "'": "4", "(": "5", "-": "6", "è": "7", "_": "8",
        "ç": "9", "à": "0", "a": "q", "q": "a", "A": "Q", "Q": "A", "z": "w", "w": "z",
        "Z": "W", "W": "Z", ",": "m", "?": "M", ";": ",", "m": ";", "M": ":", ":": ".",
        "!": "/", ")": "-", "°": "_", "ù": "'",
    }
)  # fmt: skip
_AZERTY_MARKS = set("&é\"'(è_çà!)°ù")


@dataclass(frozen=True, slots=True)
class Found:
    """A device designated by a scan, before any scope is applied."""

    asset_id: int
    tag: str
    establishment_id: int | None
    region_id: int
    matched: str  # "code", "tag" or "serial"


@dataclass(frozen=True, slots=True)
class UnboundCode:
    """A label printed ahead and not yet stuck on a device (or retired)."""

    code: str
    region_id: int
    retired: bool


def readings(raw: str) -> list[str]:
    """The ways to read what was typed, most likely first."""
    text = raw.strip().strip("\r\n\t ")
    if not text:
        return []
    candidates = [text]
    if any(ch in _AZERTY_MARKS for ch in text):
        candidates.append(text.translate(_AZERTY_TO_QWERTY))
    return candidates


def _label_code_in(text: str) -> str | None:
    """The code of a label URL (…/a/CODE, any host, any case), or of a bare code."""
    lowered = text.lower()
    if "/a/" in lowered:
        return normalise_code(text[lowered.rindex("/a/") + 3 :].split("?")[0].strip("/"))
    if "://" in text or "/" in text:
        return None
    return normalise_code(text)


_ASSET_COLUMNS = (Asset.id, Asset.tag, Asset.establishment, Asset.region)


def _found(row: dict, matched: str) -> Found:
    return Found(
        asset_id=row["id"],
        tag=row["tag"],
        establishment_id=row["establishment"],
        region_id=row["region"],
        matched=matched,
    )


async def locate(raw: str) -> list[Found] | UnboundCode | None:
    """Every device the input may designate (several only for a serial shared by two
    manufacturers), an unbound label code, or None. Unscoped: callers apply their Scope."""
    for text in readings(raw):
        if code := _label_code_in(text):
            row = (
                await LabelCode.select(LabelCode.asset, LabelCode.region, LabelCode.retired_at)
                .where(LabelCode.code == code)
                .first()
            )
            if row is not None:
                if row["asset"] is None:
                    return UnboundCode(code, row["region"], row["retired_at"] is not None)
                asset = await Asset.select(*_ASSET_COLUMNS).where(Asset.id == row["asset"]).first()
                return [_found(asset, "code")]
        key = text.upper()
        if (row := await Asset.select(*_ASSET_COLUMNS).where(Asset.tag == key).first()) is not None:
            return [_found(row, "tag")]
        rows = await Asset.select(*_ASSET_COLUMNS).where(Asset.serial == key)
        if rows:
            return [_found(r, "serial") for r in rows]
    return None


async def establishment_label(establishment_id: int | None) -> str:
    if establishment_id is None:
        return "stock régional"
    row = (
        await Establishment.select(Establishment.name)
        .where(Establishment.id == establishment_id)
        .first()
    )
    return row["name"] if row else ""
