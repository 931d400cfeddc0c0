"""Staff accounts: passwords, roles, scopes and API tokens.

Password hashing (argon2) is deliberately slow, so it runs in a worker thread and never
blocks the event loop. Tokens are random and stored only as SHA-256 digests.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.accounts import principal_cache
from api.accounts.history import record_event, record_sign_in
from api.accounts.passwords import password_problem
from api.accounts.tables import Account, AccountEstablishment, ApiToken
from inventory import keyset
from inventory.db import Prepared, is_unique_violation, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.reference_pages import CountedPage
from inventory.scope import SYSTEM, Actor, Scope
from inventory.tables import Establishment, Region
from inventory.uai import normalise_uai

ROLES = {
    "admin": "administrateur de la plateforme",
    "region_manager": "gestionnaire de région",
    "it_staff": "référent numérique d'établissement",
    "head": "chef d'établissement",
    # Reads its region's access log, nothing else (api/infra/security.py READ_ONLY_ROLES).
    "dpo": "délégué à la protection des données",
}
# Roles held for one region (the account's `region`), not for schools.
REGIONAL_ROLES = ("region_manager", "dpo")
TOKEN_PREFIX = "odp_"

_hasher = PasswordHasher()
# Verified against when the email is unknown, so that timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("ordipret-dummy-password")


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: int
    email: str
    display_name: str
    role: str
    scope: Scope
    region_id: int | None = None  # the region a regional role (manager, DPO) is held for

    @property
    def actor(self) -> Actor:
        return Actor(id=self.account_id, name=self.display_name)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def authenticate(email: str, password: str, now: dt.datetime) -> int | None:
    """The account id for these credentials, or None. Every attempt on a known account is
    recorded (its sign-in history); attempts on unknown addresses name no account."""
    row = (
        await Account.select(Account.id, Account.password_hash, Account.active)
        .where(Account.email == email.strip().lower())
        .first()
    )
    if row is None:
        await verify_password(_DUMMY_HASH, password)
        return None
    succeeded = await verify_password(row["password_hash"], password) and row["active"]
    async with write_transaction():
        await record_sign_in(row["id"], now, succeeded=succeeded, method="password")
    return row["id"] if succeeded else None


# Every request is authenticated, so the principal is read with one hand-written query:
# building the equivalent joined Piccolo select costs ~0.7 ms of CPU per request (measured by
# bench/), a hundred times the cost of running it. One row per establishment of the account.
_PRINCIPAL_SQL = """
SELECT a.id, a.email, a.display_name, a.role, a.region, a.active,
       e.id AS establishment_id, e.region AS establishment_region
FROM account a
LEFT JOIN account_establishment ae ON ae.account = a.id
LEFT JOIN establishment e ON e.id = ae.establishment
"""
_BY_ACCOUNT = Prepared.from_sql(Account, _PRINCIPAL_SQL + "WHERE a.id = {}")
_BY_TOKEN = Prepared.from_sql(
    Account,
    _PRINCIPAL_SQL.replace("FROM account a", "FROM api_token t JOIN account a ON a.id = t.account")
    + "WHERE t.token_hash = {} AND t.revoked_at IS NULL",
)


def _principal(rows: list[dict]) -> Principal | None:
    if not rows or not rows[0]["active"]:
        return None
    row = rows[0]
    role = row["role"]
    if role == "admin":
        scope = Scope.platform()
    elif role == "region_manager":
        scope = Scope.region(row["region"])
    elif role == "dpo":
        # The data protection officer reads no fleet, loan nor student row: an empty scope,
        # so that any read that slips past the guards finds nothing. Their region scopes
        # the access log only (api/access_log.py).
        scope = Scope()
    else:
        scope = Scope.establishments(
            {
                r["establishment_id"]: r["establishment_region"]
                for r in rows
                if r["establishment_id"]
            }
        )
    return Principal(
        account_id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        role=role,
        scope=scope,
        region_id=row["region"],
    )


async def load_principal(account_id: int) -> Principal | None:
    """The principal of a session's account: from the principal cache while the app runs
    (never stale: api/accounts/principal_cache.py), else in one query."""
    return await principal_cache.lookup(
        Account._meta.db, ("account", account_id), _read_account, account_id
    )


async def principal_for_token(token: str) -> Principal | None:
    """The account of an unrevoked token, with its establishments, in one query (or from the
    principal cache, keyed by the token's digest: the clear token is kept nowhere)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = _digest(token)
    return await principal_cache.lookup(Account._meta.db, ("token", digest), _read_token, digest)


async def _read_account(account_id: int) -> Principal | None:
    return _principal(await _BY_ACCOUNT.rows(account_id))


async def _read_token(digest: str) -> Principal | None:
    return _principal(await _BY_TOKEN.rows(digest))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _own_actor(account_id: int) -> Actor:
    row = await Account.select(Account.display_name).where(Account.id == account_id).first()
    return Actor(id=account_id, name=row["display_name"] if row else str(account_id))


async def create_token(account_id: int, name: str, now: dt.datetime) -> tuple[int, str]:
    """A new token of one's own account; its clear value is returned once and never stored
    (the account's history records its name only)."""
    if not name.strip():
        raise Invalid({"name": "donnez un nom au jeton (par exemple « script inventaire »)"})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with write_transaction():
        row = (
            await ApiToken.insert(
                ApiToken(
                    account=account_id, name=name.strip(), token_hash=_digest(token), created_at=now
                )
            ).returning(ApiToken.id)
        )[0]
        actor = await _own_actor(account_id)
        await record_event(account_id, actor, now, "token_created", {"token": [None, name.strip()]})
    return row["id"], token


def _tokens_of(account_id: int):
    return ApiToken.select(
        ApiToken.id, ApiToken.name, ApiToken.created_at, ApiToken.revoked_at
    ).where(ApiToken.account == account_id)


async def list_tokens(account_id: int) -> list[dict]:
    return await _tokens_of(account_id).order_by(ApiToken.id)


TOKEN_SORT, TOKEN_KEYS = "tokens", (keyset.Key(ApiToken.id),)


async def token_page(
    account_id: int, *, limit: int, cursor: str | None = None
) -> CountedPage[dict]:
    """A page of one's tokens, oldest first."""
    after = keyset.decode(cursor, TOKEN_SORT, TOKEN_KEYS)
    found = await keyset.fetch_page(
        lambda: _tokens_of(account_id), TOKEN_SORT, TOKEN_KEYS, after, limit
    )
    total, exact = await keyset.capped_count(_tokens_of(account_id))
    return CountedPage(found.rows, total, exact, found.next_cursor, found.previous_cursor)


async def revoke_token(account_id: int, token_id: int, now: dt.datetime) -> None:
    async with write_transaction():
        found = (
            await ApiToken.select(ApiToken.name, ApiToken.revoked_at)
            .where((ApiToken.id == token_id) & (ApiToken.account == account_id))
            .first()
        )
        if found is None:
            raise NotFound(f"Jeton {token_id} introuvable.")
        if found["revoked_at"] is not None:
            return  # revoking twice changes nothing, and records nothing
        await ApiToken.update({ApiToken.revoked_at: now}).where(
            (ApiToken.id == token_id) & ApiToken.revoked_at.is_null()
        )
        actor = await _own_actor(account_id)
        await record_event(
            account_id, actor, now, "token_revoked", {"token": [found["name"], None]}
        )
    principal_cache.invalidate()  # refused from the next request on, even in this process


async def create_account(
    *,
    email: str,
    password: str,
    role: str,
    display_name: str = "",
    region_code: str | None = None,
    establishment_uais: list[str] | None = None,
    now: dt.datetime,
    actor: Actor | None = None,
) -> int:
    """`actor`: who creates it, recorded in the account's history (the command line: none)."""
    email = email.strip().lower()
    errors = {}
    if "@" not in email:
        errors["email"] = "adresse électronique invalide"
    if problem := password_problem(password, email):
        errors["password"] = problem
    if role not in ROLES:
        errors["role"] = "rôle inconnu ; valeurs possibles : " + ", ".join(ROLES)
    if role == "region_manager" and not region_code:
        errors["region"] = "un gestionnaire de région doit avoir une région"
    if role == "dpo" and not region_code:
        errors["region"] = "un délégué à la protection des données doit avoir une région"
    if role in ("it_staff", "head") and not establishment_uais:
        errors["establishment"] = "indiquez au moins un établissement"
    if role == "head" and establishment_uais and len(establishment_uais) > 1:
        errors["establishment"] = "un chef d'établissement dirige un seul établissement"
    if errors:
        raise Invalid(errors)
    region_id = None
    if role in REGIONAL_ROLES:
        region = await Region.select(Region.id).where(Region.code == region_code).first()
        if region is None:
            raise Invalid({"region": f"région {region_code} inconnue"})
        region_id = region["id"]
    establishment_ids = []
    for uai in establishment_uais or []:
        found = (
            await Establishment.select(Establishment.id)
            .where(Establishment.uai == normalise_uai(uai))
            .first()
        )
        if found is None:
            raise Invalid({"establishment": f"établissement {uai} inconnu"})
        establishment_ids.append(found["id"])
    password_hash = await hash_password(password)
    try:
        async with write_transaction():
            account = (
                await Account.insert(
                    Account(
                        email=email,
                        display_name=display_name.strip() or email,
                        password_hash=password_hash,
                        role=role,
                        region=region_id,
                        created_at=now,
                    )
                ).returning(Account.id)
            )[0]
            if establishment_ids:
                await AccountEstablishment.insert(
                    *[
                        AccountEstablishment(account=account["id"], establishment=e)
                        for e in establishment_ids
                    ]
                )
            created = {
                "email": [None, email],
                "role": [None, role],
                "region": [None, region_code if region_id else None],
                "establishments": [
                    None,
                    sorted(normalise_uai(u) for u in establishment_uais or []),
                ],
            }
            await record_event(account["id"], actor or SYSTEM, now, "created", created)
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(f"Un compte {email} existe déjà.", field="email") from error
        raise
    return account["id"]
