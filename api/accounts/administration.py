"""Managing staff accounts: the platform admin manages every account, a region manager those
of their region (managers of the region, staff of its schools) and never grants a role above
their own. Every change is one transaction with an event in the account's history.

An account is in a region when it manages that region, or when every establishment it works
for belongs to it: an account spanning two regions is the platform admin's to manage.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

import msgspec

from api.accounts import history, principal_cache
from api.accounts.passwords import password_problem
from api.accounts.staff import REGIONAL_ROLES, ROLES, create_account, hash_password
from api.accounts.tables import Account, AccountEstablishment
from inventory import keyset
from inventory.db import write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.regions import establishment_row
from inventory.scope import Actor, Scope
from inventory.tables import Establishment, Region
from inventory.uai import normalise_uai

# What each managing role may give: never more than its own rights. The data protection
# officer audits the region's managers too: only the platform admin names one.
GRANTABLE = {
    "admin": tuple(ROLES),
    "region_manager": ("region_manager", "it_staff", "head"),
}
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud over the phone


class EstablishmentRef(msgspec.Struct, frozen=True):
    uai: str
    name: str


class AccountView(msgspec.Struct, frozen=True):
    id: int
    email: str
    display_name: str
    role: str
    region_code: str | None
    establishments: list[EstablishmentRef]
    active: bool
    created_at: dt.datetime


class AccountPage(msgspec.Struct, frozen=True):
    items: list[AccountView]
    total: int  # at most keyset.COUNT_CAP: `total_exact` false means "more than"
    next_cursor: str | None = None
    previous_cursor: str | None = None
    total_exact: bool = True


# By name, then by id: two people may share a name. Index account_name_id.
SORT = "accounts.name"
KEYS = (keyset.Key(Account.display_name), keyset.Key(Account.id))


def temporary_password(email: str) -> str:
    """Four groups of four characters, easy to dictate, that passwords.py accepts for this
    account (drawn again in the unlikely case it would not)."""
    while True:
        password = "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
        if password_problem(password, email) is None:
            return password


def grantable_roles(manager_role: str) -> tuple[str, ...]:
    return GRANTABLE.get(manager_role, ())


async def _visible_ids(scope: Scope) -> set[int] | None:
    """The accounts a region manager may manage; None: every account (the platform)."""
    if scope.everything:
        return None
    if not scope.region_ids:
        return set()
    regions = sorted(scope.region_ids)
    managers = await Account.select(Account.id).where(
        Account.region.is_in(regions) & (Account.role == "region_manager")
    )
    links = await AccountEstablishment.select(
        AccountEstablishment.account, AccountEstablishment.establishment.region
    )
    by_account: dict[int, set[int]] = {}
    for link in links:
        by_account.setdefault(link["account"], set()).add(link["establishment.region"])
    return {row["id"] for row in managers} | {
        account for account, seen in by_account.items() if seen <= scope.region_ids
    }


def _select(where):
    query = Account.select(
        Account.id,
        Account.email,
        Account.display_name,
        Account.role,
        Account.region.code.as_alias("region_code"),
        Account.active,
        Account.created_at,
    )
    return query if where is None else query.where(where)


async def _views(where) -> list[AccountView]:
    return await _views_of(await _select(where))


async def _views_of(rows: list[dict]) -> list[AccountView]:
    ids = [row["id"] for row in rows]
    places: dict[int, list[EstablishmentRef]] = {i: [] for i in ids}
    if ids:
        links = await AccountEstablishment.select(
            AccountEstablishment.account,
            AccountEstablishment.establishment.uai.as_alias("uai"),
            AccountEstablishment.establishment.name.as_alias("name"),
        ).where(AccountEstablishment.account.is_in(ids))
        for link in sorted(links, key=lambda link: link["name"]):
            places[link["account"]].append(EstablishmentRef(uai=link["uai"], name=link["name"]))
    return [AccountView(**row, establishments=places[row["id"]]) for row in rows]


def _search(text: str):
    """Case-insensitive: ILIKE on PostgreSQL; SQLite's LIKE already ignores ASCII case (and
    Piccolo warns on ILIKE there). A typed `%` is taken out; a typed `_` is kept, as the
    one-character wildcard it is, since addresses often hold one (it_a@…)."""
    pattern = "%" + text.strip().replace("%", "") + "%"
    if Account._meta.db.engine_type == "postgres":
        return Account.email.ilike(pattern) | Account.display_name.ilike(pattern)
    return Account.email.like(pattern) | Account.display_name.like(pattern)


async def list_accounts(
    scope: Scope, *, search: str = "", limit: int, cursor: str | None = None, offset: int = 0
) -> AccountPage:
    """The accounts the scope manages, by name, optionally those whose name or email holds
    `search`; a page after (or before) `cursor`, or `offset` rows in (deprecated)."""
    after = keyset.decode(cursor, SORT, KEYS)
    visible = await _visible_ids(scope)
    if visible is not None and not visible:
        return AccountPage(items=[], total=0)
    where = None if visible is None else Account.id.is_in(sorted(visible))
    if search.strip():
        where = _search(search) if where is None else where & _search(search)
    skip = offset if after is None else 0
    found = await keyset.fetch_page(lambda: _select(where).offset(skip), SORT, KEYS, after, limit)
    total, exact = await keyset.capped_count(_select(where))
    return AccountPage(
        items=await _views_of(found.rows),
        total=total,
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
        total_exact=exact,
    )


async def get_account(scope: Scope, account_id: int) -> AccountView:
    visible = await _visible_ids(scope)
    if visible is not None and account_id not in visible:
        raise NotFound(f"Compte {account_id} introuvable.")
    found = await _views(Account.id == account_id)
    if not found:
        raise NotFound(f"Compte {account_id} introuvable.")
    return found[0]


async def _checked_scopes(
    scope: Scope, manager_role: str, role: str, region_code: str | None, uais: list[str]
) -> tuple[int | None, list[int]]:
    """The region id and establishment ids a role and its scopes name, checked against what the
    manager may give. Raises Invalid naming the field."""
    if role not in grantable_roles(manager_role):
        allowed = ", ".join(ROLES[r] for r in grantable_roles(manager_role))
        raise Invalid({"role": f"rôle non autorisé ; vous pouvez donner : {allowed}"})
    region_id = None
    if role in REGIONAL_ROLES:
        if not scope.everything:
            region_id = next(iter(sorted(scope.region_ids)))  # a manager names their own
        else:
            row = await Region.select(Region.id).where(Region.code == (region_code or "")).first()
            if row is None:
                raise Invalid({"region": "choisissez la région"})
            region_id = row["id"]
    establishment_ids: list[int] = []
    if role in ("it_staff", "head"):
        if not uais:
            raise Invalid({"establishments": "choisissez au moins un établissement"})
        if role == "head" and len(uais) > 1:
            raise Invalid(
                {"establishments": "un chef d'établissement dirige un seul établissement"}
            )
        for uai in uais:
            try:
                establishment_ids.append((await establishment_row(scope, uai))["id"])
            except NotFound:
                refused = f"établissement {uai} hors de votre périmètre"
                raise Invalid({"establishments": refused}) from None
    return region_id, establishment_ids


async def create_staff_account(
    scope: Scope,
    actor: Actor,
    manager_role: str,
    now: dt.datetime,
    *,
    email: str,
    display_name: str,
    role: str,
    region_code: str | None = None,
    establishment_uais: Sequence[str] = (),
) -> tuple[int, str]:
    """A new account and its temporary password, shown once to the manager who passes it on."""
    uais = [normalise_uai(u) for u in establishment_uais if u.strip()]
    region_id, _ = await _checked_scopes(scope, manager_role, role, region_code, uais)
    if region_id is not None:
        region_code = (await Region.select(Region.code).where(Region.id == region_id).first())[
            "code"
        ]
    password = temporary_password(email)
    account_id = await create_account(
        email=email,
        password=password,
        role=role,
        display_name=display_name,
        region_code=region_code if role in REGIONAL_ROLES else None,
        establishment_uais=uais,
        now=now,
        actor=actor,
    )
    return account_id, password


async def change_account(
    scope: Scope,
    actor: Actor,
    manager_role: str,
    now: dt.datetime,
    account_id: int,
    *,
    display_name: str,
    role: str,
    region_code: str | None = None,
    establishment_uais: Sequence[str] = (),
) -> AccountView:
    """A new name, role and scopes. Nobody changes their own role: it would lock them out."""
    before = await get_account(scope, account_id)
    if not display_name.strip():
        raise Invalid({"display_name": "indiquez le nom de la personne"})
    uais = sorted({normalise_uai(u) for u in establishment_uais if u.strip()})
    if account_id == actor.id and role != before.role:
        raise Invalid({"role": "vous ne pouvez pas changer votre propre rôle"})
    region_id, establishment_ids = await _checked_scopes(
        scope, manager_role, role, region_code, uais
    )
    async with write_transaction():
        await Account.update(
            {
                Account.display_name: display_name.strip(),
                Account.role: role,
                Account.region: region_id,
            }
        ).where(Account.id == account_id)
        await AccountEstablishment.delete().where(AccountEstablishment.account == account_id)
        if establishment_ids:
            await AccountEstablishment.insert(
                *[
                    AccountEstablishment(account=account_id, establishment=e)
                    for e in establishment_ids
                ]
            )
        after = (await _views(Account.id == account_id))[0]
        changes = _differences(before, after)
        if changes:
            await history.record_event(account_id, actor, now, "changed", changes)
    principal_cache.invalidate()  # the new role and scopes from the next request on
    return after


def _differences(before: AccountView, after: AccountView) -> dict[str, list[object]]:
    pairs = {
        "display_name": (before.display_name, after.display_name),
        "role": (before.role, after.role),
        "region": (before.region_code, after.region_code),
        "establishments": (
            sorted(e.uai for e in before.establishments),
            sorted(e.uai for e in after.establishments),
        ),
    }
    return {name: [old, new] for name, (old, new) in pairs.items() if old != new}


async def set_active(
    scope: Scope, actor: Actor, now: dt.datetime, account_id: int, active: bool
) -> AccountView:
    """Deactivating ends the account's sessions and tokens at their next request (the
    principal of an inactive account is refused); reactivating restores them."""
    before = await get_account(scope, account_id)
    if account_id == actor.id and not active:
        raise Conflict("Vous ne pouvez pas désactiver votre propre compte.")
    if before.active == active:
        return before
    async with write_transaction():
        await Account.update({Account.active: active}).where(Account.id == account_id)
        action = "reactivated" if active else "deactivated"
        await history.record_event(account_id, actor, now, action, {"active": [not active, active]})
    principal_cache.invalidate()  # its sessions and tokens refused from the next request
    return await get_account(scope, account_id)


async def reset_password(scope: Scope, actor: Actor, now: dt.datetime, account_id: int) -> str:
    """A new temporary password, returned once; the history says it was reset, nothing more."""
    account = await get_account(scope, account_id)
    password = temporary_password(account.email)
    password_hash = await hash_password(password)  # slow: in a thread, outside the transaction
    async with write_transaction():
        await Account.update({Account.password_hash: password_hash}).where(Account.id == account_id)
        await history.record_event(account_id, actor, now, "password_reset")
    return password


async def establishment_choices(scope: Scope) -> list[EstablishmentRef]:
    """The establishments a manager may give, by name."""
    query = Establishment.select(Establishment.uai, Establishment.name).order_by(Establishment.name)
    if (where := scope.restrict(Establishment.region, Establishment.id)) is not None:
        query = query.where(where)
    return [EstablishmentRef(**row) for row in await query]
