"""Assets: create, read, list and update, each change written with its history event."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from piccolo.columns.combination import WhereRaw
from piccolo.query import Select

from inventory.catalogue import manufacturer_key
from inventory.db import PARAMETER, Prepared, for_update, is_unique_violation, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.history import (
    AssetChange,
    change_assets,
    creation_changes,
    events_of,
    jsonable,
    record_event,
)
from inventory.keyset import Key, decode, fetch_page, page_and_count
from inventory.lending import (
    LENT,
    LENT_LABEL,
    WITH_OPEN_LOAN,
    lent_clause,
    not_lent_clause,
    open_loan_in,
    open_loans,
)
from inventory.regions import establishment_row, region_id_for_code
from inventory.scope import Actor, Scope
from inventory.search import AssetSearch, capped_search_count, resolve_asset_search
from inventory.tables import Asset, DeviceModel
from inventory.uai import normalise_uai
from inventory.views import (
    AssetEventView,
    AssetView,
    DeviceModelView,
    EstablishmentRef,
    LocationRef,
    Page,
)

# "lent" is not a state: it is derived from an open loan.
STATES = {
    "in_stock": "en stock",
    "in_repair": "en réparation",
    "lost": "perdu",
    "stolen": "volé",
    "retired": "réformé",
    "ceded": "cédé",
}
# What a list may be filtered on: the derived status ("lent" first, as the desk sees it).
STATUSES = {LENT: LENT_LABEL, **STATES}
CONDITIONS = {"A": "comme neuf", "B": "bon état", "C": "usé", "D": "endommagé"}
# No "/" in tags: a tag is a path segment of the API and page addresses.
TAG_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,39}$")
# Manufacturers' serials are letters and digits, sometimes grouped by - . / _ or a space. It
# starts with a letter or a digit: never with a sign a spreadsheet would run as a formula.
SERIAL_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9 ./_-]{0,79}$")
SORTABLE = {
    "tag",
    "serial",
    "state",
    "condition",
    "acquired_on",
    "warranty_end",
    "created_at",
    "updated_at",
}
# Dates a device may not have: their empty rows come last, in either direction.
_NULLABLE = {"acquired_on", "warranty_end"}
MAX_PAGE = 500
MAX_OFFSET = 2**31 - 1

_COLUMNS = (
    Asset.id,
    Asset.tag,
    Asset.serial,
    Asset.state,
    Asset.condition,
    Asset.acquired_on,
    Asset.warranty_end,
    Asset.notes,
    Asset.created_at,
    Asset.updated_at,
    Asset.region.id.as_alias("region_id"),
    Asset.region.code.as_alias("region_code"),
    Asset.establishment.id.as_alias("establishment_id"),
    Asset.establishment.uai.as_alias("establishment_uai"),
    Asset.establishment.name.as_alias("establishment_name"),
    Asset.model.id.as_alias("model_id"),
    Asset.model.manufacturer.as_alias("model_manufacturer"),
    Asset.model.name.as_alias("model_name"),
    Asset.model.category.as_alias("model_category"),
    Asset.model.accessories.as_alias("model_accessories"),
    Asset.location.id.as_alias("location_id"),
    Asset.location.name.as_alias("location_name"),
)


@dataclass(frozen=True, slots=True)
class AssetFilters:
    state: str | None = None  # a status: "lent", or a state meaning that state and not lent
    establishment_uai: str | None = None
    model_id: int | None = None
    search: str | None = None  # part of a tag or serial number
    location_id: int | None = None  # a location of a school (inventory.locations)


def normalise_tag(raw: str) -> str:
    return raw.strip().upper()


def normalise_serial(raw: str) -> str:
    return raw.strip().upper()


def _view(row: dict, scope: Scope | None = None, loans: dict | None = None) -> AssetView:
    """`loans`: the open loans of the rows read (`lending.open_loans`); the borrower's class
    and the due date stay hidden from a caller who does not see the loan's establishment."""
    loan = None
    if loans and (found := loans.get(row["id"])) is not None:
        loan, loan_establishment = found
        if scope is None or not scope.sees_establishment(loan_establishment, row["region_id"]):
            loan = type(loan)(state=loan.state)
    establishment = None
    if row["establishment_id"] is not None:
        establishment = EstablishmentRef(
            uai=row["establishment_uai"], name=row["establishment_name"]
        )
    return AssetView(
        tag=row["tag"],
        serial=row["serial"],
        model=DeviceModelView(
            id=row["model_id"],
            manufacturer=row["model_manufacturer"],
            name=row["model_name"],
            category=row["model_category"],
            accessories=row["model_accessories"] or [],
        ),
        region_code=row["region_code"],
        establishment=establishment,
        state=row["state"],
        condition=row["condition"],
        acquired_on=row["acquired_on"],
        warranty_end=row["warranty_end"],
        notes=row["notes"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=LENT if loan is not None else row["state"],
        loan=loan,
        location=(
            LocationRef(id=row["location_id"], name=row["location_name"])
            if row["location_id"] is not None
            else None
        ),
    )


async def _views(scope: Scope, rows: list[dict]) -> list[AssetView]:
    loans = await open_loans(row["id"] for row in rows)
    return [_view(row, scope, loans) for row in rows]


def _by_tag(lock: bool):
    query = Asset.select(*_COLUMNS).where(Asset.tag == PARAMETER)
    return for_update(query, Asset) if lock else query


_BY_TAG = Prepared(Asset, lambda: _by_tag(lock=False), around=WITH_OPEN_LOAN)
_BY_TAG_LOCKED = Prepared(Asset, lambda: _by_tag(lock=True))


async def _scoped_row(scope: Scope, tag: str, lock: bool = False) -> dict:
    tag = normalise_tag(tag)
    rows = await (_BY_TAG_LOCKED if lock else _BY_TAG).rows(tag)
    if not rows or not scope.sees_establishment(rows[0]["establishment_id"], rows[0]["region_id"]):
        raise NotFound(f"Appareil {tag} introuvable.")
    return rows[0]


async def get_asset(scope: Scope, tag: str) -> AssetView:
    row = await _scoped_row(scope, tag)  # with its open loan (WITH_OPEN_LOAN)
    return _view(row, scope, open_loan_in(row))


def status_where(status: str) -> list:
    """Where clauses on `Asset` for a derived status: an open loan for "lent"; for a state,
    that state and no open loan (a lent device is not on the shelf)."""
    if status == LENT:
        return [lent_clause()]
    if status == "in_stock" and Asset._meta.db.engine_type == "sqlite":
        # Lent devices keep the state "in_stock" (nine in ten of a region's devices): SQLite,
        # analysed, reads them all by the state's index and sorts the rest (100 ms a page).
        # The unary plus leaves that index out: the list's own order is read and filtered.
        return [WhereRaw('+"asset"."state" = {}', status), not_lent_clause()]
    return [Asset.state == status, not_lent_clause()]


def _filtered(query, scope: Scope, filters: AssetFilters, search: AssetSearch | None):
    # An asset belongs to its owner region, and to its school when it has one.
    if (where := scope.restrict(Asset.region, Asset.establishment)) is not None:
        query = query.where(where)
    if filters.state:
        query = query.where(*status_where(filters.state))
    if filters.establishment_uai:
        query = query.where(Asset.establishment.uai == filters.establishment_uai.strip().upper())
    if filters.model_id:
        query = query.where(Asset.model == filters.model_id)
    if filters.location_id:
        query = query.where(Asset.location == filters.location_id)
    if search is not None:  # filters.search, resolved: inventory.search
        query = query.where(search.where)
    return query


def check_filters(filters: AssetFilters, sort: str, limit: int, offset: int) -> None:
    errors = {}
    if filters.state and filters.state not in STATUSES:
        errors["state"] = "état inconnu ; valeurs possibles : " + ", ".join(STATUSES)
    if sort.lstrip("-") not in SORTABLE:
        errors["sort"] = (
            "tri possible sur : " + ", ".join(sorted(SORTABLE)) + " (préfixe - pour décroissant)"
        )
    if not 1 <= limit <= MAX_PAGE:
        errors["limit"] = f"entre 1 et {MAX_PAGE}"
    if not 0 <= offset <= MAX_OFFSET:
        errors["offset"] = f"entre 0 et {MAX_OFFSET}"
    if errors:
        raise Invalid(errors)


def list_select(
    scope: Scope, filters: AssetFilters, search: AssetSearch | None
) -> Callable[[], Select]:
    """The list's rows in scope and filtered, unordered: what a page is cut from."""
    return lambda: _filtered(Asset.select(*_COLUMNS), scope, filters, search)


def sort_keys(sort: str) -> tuple[Key, ...]:
    """The keys of a sort, the last one unique so that pages never skip nor repeat a row.
    Ties go the sort's own way (`-acquired_on`: the newest id first among a day's devices)
    so that one index, read forwards or backwards, answers the whole order."""
    name, descending = sort.lstrip("-"), sort.startswith("-")
    if name == "tag":  # unique by itself
        return (Key(Asset.tag, descending),)
    first = Key(getattr(Asset, name), descending, nullable=name in _NULLABLE)
    return (first, Key(Asset.id, descending))


async def list_assets(
    scope: Scope,
    filters: AssetFilters,
    sort: str = "tag",
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page:
    """A page of the list after (or before) `cursor`, or after `offset` rows (deprecated);
    the total counted up to COUNT_CAP."""
    check_filters(filters, sort, limit, offset)
    keys = sort_keys(sort)
    position = decode(cursor, sort, keys)
    search = await resolve_asset_search(filters.search)
    found, (total, exact) = await page_and_count(
        Asset,
        fetch_page(list_select(scope, filters, search), sort, keys, position, limit, offset),
        capped_search_count(_filtered(Asset.select(Asset.id), scope, filters, None), search),
    )
    return Page(
        items=await _views(scope, found.rows),
        total=total,
        limit=limit,
        offset=offset if position is None else 0,
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
        total_exact=exact,
    )


async def iter_assets(scope: Scope, filters: AssetFilters, sort: str = "tag", batch: int = 1000):
    """Every matching asset in `sort` order (then by id), as views (see `asset_batches`)."""
    async for rows in asset_batches(scope, filters, sort, batch=batch):
        for view in await _views(scope, rows):
            yield view


async def asset_batches(
    scope: Scope, filters: AssetFilters, sort: str = "tag", columns=_COLUMNS, batch: int = 1000
):
    """Every matching asset's row of `columns` (plus the sort column and the id) in `sort`
    order (then by id), a list of rows per batch, for exports of any size: read in keyset
    batches, each starting after the last row of the one before (no OFFSET, which re-reads
    every row before the page, and no count). Assets without a value in the sort column
    (dates) come last, in either direction. Exports pass the few columns they write: the
    timestamps and JSON of the full view cost more to convert than the read itself."""
    check_filters(filters, sort, 1, 0)
    name, descending = sort.lstrip("-"), sort.startswith("-")
    column = getattr(Asset, name)
    # By identity: a column's == builds a WHERE clause.
    selected = [Asset.id, column, *(c for c in columns if c is not Asset.id and c is not column)]
    search = await resolve_asset_search(filters.search)
    for valued in (True, False):
        last: dict | None = None
        while True:
            query = _filtered(Asset.select(*selected), scope, filters, search)
            if valued:
                query = query.where(column.is_not_null())
                if last is not None:
                    value = last[name]
                    beyond = column < value if descending else column > value
                    query = query.where(beyond | ((column == value) & (Asset.id > last["id"])))
                query = query.order_by(column, ascending=not descending)
            else:
                query = query.where(column.is_null())
                if last is not None:
                    query = query.where(Asset.id > last["id"])
            found = await query.order_by(Asset.id).limit(batch)
            if found:
                yield found
            if len(found) < batch:
                break
            last = found[-1]


@dataclass(slots=True)
class _Placement:
    region_id: int
    establishment_id: int | None


async def _placement(
    scope: Scope,
    region_code: str | None,
    establishment_uai: str | None,
    owner_region_id: int | None = None,
) -> _Placement:
    """Where an asset may be put by this caller; errors name the offending field.
    `owner_region_id` is given for a move: an asset never leaves the region that owns it."""
    if establishment_uai:
        uai = normalise_uai(establishment_uai)
        try:
            row = await establishment_row(scope, uai)
        except NotFound:
            problem = f"établissement {uai} inconnu ou hors de votre périmètre"
            raise Invalid({"establishment_uai": problem}) from None
        if owner_region_id is not None and row["region"] != owner_region_id:
            problem = (
                "cet établissement est dans une autre région que la propriétaire de l'appareil"
            )
            raise Invalid({"establishment_uai": problem})
        if region_code and await region_id_for_code(region_code) != row["region"]:
            raise Invalid({"region_code": "l'établissement n'appartient pas à cette région"})
        return _Placement(region_id=row["region"], establishment_id=row["id"])
    if owner_region_id is not None:  # back to the region's own stock
        if not scope.manages_region(owner_region_id):
            problem = (
                "seul le gestionnaire de la région peut remettre un appareil en stock régional"
            )
            raise Invalid({"establishment_uai": problem})
        return _Placement(region_id=owner_region_id, establishment_id=None)
    if not region_code:
        problem = "indiquez l'établissement (ou la région pour le stock régional)"
        raise Invalid({"establishment_uai": problem})
    region_id = await region_id_for_code(region_code)
    if region_id is None or not scope.manages_region(region_id):
        raise Invalid({"region_code": f"région {region_code} inconnue ou hors de votre périmètre"})
    return _Placement(region_id=region_id, establishment_id=None)


def check_asset_fields(fields: dict) -> dict:
    """Normalise and validate the plain fields of an asset; raise Invalid naming each bad one."""
    errors = {}
    if "tag" in fields:
        fields["tag"] = normalise_tag(fields["tag"])
        if not TAG_PATTERN.match(fields["tag"]):
            errors["tag"] = "numéro d'inventaire de 1 à 40 caractères : lettres, chiffres, - _ ."
    if "serial" in fields:
        fields["serial"] = normalise_serial(fields["serial"])
        if not fields["serial"] or len(fields["serial"]) > 80:
            errors["serial"] = "numéro de série obligatoire (80 caractères au plus)"
        elif not SERIAL_PATTERN.match(fields["serial"]):
            errors["serial"] = (
                "numéro de série : lettres, chiffres, espace, - . / _ ; "
                "il commence par une lettre ou un chiffre"
            )
    if "state" in fields and fields["state"] not in STATES:
        errors["state"] = "état inconnu ; valeurs possibles : " + ", ".join(STATES)
    if "condition" in fields and fields["condition"] not in CONDITIONS:
        errors["condition"] = "état physique inconnu ; valeurs possibles : A, B, C, D"
    acquired, warranty = fields.get("acquired_on"), fields.get("warranty_end")
    if acquired and warranty and warranty < acquired:
        errors["warranty_end"] = "la fin de garantie précède la date d'acquisition"
    if errors:
        raise Invalid(errors)
    return fields


async def _model_manufacturer_key(model_id: int) -> str:
    row = (
        await DeviceModel.select(DeviceModel.manufacturer).where(DeviceModel.id == model_id).first()
    )
    if row is None:
        raise Invalid({"model_id": f"modèle {model_id} inconnu"})
    return manufacturer_key(row["manufacturer"])


def _conflict_from(error: BaseException, tag: str, serial: str) -> Conflict:
    text = str(error)
    if "serial" in text:
        return Conflict(
            f"Le numéro de série {serial} existe déjà pour ce fabricant.", field="serial"
        )
    return Conflict(f"Le numéro d'inventaire {tag} existe déjà.", field="tag")


async def insert_asset(
    fields: dict, placement: _Placement, maker_key: str, actor: Actor, now: dt.datetime, action: str
) -> int:
    """Insert one validated asset and its creation event. Runs inside the caller's transaction."""
    row = (
        await Asset.insert(
            Asset(
                **fields,
                manufacturer_key=maker_key,
                region=placement.region_id,
                establishment=placement.establishment_id,
                created_at=now,
                updated_at=now,
            )
        ).returning(Asset.id)
    )[0]
    await record_event(
        row["id"], actor, now, action, creation_changes(fields), placement.establishment_id
    )
    return row["id"]


async def create_asset(scope: Scope, actor: Actor, now: dt.datetime, fields: dict) -> AssetView:
    """`fields`: tag, serial, model_id, and optionally region_code, establishment_uai, state,
    condition, acquired_on, warranty_end, notes."""
    fields = dict(fields)
    placement = await _placement(
        scope, fields.pop("region_code", None), fields.pop("establishment_uai", None)
    )
    model_id = fields.pop("model_id")
    fields = check_asset_fields(fields)
    maker_key = await _model_manufacturer_key(model_id)
    try:
        async with write_transaction():
            await insert_asset(
                {**fields, "model": model_id}, placement, maker_key, actor, now, "created"
            )
    except Exception as error:
        if is_unique_violation(error):
            raise _conflict_from(error, fields["tag"], fields["serial"]) from error
        raise
    return await get_asset(scope, fields["tag"])


EDITABLE = (
    "serial",
    "model_id",
    "establishment_uai",
    "state",
    "condition",
    "acquired_on",
    "warranty_end",
    "notes",
)


def _editable(row: dict) -> dict:
    return {key: row[key] for key in EDITABLE}


async def update_asset(
    scope: Scope, actor: Actor, now: dt.datetime, tag: str, changes: dict
) -> AssetView:
    wanted = {key: value for key, value in changes.items() if key in EDITABLE}
    if "establishment_uai" in wanted:  # "" or null: back to the region's own stock
        wanted["establishment_uai"] = normalise_uai(wanted["establishment_uai"] or "") or None
    wanted = check_asset_fields(wanted)  # normalised first, so "pf3 " equals "PF3"
    try:
        async with write_transaction():
            # Read inside the transaction (and lock the row on PostgreSQL) so that concurrent
            # updates chain: each event's "before" is the previous event's "after".
            current = await _scoped_row(scope, tag, lock=True)
            before = _editable(current)
            check_asset_fields({**before, **wanted})  # e.g. warranty_end against acquired_on
            diff = {k: [before[k], v] for k, v in wanted.items() if v != before[k]}
            if not diff:
                return (await _views(scope, [current]))[0]
            values, establishment_id = await _column_values(scope, current, diff)
            json_diff = {key: [jsonable(a), jsonable(b)] for key, (a, b) in diff.items()}
            if "location" in values and current["location_name"] is not None:
                json_diff["location"] = [current["location_name"], None]  # left behind
            change = AssetChange(current["id"], json_diff, establishment_id)
            await change_assets([change], values, actor, now, "updated")
    except Exception as error:
        if is_unique_violation(error):
            raise _conflict_from(error, normalise_tag(tag), wanted.get("serial", "")) from error
        raise
    return await get_asset(scope, current["tag"])


async def _column_values(scope: Scope, current: dict, diff: dict) -> tuple[dict, int | None]:
    """The asset columns to write for `diff`, and the establishment the asset ends up in."""
    values = {key: diff[key][1] for key in diff if key not in ("model_id", "establishment_uai")}
    if "model_id" in diff:
        values["model"] = diff["model_id"][1]
        values["manufacturer_key"] = await _model_manufacturer_key(diff["model_id"][1])
    establishment_id = current["establishment_id"]
    if "establishment_uai" in diff:
        # An asset stays in its owning region: another region's school is not a valid target.
        placement = await _placement(
            scope, None, diff["establishment_uai"][1], current["region_id"]
        )
        values["establishment"] = establishment_id = placement.establishment_id
        values["location"] = None  # a location belongs to the school the device left
    return values, establishment_id


async def asset_id(scope: Scope, tag: str) -> int:
    return (await _scoped_row(scope, tag))["id"]


async def asset_history(scope: Scope, tag: str) -> list[AssetEventView]:
    return await events_of(await asset_id(scope, tag))
