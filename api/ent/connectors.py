"""Each region's ENT connector, and the ENT accounts an admin linked to staff accounts.

Only admins configure connectors and links (the connector decides who may open a session on
the whole platform). The OIDC client secret is written here and read only by the sign-in
(`connector_for_sign_in`); every view shown to people says whether one is set, never what.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from api.accounts.tables import Account, AccountEstablishment, EntConnector, EntStaffLink
from api.ent.attributes import FLAVOURS
from api.ent.cas import CAS2, CAS3
from inventory.db import is_unique_violation, write_transaction
from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Actor
from inventory.tables import Region
from loans.ent_identity import KINDS, OTHER

OIDC = "oidc"
PROTOCOLS = (CAS2, CAS3, OIDC)
SIGN_IN_KINDS = tuple(kind for kind in KINDS if kind != OTHER)
_OIDC_URLS = ("oidc_authorization_endpoint", "oidc_token_endpoint", "oidc_jwks_uri")


@dataclass(frozen=True, slots=True)
class Connector:
    region_id: int
    region_code: str
    enabled: bool
    protocol: str
    server_url: str
    attribute_flavour: str
    allowed_kinds: tuple[str, ...]
    oidc_authorization_endpoint: str = ""
    oidc_token_endpoint: str = ""
    oidc_userinfo_endpoint: str = ""
    oidc_jwks_uri: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""  # empty in every view but the sign-in's
    oidc_client_secret_set: bool = False
    oidc_scope: str = "openid profile"
    oidc_profile_claim: str = "profile"
    oidc_uai_claim: str = "uai"
    updated_at: dt.datetime | None = None
    updated_by: str = ""

    def __repr__(self) -> str:  # never the secret, whatever logs a connector
        return f"Connector(region={self.region_code!r}, protocol={self.protocol!r})"


# What an admin types, as text (the API body and the page's form): trimmed by `typed`.
TYPED_TEXTS = (
    "server_url",
    "oidc_authorization_endpoint",
    "oidc_token_endpoint",
    "oidc_userinfo_endpoint",
    "oidc_jwks_uri",
    "oidc_client_id",
    "oidc_scope",
    "oidc_profile_claim",
    "oidc_uai_claim",
)


def typed(
    code: str,
    *,
    enabled: bool,
    protocol: str,
    attribute_flavour: str,
    allowed_kinds: tuple[str, ...],
    oidc_client_secret: str,
    texts: dict[str, str],
) -> Connector:
    """A connector as an admin typed it: spaces trimmed, codes in lower case, the secret as
    given (`check` then says what is wrong, field by field)."""
    return Connector(
        region_id=0,
        region_code=code,
        enabled=enabled,
        protocol=protocol.strip().lower(),
        attribute_flavour=attribute_flavour.strip().lower(),
        allowed_kinds=tuple(kind.strip().lower() for kind in allowed_kinds),
        oidc_client_secret=oidc_client_secret,
        **{name: texts[name].strip() for name in TYPED_TEXTS},
    )


async def _region(code: str) -> dict:
    row = await Region.select(Region.id, Region.code).where(Region.code == code).first()
    if row is None:
        raise NotFound("Région introuvable.")
    return row


def _connector(row: dict, code: str, *, with_secret: bool) -> Connector:
    fields = {name: row[name] for name in Connector.__slots__ if name in row}  # type: ignore[attr-defined]
    secret = row["oidc_client_secret"]
    return Connector(
        **{k: v for k, v in fields.items() if k not in ("allowed_kinds", "oidc_client_secret")},
        region_id=row["region"],
        region_code=code,
        allowed_kinds=tuple(k for k in row["allowed_kinds"].split(",") if k),
        oidc_client_secret=secret if with_secret else "",
        oidc_client_secret_set=bool(secret),
    )


async def get_connector(code: str) -> Connector | None:
    """The region's connector as people see it (no secret); None when there is none."""
    region = await _region(code)
    row = await EntConnector.select().where(EntConnector.region == region["id"]).first()
    return _connector(row, code, with_secret=False) if row else None


async def connector_for_sign_in(code: str) -> Connector | None:
    """The enabled connector of the region, secret included; None: no ENT sign-in there."""
    row = (
        await EntConnector.select()
        .where(EntConnector.region.code == code, EntConnector.enabled.eq(True))
        .first()
    )
    return _connector(row, code, with_secret=True) if row else None


async def regions_with_sign_in() -> list[dict]:
    """Code and name of each region whose ENT sign-in is open, for the choice page."""
    rows = await EntConnector.select(
        EntConnector.region.code.as_alias("code"), EntConnector.region.name.as_alias("name")
    ).where(EntConnector.enabled.eq(True))
    return sorted(rows, key=lambda row: row["name"])


def _is_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def check(connector: Connector) -> dict[str, str]:
    """What is wrong with a connector an admin typed, by field, in French."""
    errors = {}
    if connector.protocol not in PROTOCOLS:
        errors["protocol"] = "Protocole inconnu : cas2, cas3 ou oidc."
    if not _is_url(connector.server_url):
        errors["server_url"] = "Adresse du serveur attendue (https://…)."
    if connector.attribute_flavour not in FLAVOURS:
        errors["attribute_flavour"] = "Format d'attributs inconnu : sdet ou entng."
    unknown = [kind for kind in connector.allowed_kinds if kind not in SIGN_IN_KINDS]
    if unknown or not connector.allowed_kinds:
        errors["allowed_kinds"] = "Profils attendus, parmi : student, guardian, staff."
    if connector.protocol == OIDC:
        for name in _OIDC_URLS:
            if not _is_url(getattr(connector, name)):
                errors[name] = "Adresse attendue (https://…)."
        userinfo = connector.oidc_userinfo_endpoint
        if userinfo and not _is_url(userinfo):
            errors["oidc_userinfo_endpoint"] = "Adresse attendue (https://…), ou vide."
        if not connector.oidc_client_id:
            errors["oidc_client_id"] = "Identifiant du client attendu."
    return errors


async def save_connector(actor: Actor, now: dt.datetime, code: str, typed: Connector) -> Connector:
    """Create or replace the region's connector. An empty secret keeps the stored one (the
    secret is never shown back, so a form cannot send it again)."""
    region = await _region(code)
    async with write_transaction():
        existing = await EntConnector.objects().where(EntConnector.region == region["id"]).first()
        secret = typed.oidc_client_secret or (existing.oidc_client_secret if existing else "")
        connector = replace(typed, oidc_client_secret=secret)
        errors = check(connector)
        if connector.protocol == OIDC and not secret:
            errors["oidc_client_secret"] = "Secret du client attendu."
        if errors:
            raise Invalid(errors)
        values = {
            EntConnector.enabled: connector.enabled,
            EntConnector.protocol: connector.protocol,
            # An OIDC issuer is compared to the ID token's `iss` as typed; a CAS base URL
            # gets paths appended.
            EntConnector.server_url: connector.server_url
            if connector.protocol == OIDC
            else connector.server_url.rstrip("/"),
            EntConnector.attribute_flavour: connector.attribute_flavour,
            EntConnector.allowed_kinds: ",".join(dict.fromkeys(connector.allowed_kinds)),
            EntConnector.oidc_authorization_endpoint: connector.oidc_authorization_endpoint,
            EntConnector.oidc_token_endpoint: connector.oidc_token_endpoint,
            EntConnector.oidc_userinfo_endpoint: connector.oidc_userinfo_endpoint,
            EntConnector.oidc_jwks_uri: connector.oidc_jwks_uri,
            EntConnector.oidc_client_id: connector.oidc_client_id,
            EntConnector.oidc_client_secret: secret,
            EntConnector.oidc_scope: connector.oidc_scope or "openid profile",
            EntConnector.oidc_profile_claim: connector.oidc_profile_claim,
            EntConnector.oidc_uai_claim: connector.oidc_uai_claim,
            EntConnector.updated_at: now,
            EntConnector.updated_by: actor.name,
        }
        if existing:
            await EntConnector.update(values).where(EntConnector.id == existing.id)
        else:
            await EntConnector.insert(
                EntConnector(region=region["id"], **{c._meta.name: v for c, v in values.items()})
            )
    saved = await get_connector(code)
    assert saved is not None
    return saved


# --- ENT accounts linked to staff accounts -------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaffLink:
    id: int
    region_code: str
    ent_key: str
    account_id: int
    account_email: str
    created_at: dt.datetime
    created_by: str


_LINK_COLUMNS = (
    EntStaffLink.id,
    EntStaffLink.ent_key,
    EntStaffLink.account,
    EntStaffLink.account.email.as_alias("email"),
    EntStaffLink.created_at,
    EntStaffLink.created_by,
)


def _link(row: dict, code: str) -> StaffLink:
    return StaffLink(
        id=row["id"],
        region_code=code,
        ent_key=row["ent_key"],
        account_id=row["account"],
        account_email=row["email"],
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


async def list_links(code: str) -> list[StaffLink]:
    region = await _region(code)
    rows = (
        await EntStaffLink.select(*_LINK_COLUMNS)
        .where(EntStaffLink.region == region["id"])
        .order_by(EntStaffLink.ent_key)
    )
    return [_link(row, code) for row in rows]


async def link_staff(
    actor: Actor, now: dt.datetime, code: str, ent_key: str, account_id: int
) -> StaffLink:
    """Let the ENT account `ent_key` of the region open the staff account's session. Only
    staff of that region: a platform admin never signs in through a region's ENT."""
    region = await _region(code)
    key = ent_key.strip()
    if not key or "$" in key:
        raise Invalid({"ent_key": "Identifiant ENT attendu, sans préfixe de source (AC-…$)."})
    account = (
        await Account.select(Account.id, Account.role, Account.region, Account.active)
        .where(Account.id == account_id)
        .first()
    )
    if account is None or not account["active"]:
        raise Invalid({"account_id": "Compte introuvable ou désactivé."})
    if account["role"] == "admin":
        raise Invalid({"account_id": "Un compte administrateur ne se connecte pas par l'ENT."})
    if not await _belongs_to_region(account, region["id"]):
        raise Invalid({"account_id": "Ce compte n'appartient pas à cette région."})
    try:
        async with write_transaction():
            await EntStaffLink.insert(
                EntStaffLink(
                    region=region["id"],
                    ent_key=key,
                    account=account_id,
                    created_at=now,
                    created_by=actor.name,
                )
            )
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict("Ce compte ENT est déjà rattaché à un compte.", "ent_key") from None
        raise
    links = [link for link in await list_links(code) if link.ent_key == key]
    return links[0]


async def link_staff_by_email(
    actor: Actor, now: dt.datetime, code: str, ent_key: str, email: str
) -> StaffLink:
    row = await Account.select(Account.id).where(Account.email == email.strip().lower()).first()
    if row is None:
        raise Invalid({"email": "Aucun compte avec cette adresse électronique."})
    try:
        return await link_staff(actor, now, code, ent_key, row["id"])
    except Invalid as error:
        raise Invalid(
            {"email" if name == "account_id" else name: text for name, text in error.errors.items()}
        ) from None


async def _belongs_to_region(account: dict, region_id: int) -> bool:
    if account["region"] == region_id:
        return True
    return bool(
        await AccountEstablishment.count().where(
            AccountEstablishment.account == account["id"],
            AccountEstablishment.establishment.region == region_id,
        )
    )


async def unlink_staff(code: str, link_id: int) -> None:
    region = await _region(code)
    async with write_transaction():
        deleted = (
            await EntStaffLink.delete()
            .where(EntStaffLink.id == link_id, EntStaffLink.region == region["id"])
            .returning(EntStaffLink.id)
        )
    if not deleted:
        raise NotFound("Rattachement introuvable.")


async def linked_account(region_id: int, ent_key: str) -> int | None:
    """The active staff account this ENT account opens, if an admin linked one."""
    row = (
        await EntStaffLink.select(EntStaffLink.account)
        .where(
            EntStaffLink.region == region_id,
            EntStaffLink.ent_key == ent_key,
            EntStaffLink.account.active.eq(True),
        )
        .first()
    )
    return row["account"] if row else None
