"""What a scanner (or a person) typed, and which device it designates.

Accepted: the label URL, the short label code, the asset tag or the manufacturer's serial;
with surrounding spaces, a trailing CR/LF, in any case; and as a scanner set to a US QWERTY
layout types it on a French AZERTY keyboard (digits come out as &é"'(-è_çà, a/q and z/w are
swapped, ":" becomes "M", "/" becomes "!", "." becomes ":", "-" becomes ")", "M" becomes "?").
"""

from __future__ import annotations

import datetime as dt
import string
import unicodedata
from dataclasses import dataclass

from inventory import stocktakes
from inventory.assets import get_asset
from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Actor, Scope
from inventory.stocktake_views import ScanResult as StocktakeScanResult
from inventory.tables import Asset, Establishment
from inventory.views import AssetView
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
# Characters a tag, a serial or a label code may hold: a person typing a tag on an AZERTY
# keyboard keeps these as they are and may still type digits unshifted (`CVL-ààààà"`).
_KEPT_AS_TYPED = frozenset(string.ascii_letters + string.digits + "._-")
# Kept as typed, yet also what an AZERTY keyboard shows for a digit ("-" is 6, "_" is 8):
# per-character readings try both, for at most this many of them (2^4 readings).
_EITHER = frozenset("-_")
_MAX_EITHER = 4
# Longest values the asset table can hold: a longer reading cannot be a tag or a serial.
_MAX_TAG = 40
_MAX_SERIAL = 80
_SHOWN = 60  # characters of an unrecognised input echoed back in a message


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


@dataclass(frozen=True, slots=True)
class ScanResult:
    """A scan resolved within a scope: a device (and how it was recognised), or a blank label."""

    asset: AssetView | None = None
    matched: str | None = None  # "code", "tag" or "serial"
    unbound_code: str | None = None


def cleaned(raw: str) -> str:
    """The typed text without what no code holds: surrounding spaces, the scanner's CR/LF,
    control and invisible characters (NUL, a GS1 separator, a zero-width space)."""
    text = unicodedata.normalize("NFC", raw)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    return text.strip()


def readings(raw: str) -> list[str]:
    """The ways to read what was typed, most likely first: as typed, then as a QWERTY scanner
    on an AZERTY keyboard would have mangled it, then character by character as a person
    half-mangles a tag (digits unshifted, the dash kept). The scanner's reading is tried even
    without a telltale character (&é"…): a code or serial made of letters only is mangled into
    letters only, and with Caps Lock on an AZERTY keyboard gives digits unchanged."""
    text = cleaned(raw)
    if not text:
        return []
    scanner = text.translate(_AZERTY_TO_QWERTY)
    candidates = [text, scanner]
    if len(text) <= _MAX_SERIAL and "://" not in text + scanner:  # URLs come from scanners
        candidates += _per_character(text)
    return list(dict.fromkeys(candidates))


def _per_character(text: str) -> list[str]:
    """Readings that keep each character valid in a tag or a code and translate the others;
    a "-" or "_" is read both ways."""
    kept = [ch if ch in _KEPT_AS_TYPED else ch.translate(_AZERTY_TO_QWERTY) for ch in text]
    either = [i for i, ch in enumerate(text) if ch in _EITHER][:_MAX_EITHER]
    variants = []
    for mask in range(2 ** len(either)):
        chars = list(kept)
        for bit, index in enumerate(either):
            if mask >> bit & 1:
                chars[index] = text[index].translate(_AZERTY_TO_QWERTY)
        variants.append("".join(chars))
    return variants


def label_code_in(text: str) -> str | None:
    """The code of a label URL (…/a/CODE, any host, any case), or of a bare code."""
    lowered = text.lower()
    if "/a/" in lowered:
        tail = text[lowered.rindex("/a/") + 3 :]
        return normalise_code(tail.split("?")[0].split("#")[0].strip("/"))
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


def _visible(scope: Scope | None, found: Found) -> bool:
    return scope is None or scope.sees_establishment(found.establishment_id, found.region_id)


async def _by_code(code: str, scope: Scope | None) -> list[Found] | UnboundCode | None:
    row = (
        await LabelCode.select(LabelCode.asset, LabelCode.region, LabelCode.retired_at)
        .where(LabelCode.code == code)
        .first()
    )
    if row is None:
        return None
    if row["asset"] is None:
        if scope is not None and not scope.sees_region(row["region"]):
            return None
        return UnboundCode(code, row["region"], row["retired_at"] is not None)
    asset = await Asset.select(*_ASSET_COLUMNS).where(Asset.id == row["asset"]).first()
    assert asset is not None  # a foreign key; assets are never deleted
    found = _found(asset, "code")
    return [found] if _visible(scope, found) else None


async def locate(raw: str, scope: Scope | None = None) -> list[Found] | UnboundCode | None:
    """Every device the input may designate (several only for a serial shared by two
    manufacturers), an unbound label code, or None.

    Without `scope`, unscoped: callers apply their Scope. With it, what lies outside the scope
    does not exist: the search goes on with the next reading, as if it were absent."""
    for text in readings(raw):
        if (code := label_code_in(text)) and (found := await _by_code(code, scope)):
            return found
        key = text.upper()
        if len(key) <= _MAX_TAG:
            row = await Asset.select(*_ASSET_COLUMNS).where(Asset.tag == key).first()
            if row is not None and _visible(scope, by_tag := _found(row, "tag")):
                return [by_tag]
        if len(key) <= _MAX_SERIAL:
            rows = await Asset.select(*_ASSET_COLUMNS).where(Asset.serial == key)
            serials = [f for f in (_found(r, "serial") for r in rows) if _visible(scope, f)]
            if serials:
                return serials
    return None


def shown(raw: str) -> str:
    """What was typed, short enough to be echoed in a message."""
    text = " ".join(cleaned(raw).split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


async def resolve_scan(scope: Scope, raw: str) -> ScanResult:
    """The device (or blank label) a scan designates among those the scope sees.

    Raises Invalid (nothing typed), NotFound (nothing in scope matches: a device of another
    school is answered exactly like an unknown code), Conflict (a serial shared by two devices
    the caller sees)."""
    if not readings(raw):
        raise Invalid({"code": "scannez une étiquette, ou saisissez un numéro d'inventaire"})
    located = await locate(raw, scope)
    if located is None:
        raise NotFound(f"Aucun appareil ne correspond à « {shown(raw)} ».")
    if isinstance(located, UnboundCode):
        if located.retired:
            raise NotFound(
                f"L'étiquette {located.code} a été retirée : elle ne désigne plus aucun appareil."
            )
        return ScanResult(unbound_code=located.code)
    if len(located) > 1:
        tags = ", ".join(sorted(found.tag for found in located))
        raise Conflict(
            f"Plusieurs appareils portent ce numéro de série : {tags}. "
            "Scannez leur étiquette ou saisissez leur numéro d'inventaire.",
            field="code",
        )
    found = located[0]
    return ScanResult(asset=await get_asset(scope, found.tag), matched=found.matched)


async def establishment_label(establishment_id: int | None) -> str:
    if establishment_id is None:
        return "stock régional"
    row = (
        await Establishment.select(Establishment.name)
        .where(Establishment.id == establishment_id)
        .first()
    )
    return row["name"] if row else ""


async def scan_into_stocktake(
    scope: Scope, actor: Actor, now: dt.datetime, stocktake_id: int, raw: str
) -> StocktakeScanResult:
    """Record a stocktake scan: what it designates is looked up within the caller's scope, so
    that a device or label the caller may not see is recorded as unknown, like a code that
    exists nowhere (its tag, serial, school and region are never shown nor kept)."""
    code = stocktakes.clean_code(raw)  # refused before it reaches the label reader
    return await stocktakes.record_scan(
        scope, actor, now, stocktake_id, code, await locate(code, scope)
    )
