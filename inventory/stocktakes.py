"""Stocktakes (inventaires): count the devices of a school, or of one of its rooms or carts.

Opening freezes the list of devices expected there. Each scan is appended, with who and when,
and judged against that list: found (a device counts once, later scans are duplicates),
unexpected (it belongs elsewhere, or was not expected: stolen, arrived since) or unknown.
Closing ends the scanning; the missing devices may then be declared lost, each with an event.

Expected: the devices of the establishment, or of the one location counted (a room, a cart:
`inventory.locations`), whose state is neither lost, stolen, retired nor ceded (in stock or in
repair). A device of the school kept in another location is unexpected in a location's count.
Stocktakes opened before locations existed keep their free-text name and no location.

Every write locks the stocktake row (a no-op under SQLite's IMMEDIATE transactions): scans,
closing and declarations of one stocktake take turns, so a scan never lands after the close
and two scans of one device see each other. Unique indexes stand behind (see migrations).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Protocol

from piccolo.query.functions.aggregate import Max

from inventory.assets import normalise_tag
from inventory.db import for_update, is_unique_violation, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.history import AssetChange, change_assets
from inventory.locations import resolve_location
from inventory.regions import establishment_row
from inventory.scope import Actor, Scope

# The list lives in its own module; callers keep reading it here.
from inventory.stocktake_list import MAX_LIST as MAX_LIST
from inventory.stocktake_list import list_stocktakes as list_stocktakes
from inventory.stocktake_list import stocktake_page as stocktake_page
from inventory.stocktake_views import (
    COUNTED,
    NOT_EXPECTED,
    DeclareResult,
    ScanResult,
    Skipped,
    StocktakeStatus,
    StocktakeView,
    aware,
    counts_of,
    device_line,
    device_rows,
    message,
    status_of,
    stocktake_rows,
    view_of,
)
from inventory.tables import Asset, AssetEvent, Stocktake, StocktakeExpected, StocktakeScan
from inventory.uai import normalise_uai

MAX_CODE = 200
MAX_LOCATION = 80


class Candidate(Protocol):
    """A device a scan may designate (`labels.scan.Found`, which inventory cannot import)."""

    asset_id: int
    region_id: int


def clean_code(raw: str) -> str:
    """What a scanner typed, trimmed (a trailing CR/LF included); Invalid names `code`."""
    code = raw.strip()
    if not code:
        raise Invalid({"code": "code vide : scannez une étiquette ou saisissez un numéro"})
    if len(code) > MAX_CODE:
        raise Invalid({"code": f"{MAX_CODE} caractères au plus"})
    if any(ord(char) < 32 or ord(char) == 127 for char in code):
        raise Invalid({"code": "caractères de contrôle interdits"})
    return code


def clean_location(raw: str | None) -> str:
    location = " ".join((raw or "").split())
    if len(location) > MAX_LOCATION:
        raise Invalid({"location": f"{MAX_LOCATION} caractères au plus"})
    return location


async def _row(scope: Scope, stocktake_id: int, lock: bool = False) -> dict:
    query = stocktake_rows().where(Stocktake.id == stocktake_id)
    if lock:
        query = for_update(query, Stocktake)
    row = await query.first()
    if row is None or not scope.sees_establishment(row["establishment_id"], row["region_id"]):
        raise NotFound(f"Inventaire n° {stocktake_id} introuvable.")
    return row


async def _open_one(establishment_id: int, location: str) -> dict | None:
    """The open stocktake of this place; locations compare without regard to case."""
    rows = await stocktake_rows().where(
        (Stocktake.establishment == establishment_id) & Stocktake.closed_at.is_null()
    )
    return next((r for r in rows if r["location"].casefold() == location.casefold()), None)


def _already_open(row: dict) -> Conflict:
    place = f"« {row['location']} »" if row["location"] else "l'établissement entier"
    return Conflict(
        f"Un inventaire est déjà ouvert pour {place} (n° {row['id']}) : "
        "continuez-le ou clôturez-le d'abord.",
        field="location" if row["location"] else "establishment_uai",
    )


async def open_stocktake(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    establishment_uai: str,
    location: str = "",
    away: Callable[[int], Awaitable[Collection[int]]] | None = None,
    location_id: int | None = None,
) -> StocktakeView:
    """`location_id` (or `location`, a location's name): count that location of the school
    only; neither: the whole school. `away(establishment_id)`: ids of devices known to be
    elsewhere (lent to a student), not expected here; asked inside the opening's transaction."""
    location = clean_location(location)
    try:
        establishment = await establishment_row(scope, establishment_uai)
    except NotFound:
        problem = (
            f"établissement {normalise_uai(establishment_uai)} inconnu ou hors de votre périmètre"
        )
        raise Invalid({"establishment_uai": problem}) from None
    place = None
    if location_id is not None or location:
        wanted = location_id if location_id is not None else location
        place = await resolve_location(scope, establishment["id"], wanted)
        location = place["name"]
    try:
        async with write_transaction():
            if (existing := await _open_one(establishment["id"], location)) is not None:
                raise _already_open(existing)
            last = await AssetEvent.select(Max(AssetEvent.id, alias="last")).first()
            assert last is not None  # an aggregate always returns one row
            watermark = last["last"]
            stocktake_id = (
                await Stocktake.insert(
                    Stocktake(
                        establishment=establishment["id"],
                        location=location,
                        place=place["id"] if place else None,
                        opened_at=now,
                        opened_by_id=actor.id,
                        opened_by_name=actor.name,
                        events_watermark=watermark or 0,
                    )
                ).returning(Stocktake.id)
            )[0]["id"]
            # One statement, inside the transaction: the list is what the database held then.
            excluded = ", ".join("{}" for _ in NOT_EXPECTED)
            away_ids = sorted(set(await away(establishment["id"]))) if away else []
            not_away = f" AND id NOT IN ({', '.join('{}' for _ in away_ids)})" if away_ids else ""
            in_place = " AND location = {}" if place else ""
            await StocktakeExpected.raw(
                "INSERT INTO stocktake_expected (stocktake, asset, state) "
                "SELECT {}, id, state FROM asset "
                f"WHERE establishment = {{}}{in_place} AND state NOT IN ({excluded}){not_away}",
                stocktake_id,
                establishment["id"],
                *([place["id"]] if place else []),
                *NOT_EXPECTED,
                *away_ids,
            )
    except Exception as error:
        if is_unique_violation(error):  # a concurrent opening won the race (PostgreSQL)
            existing = await _open_one(establishment["id"], location)
            if existing is not None:
                raise _already_open(existing) from error
        raise
    return await get_stocktake(scope, stocktake_id)


async def get_stocktake(scope: Scope, stocktake_id: int) -> StocktakeView:
    row = await _row(scope, stocktake_id)
    return view_of(row, (await counts_of([row["id"]]))[row["id"]])


async def stocktake_status(scope: Scope, stocktake_id: int) -> StocktakeStatus:
    """The stocktake, its counts and its lists: found, missing, unexpected, unknown codes."""
    return await status_of(await _row(scope, stocktake_id))


async def _judge(stocktake_id: int, candidates: Sequence[Candidate]) -> tuple[str, int, bool]:
    """The outcome of a scan designating one of `candidates` (several only for a serial
    shared by two manufacturers: the one expected here, and not yet counted, wins), the
    device chosen, and whether it is expected here."""
    ids = [c.asset_id for c in candidates]
    expected = {
        row["asset"]
        for row in await StocktakeExpected.select(StocktakeExpected.asset).where(
            (StocktakeExpected.stocktake == stocktake_id) & StocktakeExpected.asset.is_in(ids)
        )
    }
    counted = {
        row["asset"]
        for row in await StocktakeScan.select(StocktakeScan.asset).where(
            (StocktakeScan.stocktake == stocktake_id)
            & StocktakeScan.asset.is_in(ids)
            & StocktakeScan.outcome.is_in(list(COUNTED))
        )
    }
    ranked = sorted(ids, key=lambda i: (i not in expected, i in counted))
    chosen = ranked[0]
    if chosen in counted:
        return "duplicate", chosen, chosen in expected
    return ("found" if chosen in expected else "unexpected"), chosen, chosen in expected


async def record_scan(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    stocktake_id: int,
    raw: str,
    located: Sequence[Candidate] | object | None,
) -> ScanResult:
    """Record one scan. `located` is what the label reader made of `raw` within the caller's
    scope: a list of candidate devices, an unbound label (any other object), or None.

    A device of another region is recorded as unknown: the stocktake's lists, CSV and PDF are
    read by the school's staff, and must never carry another region's identifiers."""
    code = clean_code(raw)
    listed = list(located) if isinstance(located, list | tuple) else []
    for attempt in (1, 2):
        try:
            async with write_transaction():
                take = await _row(scope, stocktake_id, lock=True)
                if take["closed_at"] is not None:
                    raise Conflict(
                        f"L'inventaire n° {stocktake_id} est clos : le scan n'est pas enregistré."
                    )
                candidates = [c for c in listed if c.region_id == take["region_id"]]
                outcome, asset_id, expected = (
                    await _judge(stocktake_id, candidates)
                    if candidates
                    else ("unknown", None, False)
                )
                scan_id = (
                    await StocktakeScan.insert(
                        StocktakeScan(
                            stocktake=stocktake_id,
                            raw=code,
                            asset=asset_id,
                            outcome=outcome,
                            at=now,
                            actor_id=actor.id,
                            actor_name=actor.name,
                        )
                    ).returning(StocktakeScan.id)
                )[0]["id"]
            break
        except Exception as error:
            # Only if two scans of one device raced past the lock: the second is a duplicate.
            if attempt == 1 and is_unique_violation(error):
                continue
            raise
    device = None
    if asset_id is not None:
        row = (await device_rows([asset_id]))[0]
        device = device_line(row, take, now, actor.name, expected)
    unbound = located is not None and not listed
    return ScanResult(
        id=scan_id,
        outcome=outcome,
        code=code,
        message=message(outcome, code, device, unbound),
        at=now,
        by=actor.name,
        device=device,
        counts=(await counts_of([stocktake_id]))[stocktake_id],
    )


async def scan_result(scope: Scope, stocktake_id: int, scan_id: int) -> ScanResult:
    """A recorded scan, told again (the page without JavaScript shows it after a redirect)."""
    take = await _row(scope, stocktake_id)
    scan = (
        await StocktakeScan.select()
        .where((StocktakeScan.id == scan_id) & (StocktakeScan.stocktake == stocktake_id))
        .first()
    )
    if scan is None:
        raise NotFound(f"Scan n° {scan_id} introuvable.")
    device = None
    if scan["asset"] is not None:
        expected = await StocktakeExpected.exists().where(
            (StocktakeExpected.stocktake == stocktake_id)
            & (StocktakeExpected.asset == scan["asset"])
        )
        row = (await device_rows([scan["asset"]]))[0]
        device = device_line(row, take, scan["at"], scan["actor_name"], expected)
    return ScanResult(
        id=scan_id,
        outcome=scan["outcome"],
        code=scan["raw"],
        message=message(scan["outcome"], scan["raw"], device, False),
        at=aware(scan["at"]),
        by=scan["actor_name"],
        device=device,
        counts=(await counts_of([stocktake_id]))[stocktake_id],
    )


async def close_stocktake(
    scope: Scope, actor: Actor, now: dt.datetime, stocktake_id: int
) -> StocktakeView:
    async with write_transaction():
        take = await _row(scope, stocktake_id, lock=True)
        if take["closed_at"] is not None:
            raise Conflict(f"L'inventaire n° {stocktake_id} est déjà clos.")
        await Stocktake.update(
            {
                Stocktake.closed_at: now,
                Stocktake.closed_by_id: actor.id,
                Stocktake.closed_by_name: actor.name,
            }
        ).where(Stocktake.id == stocktake_id)
    return await get_stocktake(scope, stocktake_id)


def _refusal(row: dict, take: dict, found: set[int], changed: set[int]) -> str | None:
    """Why a device expected by this stocktake may not be declared lost on its strength."""
    if row["asset_id"] in found:
        return "trouvé pendant l'inventaire"
    if row["state"] == "lost":
        return "déjà déclaré perdu"
    if (
        row["asset_id"] in changed
        or row["state"] != row["state_at_opening"]
        or row["establishment_id"] != take["establishment_id"]
    ):
        return "modifié depuis l'ouverture de l'inventaire"
    return None


async def declare_missing_lost(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    stocktake_id: int,
    tags: Sequence[str] | None,
    tz: dt.tzinfo = dt.UTC,
) -> DeclareResult:
    """Declare missing devices of a closed stocktake lost: the `tags` named (all or nothing),
    or, when `tags` is None, every missing device still as it was at opening (the others are
    reported as skipped). `tz` dates the reason written in each history event."""
    wanted = None if tags is None else sorted({normalise_tag(tag) for tag in tags})
    if wanted is not None and not wanted:
        raise Invalid({"tags": "indiquez au moins un numéro d'inventaire"})
    async with write_transaction():
        take = await _row(scope, stocktake_id, lock=True)
        if take["closed_at"] is None:
            raise Conflict(
                "Clôturez l'inventaire avant de déclarer perdus les appareils manquants."
            )
        query = StocktakeExpected.select(
            StocktakeExpected.asset.as_alias("asset_id"),
            StocktakeExpected.state.as_alias("state_at_opening"),
            StocktakeExpected.asset.tag.as_alias("tag"),
            StocktakeExpected.asset.state.as_alias("state"),
            StocktakeExpected.asset.establishment.as_alias("establishment_id"),
        ).where(StocktakeExpected.stocktake == stocktake_id)
        if wanted is not None:
            query = query.where(StocktakeExpected.asset.tag.is_in(wanted))
        rows = await query
        ids = [row["asset_id"] for row in rows]
        if ids:  # lock the devices on PostgreSQL until the states are written
            await for_update(Asset.select(Asset.id).where(Asset.id.is_in(ids)), Asset)
        found = {
            row["asset"]
            for row in await StocktakeScan.select(StocktakeScan.asset).where(
                (StocktakeScan.stocktake == stocktake_id) & (StocktakeScan.outcome == "found")
            )
        }
        changed = set()
        if ids:
            changed = {
                row["asset"]
                for row in await AssetEvent.select(AssetEvent.asset).where(
                    AssetEvent.asset.is_in(ids) & (AssetEvent.id > take["events_watermark"])
                )
            }
        declared, skipped = [], []
        for row in sorted(rows, key=lambda r: r["tag"]):
            if (reason := _refusal(row, take, found, changed)) is None:
                declared.append(row)
            elif wanted is not None or row["asset_id"] not in found:
                skipped.append(Skipped(tag=row["tag"], reason=reason))
        if wanted is not None:
            strangers = sorted(set(wanted) - {row["tag"] for row in rows})
            skipped += [Skipped(tag=t, reason="pas attendu par cet inventaire") for t in strangers]
            if skipped:
                raise Conflict(
                    "Rien n'a été déclaré : "
                    + " ; ".join(f"{s.tag} {s.reason}" for s in skipped)
                    + ".",
                    field="tags",
                )
        opened = aware(take["opened_at"]).astimezone(tz)
        reason = f"inventaire n° {stocktake_id} du {opened:%d/%m/%Y}"
        if declared:
            changes = [
                AssetChange(
                    row["asset_id"],
                    {"state": [row["state"], "lost"], "reason": [None, reason]},
                    take["establishment_id"],
                )
                for row in declared
            ]
            await change_assets(changes, {"state": "lost"}, actor, now, "declared_lost")
    return DeclareResult(
        declared=[row["tag"] for row in declared],
        skipped=skipped,
        counts=(await counts_of([stocktake_id]))[stocktake_id],
    )
