"""A region's loan terms, versioned: every edit is a new version, none is ever changed.

Version 1 is always the default terms (`loans.default_terms`). A region that never edited
its terms has no row: it reads them from the code, as version 1. The first edit stores them
as version 1 (author: ordipret) next to the edit, numbered 2, so that the history is
complete in the database; `terms_for_agreement` stores them the same way the first time an
agreement is made from them. From then on the number an agreement prints names one stored
row, whatever later releases do to the default text.

Numbers: `UNIQUE (region, version)` is the invariant; publishes of one region also wait for
each other (the region's row locked on PostgreSQL, the IMMEDIATE transaction on SQLite), so
concurrent publishes take consecutive numbers instead of failing.

Reading a version is a keyed read on that index, compiled once: agreements read theirs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec

from inventory.db import Prepared, is_unique_violation, write_transaction
from inventory.errors import Conflict, NotFound
from inventory.regions import get_region
from inventory.scope import Actor, Scope
from inventory.tables import Region
from loans.default_terms import DEFAULT_TERMS_VERSION, default_terms
from loans.tables import TermsVersion
from loans.terms import FIELD, Block, check_blocks, parse_terms

DEFAULT_AUTHOR = "ordipret (conditions par défaut)"
AUTHOR_LENGTH = 200  # TermsVersion.author_name

_COLUMNS = "version, blocks, author_id, author_name, created_at"
_BY_NUMBER = Prepared.from_sql(
    TermsVersion,
    f"SELECT {_COLUMNS} FROM terms_version WHERE region = {{}} AND version = {{}}",
)
_LATEST = Prepared.from_sql(
    TermsVersion,
    f"SELECT {_COLUMNS} FROM terms_version WHERE region = {{}} ORDER BY version DESC LIMIT 1",
)
_BLOCKS = msgspec.json.Decoder(list[Block])


class TermsVersionView(msgspec.Struct, frozen=True):
    version: int
    blocks: list[Block]
    author_id: int | None  # None: the default terms
    author_name: str
    created_at: dt.datetime | None  # None: the default terms, not stored yet
    is_default: bool


class TermsVersionSummary(msgspec.Struct, frozen=True):
    """A line of the history: the version without its text."""

    version: int
    author_name: str
    created_at: dt.datetime | None
    is_default: bool


# Reading ----------------------------------------------------------------------------------


def _decode_blocks(value: str | bytes | list) -> list[Block]:
    if isinstance(value, list):  # a driver that already decoded the JSON
        return msgspec.convert(value, list[Block])
    return _BLOCKS.decode(value)


def _created_at(value: dt.datetime | str) -> dt.datetime:
    # Raw SQLite rows carry the text Piccolo wrote; timestamps are always written in UTC.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _view(row: dict) -> TermsVersionView:
    return TermsVersionView(
        version=row["version"],
        blocks=_decode_blocks(row["blocks"]),
        author_id=row["author_id"],
        author_name=row["author_name"],
        created_at=_created_at(row["created_at"]),
        is_default=row["version"] == DEFAULT_TERMS_VERSION,
    )


def _default_view() -> TermsVersionView:
    return TermsVersionView(
        version=DEFAULT_TERMS_VERSION,
        blocks=default_terms(),
        author_id=None,
        author_name=DEFAULT_AUTHOR,
        created_at=None,
        is_default=True,
    )


async def current_terms(region_id: int) -> TermsVersionView:
    """The region's terms in force. No scope: for use-cases that already checked theirs."""
    rows = await _LATEST.rows(region_id)
    return _view(rows[0]) if rows else _default_view()


async def stored_terms(region_id: int, version: int) -> TermsVersionView:
    """Exactly version `version` of the region's terms (an agreement's), or NotFound.
    No scope, as `current_terms`."""
    rows = await _BY_NUMBER.rows(region_id, version)
    if rows:
        return _view(rows[0])
    # Every publish stores version 1 first: without it, the region has no row at all.
    if version == DEFAULT_TERMS_VERSION:
        return _default_view()
    raise NotFound(f"Version {version} des conditions introuvable.")


async def current_terms_of(scope: Scope, region_code: str) -> TermsVersionView:
    """The terms in force, for whoever sees the region (its schools' staff included)."""
    region = await get_region(scope, region_code)
    return await current_terms(region.id)


async def terms_version(scope: Scope, region_code: str, version: int) -> TermsVersionView:
    region = await get_region(scope, region_code)
    try:
        return await stored_terms(region.id, version)
    except NotFound:
        raise NotFound(
            f"Version {version} des conditions de la région {region_code} introuvable."
        ) from None


async def list_terms_versions(scope: Scope, region_code: str) -> list[TermsVersionSummary]:
    """Every version, newest first (the default alone while the region never edited)."""
    region = await get_region(scope, region_code)
    rows = await (
        TermsVersion.select(
            TermsVersion.version,
            TermsVersion.author_name,
            TermsVersion.created_at,
        )
        .where(TermsVersion.region == region.id)
        .order_by(TermsVersion.version, ascending=False)
    )
    if not rows:
        default = _default_view()
        return [TermsVersionSummary(default.version, default.author_name, None, True)]
    return [
        TermsVersionSummary(
            version=row["version"],
            author_name=row["author_name"],
            created_at=row["created_at"],
            is_default=row["version"] == DEFAULT_TERMS_VERSION,
        )
        for row in rows
    ]


# Writing ----------------------------------------------------------------------------------


async def _wait_for_other_publishes(region_id: int) -> None:
    """Publishes of one region run one after the other. PostgreSQL: lock the region's row,
    NO KEY UPDATE so that rows referencing the region (assets, students) can still be
    written meanwhile. SQLite: the IMMEDIATE transaction already holds the only write lock."""
    if Region._meta.db.engine_type == "sqlite":
        return
    await Region.select(Region.id).where(Region.id == region_id).lock_rows("NO KEY UPDATE")


def _row(region_id: int, view: TermsVersionView) -> TermsVersion:
    return TermsVersion(
        region=region_id,
        version=view.version,
        blocks=msgspec.json.encode(view.blocks).decode(),
        author_id=view.author_id,
        author_name=view.author_name,
        created_at=view.created_at,
    )


async def _latest_locked(region_id: int, now: dt.datetime) -> tuple[TermsVersionView, bool]:
    """Inside a write transaction: the current version, and whether it is stored. The
    default, when not stored, is dated `now` (the time it gets stored, if it does)."""
    await _wait_for_other_publishes(region_id)
    row = await (
        TermsVersion.select(
            TermsVersion.version,
            TermsVersion.blocks,
            TermsVersion.author_id,
            TermsVersion.author_name,
            TermsVersion.created_at,
        )
        .where(TermsVersion.region == region_id)
        .order_by(TermsVersion.version, ascending=False)
        .first()
    )
    if row is not None:
        return _view(row), True
    return msgspec.structs.replace(_default_view(), created_at=now), False


def _raced() -> Conflict:
    """A unique violation on the number: the lock makes it unexpected, say it plainly."""
    return Conflict(
        "Une autre version vient d'être publiée : rechargez la page et réessayez.", FIELD
    )


async def terms_for_agreement(region_id: int, now: dt.datetime) -> TermsVersionView:
    """The terms in force for an agreement being made: always a stored version, so that the
    number it records keeps naming the same text (the default is stored on first use).
    No scope, as `current_terms`; joins the caller's transaction."""
    try:
        async with write_transaction():
            current, stored = await _latest_locked(region_id, now)
            if not stored:
                await TermsVersion.insert(_row(region_id, current))
    except Exception as error:
        if is_unique_violation(error):
            raise _raced() from error
        raise
    return current


async def publish_terms(
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    region_code: str,
    blocks: Sequence[Block] | str,
) -> TermsVersionView:
    """A new version of the region's terms, by its manager or an admin; the previous ones
    stay as they were. `blocks` may also be the markup typed in a textarea (a `str`, see
    `loans.terms`). Invalid names the line or the block; the same blocks as the current
    version: Conflict. Both name the field `terms`."""
    region = await get_region(scope, region_code)
    if not scope.manages_region(region.id):
        raise NotFound(f"Conditions de la région {region_code} introuvables.")
    if isinstance(blocks, str):
        blocks = parse_terms(blocks)
    else:
        blocks = list(blocks)
        check_blocks(blocks)
    try:
        async with write_transaction():
            current, stored = await _latest_locked(region.id, now)
            if current.blocks == blocks:
                raise Conflict(
                    f"Aucune modification : ce texte est déjà celui de la version "
                    f"{current.version}.",
                    FIELD,
                )
            published = TermsVersionView(
                version=current.version + 1,
                blocks=blocks,
                author_id=actor.id,
                author_name=actor.name[:AUTHOR_LENGTH],
                created_at=now,
                is_default=False,
            )
            rows = [_row(region.id, published)]
            if not stored:
                rows.insert(0, _row(region.id, current))
            await TermsVersion.insert(*rows)
    except Exception as error:
        if is_unique_violation(error):
            raise _raced() from error
        raise
    return published
