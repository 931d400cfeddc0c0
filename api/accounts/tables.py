"""Staff accounts, their establishments and API tokens."""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from inventory.tables import Establishment, Region


class Account(Table, tablename="account"):
    email = Varchar(length=254, unique=True, index=True)
    display_name = Varchar(length=200)
    password_hash = Varchar(length=200)
    role = Varchar(length=20)
    region = ForeignKey(references=Region, on_delete=OnDelete.restrict, null=True)
    active = Boolean(default=True)
    created_at = Timestamptz()


class AccountEstablishment(Table, tablename="account_establishment"):
    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, index=True)
    establishment = ForeignKey(references=Establishment, on_delete=OnDelete.cascade)


class ApiToken(Table, tablename="api_token"):
    """Only a SHA-256 digest of the token is stored; the token itself is shown once."""

    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class EntConnector(Table, tablename="ent_connector"):
    """How a region's ENT signs people in (api/ent/): one connector per region.

    The OIDC client secret is stored because the app needs it to redeem codes, but it is a
    `secret` column (left out of `select(exclude_secrets=True)`), never shown back nor logged.
    """

    region = ForeignKey(references=Region, on_delete=OnDelete.cascade, unique=True)
    enabled = Boolean(default=True)
    protocol = Varchar(length=10)  # cas2, cas3, oidc
    server_url = Varchar(length=500)  # CAS: the server's base URL; OIDC: the issuer
    attribute_flavour = Varchar(length=10, default="sdet")  # sdet, entng (CAS)
    allowed_kinds = Varchar(length=100, default="student,guardian")  # comma-separated
    oidc_authorization_endpoint = Varchar(length=500, default="")
    oidc_token_endpoint = Varchar(length=500, default="")
    oidc_userinfo_endpoint = Varchar(length=500, default="")
    oidc_jwks_uri = Varchar(length=500, default="")
    oidc_client_id = Varchar(length=200, default="")
    oidc_client_secret = Varchar(length=500, default="", secret=True)
    oidc_scope = Varchar(length=200, default="openid profile")
    oidc_profile_claim = Varchar(length=100, default="profile")
    oidc_uai_claim = Varchar(length=100, default="uai")
    updated_at = Timestamptz()
    updated_by = Varchar(length=200, default="")  # actor snapshot: survives the account


class EntStaffLink(Table, tablename="ent_staff_link"):
    """An ENT account (its key, within one region) an admin allowed to open a staff account's
    session. `UNIQUE (region, ent_key)` is in the migration: one ENT account, one staff account."""

    region = ForeignKey(references=Region, on_delete=OnDelete.cascade)
    ent_key = Varchar(length=100)
    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz()
    created_by = Varchar(length=200, default="")


class AccountEvent(Table, tablename="account_event"):
    """One change of a staff account (created, role or scopes changed, deactivated, password
    reset, token created or revoked), append-only. The actor is a snapshot, not a foreign key,
    so that history survives the deletion of an account. `changes` holds before -> after,
    never a secret (no password, no token)."""

    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz()
    actor_id = Integer(null=True, default=None)
    actor_name = Varchar(length=200)
    action = Varchar(length=40)
    changes = JSON(default={})


class SignInRecord(Table, tablename="sign_in_record"):
    """One sign-in attempt on a known account, successful or not: when, and how. No password,
    no address (personal data the page does not need)."""

    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz()
    succeeded = Boolean()
    method = Varchar(length=20)  # password, ent
