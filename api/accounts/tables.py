"""Staff accounts, their establishments and API tokens."""

from piccolo.columns import Boolean, ForeignKey, OnDelete, Timestamptz, Varchar
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
