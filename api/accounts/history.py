"""What happened to a staff account: its changes (who, when, what, before -> after) and its
sign-in attempts. Both are append-only; neither ever holds a password or a token."""

from __future__ import annotations

import datetime as dt

import msgspec

from api.accounts.tables import AccountEvent, SignInRecord
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
    rows = await (
        AccountEvent.select(
            AccountEvent.at, AccountEvent.actor_name, AccountEvent.action, AccountEvent.changes
        )
        .where(AccountEvent.account == account_id)
        .order_by(AccountEvent.id, ascending=False)
        .limit(limit)
        .offset(offset)
        .output(load_json=True)
    )
    return [AccountEventView(**row) for row in rows]


async def count_account_events(account_id: int) -> int:
    return await AccountEvent.count().where(AccountEvent.account == account_id)


async def record_sign_in(
    account_id: int, now: dt.datetime, *, succeeded: bool, method: str
) -> None:
    await SignInRecord.insert(
        SignInRecord(account=account_id, at=now, succeeded=succeeded, method=method)
    )


async def last_sign_ins(account_id: int, limit: int = SIGN_INS_SHOWN) -> list[SignInView]:
    """The latest attempts, newest first. The caller has checked the scope."""
    rows = await (
        SignInRecord.select(SignInRecord.at, SignInRecord.succeeded, SignInRecord.method)
        .where(SignInRecord.account == account_id)
        .order_by(SignInRecord.id, ascending=False)
        .limit(limit)
    )
    return [SignInView(**row) for row in rows]
