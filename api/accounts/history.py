"""What happened to a staff account: its changes (who, when, what, before -> after) and its
sign-in attempts. Both are append-only; neither ever holds a password or a token."""

from __future__ import annotations

import datetime as dt

import msgspec

from api.accounts.tables import AccountEvent, SignInRecord
from inventory import keyset
from inventory.scope import Actor

SIGN_INS_SHOWN = 20  # the last attempts are what an administrator checks after a complaint


class AccountEventView(msgspec.Struct, frozen=True):
    at: dt.datetime
    actor_name: str
    action: str
    changes: dict[str, list[object]]


class SignInView(msgspec.Struct, frozen=True):
    at: dt.datetime
    succeeded: bool
    method: str


class EventPage(msgspec.Struct, frozen=True):
    items: list[AccountEventView]
    next_cursor: str | None
    previous_cursor: str | None


class SignInPage(msgspec.Struct, frozen=True):
    items: list[SignInView]
    next_cursor: str | None
    previous_cursor: str | None


# Newest first by id (ids grow with time; `at` may repeat). Indexes: account then id.
EVENT_SORT, EVENT_KEYS = "account_events", (keyset.Key(AccountEvent.id, descending=True),)
SIGN_IN_SORT, SIGN_IN_KEYS = "sign_ins", (keyset.Key(SignInRecord.id, descending=True),)


def _without_id(row: dict) -> dict:
    """The id is selected for the sort only: views do not show it."""
    return {name: value for name, value in row.items() if name != "id"}


async def record_event(
    account_id: int, actor: Actor, now: dt.datetime, action: str, changes: dict | None = None
) -> None:
    """Written inside the caller's transaction, with the change it records."""
    await AccountEvent.insert(
        AccountEvent(
            account=account_id,
            at=now,
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            changes=changes or {},
        )
    )


async def account_events(account_id: int, *, limit: int, offset: int) -> list[AccountEventView]:
    """Newest first. The caller has checked that the account is in its scope."""
    return (await event_page(account_id, limit=limit, offset=offset)).items


async def event_page(
    account_id: int, *, limit: int, cursor: str | None = None, offset: int = 0
) -> EventPage:
    """A page of the account's changes, newest first, after (or before) `cursor`, or
    `offset` rows in (deprecated). The caller has checked that the account is in its scope."""
    after = keyset.decode(cursor, EVENT_SORT, EVENT_KEYS)
    skip = offset if after is None else 0

    def select():
        return (
            AccountEvent.select(
                AccountEvent.id,
                AccountEvent.at,
                AccountEvent.actor_name,
                AccountEvent.action,
                AccountEvent.changes,
            )
            .where(AccountEvent.account == account_id)
            .offset(skip)
            .output(load_json=True)
        )

    found = await keyset.fetch_page(select, EVENT_SORT, EVENT_KEYS, after, limit)
    return EventPage(
        items=[AccountEventView(**_without_id(row)) for row in found.rows],
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
    )


async def count_account_events(account_id: int) -> tuple[int, bool]:
    """How many changes, capped (count, exact): a long-lived account may have thousands."""
    return await keyset.capped_count(
        AccountEvent.select(AccountEvent.id).where(AccountEvent.account == account_id)
    )


async def record_sign_in(
    account_id: int, now: dt.datetime, *, succeeded: bool, method: str
) -> None:
    await SignInRecord.insert(
        SignInRecord(account=account_id, at=now, succeeded=succeeded, method=method)
    )


async def last_sign_ins(account_id: int, limit: int = SIGN_INS_SHOWN) -> list[SignInView]:
    """The latest attempts, newest first. The caller has checked the scope."""
    return (await sign_in_page(account_id, limit=limit)).items


async def sign_in_page(account_id: int, *, limit: int, cursor: str | None = None) -> SignInPage:
    """A page of the attempts, newest first, after (or before) `cursor`."""
    after = keyset.decode(cursor, SIGN_IN_SORT, SIGN_IN_KEYS)

    def select():
        return SignInRecord.select(
            SignInRecord.id, SignInRecord.at, SignInRecord.succeeded, SignInRecord.method
        ).where(SignInRecord.account == account_id)

    found = await keyset.fetch_page(select, SIGN_IN_SORT, SIGN_IN_KEYS, after, limit)
    return SignInPage(
        items=[SignInView(**_without_id(row)) for row in found.rows],
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
    )
