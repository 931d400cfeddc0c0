"""Accounts and identities: staff accounts, their roles and scopes, API tokens (the
`accounts` Piccolo app with its tables and migrations). Students, guardians and ENT identities
join them here."""
