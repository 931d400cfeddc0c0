"""Label sheets: which labels a selection prints, in which order, and the PDF of them.

A selection is either devices (by tags and/or the fleet filters, always within the caller's
scope) or blank labels printed ahead for a region. Printing gives every selected device its
code if it has none, so what is printed is always what a scan will find.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from inventory import assets
from inventory.errors import Invalid, NotFound
from inventory.regions import establishment_key, region_id_for_code
from inventory.scope import Scope
from inventory.search import asset_search_clause
from inventory.tables import Asset, Region
from inventory.uai import normalise_uai
from labels.assignment import (
    CHUNK,
    acts_in_region,
    check_blank_count,
    codes_for_assets,
    create_blank_codes,
)
from labels.codes import label_url, normalise_code
from labels.layout import LabelContent, check_calibration
from labels.pdfium import PDFIUM
from labels.render import render_png, render_sheet, render_svg
from labels.stocks import STOCKS, LabelStock
from labels.tables import LabelCode

MAX_LABELS = 10_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Selection:
    """What to print. Device filters combine (all must hold); `blank` prints alone."""

    tags: tuple[str, ...] | None = None  # None: not a selection by tags; () selects nothing
    establishment_uai: str | None = None
    model_id: int | None = None
    state: str | None = None
    search: str | None = None  # part of a tag or serial, as in the asset list
    location_id: int | None = None  # a location of a school, as in the asset list
    unlabelled: bool = False  # only devices without a live code yet
    blank: int | None = None  # that many new codes, bound to no device
    region_code: str | None = None  # the region of blank labels, when the scope has several

    @property
    def filter_fields(self) -> list[str]:
        """The device filters given, by the names the API and the errors use."""
        given = {
            "tags": self.tags is not None,
            "establishment": bool(self.establishment_uai),
            "model": self.model_id is not None,
            "state": bool(self.state),
            "q": bool(self.search and self.search.strip()),
            "location": self.location_id is not None,
            "unlabelled": self.unlabelled,
        }
        return [name for name, present in given.items() if present]


@dataclass(frozen=True, slots=True)
class Sheet:
    pdf: bytes
    labels: int
    pages: int


def stock_for(template: str) -> LabelStock:
    if template not in STOCKS:
        raise Invalid({"template": "format inconnu ; formats possibles : " + ", ".join(STOCKS)})
    return STOCKS[template]


def check_print_options(
    template: str, offset: int, calibration_mm: tuple[float, float]
) -> LabelStock:
    """The stock to print on, after checking what the layout would refuse, each problem
    named by its field. Checked before anything is selected or written."""
    stock = stock_for(template)
    errors = {}
    if not 0 <= offset < stock.per_page:
        errors["offset"] = (
            f"étiquettes déjà utilisées : entre 0 et {stock.per_page - 1} pour le format "
            f"{stock.key}"
        )
    # The printable area is a rectangle: each direction can be checked on its own.
    dx, dy = calibration_mm
    for field, shift in (("calibration_x", (dx, 0.0)), ("calibration_y", (0.0, dy))):
        try:
            check_calibration(stock, shift)
        except ValueError as error:
            errors[field] = str(error)
    if errors:
        raise Invalid(errors)
    return stock


def _too_many(field: str, count: int) -> Invalid:
    return Invalid(
        {
            field: f"{count} étiquettes demandées ; au plus 10 000 par impression : "
            "réduisez la sélection"
        }
    )


async def label_contents(
    scope: Scope,
    now: dt.datetime,
    public_url: str,
    selection: Selection,
    progress: Progress | None = None,
) -> list[LabelContent]:
    """The labels of the selection, ordered by tag (blank labels in the order created).
    Devices without a code get one. `progress(done, total)` follows the codes' creation."""
    if selection.blank is not None:
        if selection.filter_fields:
            raise Invalid(
                {"blank": "les étiquettes vierges s'impriment seules : retirez les autres critères"}
            )
        return await _blank_contents(scope, now, public_url, selection, progress)
    rows = await _selected_devices(scope, selection)
    codes: dict[int, str] = {}
    for start in range(0, len(rows), CHUNK):
        chunk = [row["id"] for row in rows[start : start + CHUNK]]
        codes |= await codes_for_assets(scope, chunk, now)
        if progress:
            progress(min(start + CHUNK, len(rows)), len(rows))
    return [
        LabelContent(
            url=label_url(public_url, codes[row["id"]]),
            caption=row["tag"],
            serial=row["serial"],
            region_name=row["region_name"],
        )
        for row in rows
    ]


async def _blank_contents(
    scope: Scope,
    now: dt.datetime,
    public_url: str,
    selection: Selection,
    progress: Progress | None,
) -> list[LabelContent]:
    check_blank_count(selection.blank or 0)
    region_id = await _blank_region(scope, selection.region_code)
    region = await Region.select(Region.name).where(Region.id == region_id).first()
    assert region is not None  # _blank_region found it
    codes = await create_blank_codes(scope, region_id, selection.blank or 0, now, progress)
    return [LabelContent(label_url(public_url, code), code, "", region["name"]) for code in codes]


async def _blank_region(scope: Scope, region_code: str | None) -> int:
    if region_code:
        region_id = await region_id_for_code(region_code.strip())
        if region_id is None or not acts_in_region(scope, region_id):
            raise Invalid({"region": f"région {region_code} inconnue ou hors de votre périmètre"})
        return region_id
    candidates = scope.seen_region_ids
    if scope.everything or len(candidates) != 1:
        raise Invalid({"region": "indiquez la région (code INSEE) des étiquettes vierges"})
    return next(iter(candidates))


_DEVICE_COLUMNS = (
    Asset.id,
    Asset.tag,
    Asset.serial,
    Asset.region.name.as_alias("region_name"),
)


def _scoped(query, scope: Scope):
    if (where := scope.restrict(Asset.region, Asset.establishment)) is not None:
        query = query.where(where)
    return query


def _filtered(query, scope: Scope, selection: Selection, establishment_id: int | None):
    query = _scoped(query, scope)
    if selection.state:  # a derived status, as the asset list filters it ("lent" included)
        query = query.where(*assets.status_where(selection.state))
    if selection.location_id is not None:
        query = query.where(Asset.location == selection.location_id)
    if establishment_id is not None:
        query = query.where(Asset.establishment == establishment_id)
    if selection.model_id is not None:
        query = query.where(Asset.model == selection.model_id)
    if (search := asset_search_clause(selection.search)) is not None:
        # As the asset list searches, so that the sheet holds what the list shows.
        query = query.where(search)
    if selection.unlabelled:
        labelled = LabelCode.select(LabelCode.asset).where(LabelCode.asset.is_not_null())
        query = query.where(Asset.id.not_in(labelled))
    return query


async def _establishment_id(scope: Scope, uai: str | None) -> int | None:
    if not uai:
        return None
    try:
        return (await establishment_key(scope, uai)).id
    except NotFound:
        problem = f"établissement {normalise_uai(uai)} inconnu ou hors de votre périmètre"
        raise Invalid({"establishment": problem}) from None


async def _selected_devices(scope: Scope, selection: Selection) -> list[dict]:
    assets.check_filters(assets.AssetFilters(state=selection.state), "tag", 1, 0)
    establishment_id = await _establishment_id(scope, selection.establishment_uai)
    if selection.tags is not None:
        rows = await _devices_by_tag(scope, selection, establishment_id)
    else:
        count = await _filtered(Asset.count(), scope, selection, establishment_id)
        if count > MAX_LABELS:
            fields = selection.filter_fields or ["establishment"]
            raise Invalid({f: _too_many(f, count).errors[f] for f in fields})
        rows = await _filtered(Asset.select(*_DEVICE_COLUMNS), scope, selection, establishment_id)
    if not rows:
        if selection.unlabelled:
            raise Invalid({"unlabelled": "tous les appareils de cette sélection ont une étiquette"})
        raise Invalid({"selection": "aucun appareil ne correspond à cette sélection"})
    # Sorted here rather than by the database, whose collation differs between engines.
    return sorted(rows, key=lambda row: row["tag"])


async def _devices_by_tag(
    scope: Scope, selection: Selection, establishment_id: int | None
) -> list[dict]:
    tags = list(dict.fromkeys(assets.normalise_tag(t) for t in selection.tags or () if t.strip()))
    if not tags:  # "?tags=,,," is a list of nothing, never "every device in scope"
        raise Invalid({"tags": "la liste ne contient aucun numéro d'inventaire"})
    if len(tags) > MAX_LABELS:
        raise _too_many("tags", len(tags))
    rows, missing = [], []
    for start in range(0, len(tags), CHUNK):
        chunk = tags[start : start + CHUNK]
        # Every tag must be in scope, whatever the other filters: an unknown tag and another
        # school's tag are answered alike.
        seen = await _scoped(Asset.select(Asset.tag).where(Asset.tag.is_in(chunk)), scope)
        known = {row["tag"] for row in seen}
        missing += [tag for tag in chunk if tag not in known]
        rows += await _filtered(
            Asset.select(*_DEVICE_COLUMNS).where(Asset.tag.is_in(chunk)),
            scope,
            selection,
            establishment_id,
        )
    if missing:
        shown = ", ".join(missing[:20]) + (
            f" (et {len(missing) - 20} autres)" if len(missing) > 20 else ""
        )
        raise NotFound(f"Appareils introuvables : {shown}.")
    return rows


def page_count(labels: int, stock: LabelStock, offset: int) -> int:
    return math.ceil((offset + labels) / stock.per_page)


def render(
    contents: list[LabelContent],
    stock: LabelStock,
    offset: int = 0,
    calibration_mm: tuple[float, float] = (0.0, 0.0),
    progress: Callable[[int, int], None] | None = None,
) -> Sheet:
    """The PDF (CPU-bound, seconds for 10,000 labels: callers on an event loop run it in a
    worker thread). A text too long for the stock is a problem with the chosen format."""
    try:
        pdf = render_sheet(contents, stock, offset, calibration_mm, progress)
    except ValueError as error:
        raise Invalid({"template": str(error)}) from error
    return Sheet(pdf=pdf, labels=len(contents), pages=page_count(len(contents), stock, offset))


async def single_label(scope: Scope, public_url: str, raw_code: str) -> LabelContent:
    """One label to print again: a device's label in scope, or a blank label of a region the
    caller acts in. Anything else (unknown, retired, another school's) is not found."""
    code = normalise_code(raw_code)
    if code is None:
        raise NotFound("Étiquette introuvable.")
    row = (
        await LabelCode.select(
            LabelCode.region,
            LabelCode.region.name.as_alias("region_name"),
            LabelCode.retired_at,
            LabelCode.asset.tag.as_alias("tag"),
        )
        .where(LabelCode.code == code)
        .first()
    )
    if row is None or row["retired_at"] is not None:
        raise NotFound("Étiquette introuvable.")
    if row["tag"] is None:
        if not acts_in_region(scope, row["region"]):
            raise NotFound("Étiquette introuvable.")
        return LabelContent(label_url(public_url, code), code, "", row["region_name"])
    try:
        device = await assets.get_asset(scope, row["tag"])
    except NotFound:
        raise NotFound("Étiquette introuvable.") from None
    return LabelContent(label_url(public_url, code), device.tag, device.serial, row["region_name"])


def label_png(content: LabelContent, stock: LabelStock) -> bytes:
    try:
        with PDFIUM:
            return render_png(content, stock)
    except ValueError as error:
        raise Invalid({"template": str(error)}) from error


def label_svg(content: LabelContent, stock: LabelStock) -> str:
    try:
        return render_svg(content, stock)
    except ValueError as error:
        raise Invalid({"template": str(error)}) from error
