"""What anyone on the staff does to their own account: change their password (after a
temporary one, above all). Tokens of one's own account live in staff.py."""

from __future__ import annotations

import datetime as dt

from api.accounts import history, staff
from api.accounts.passwords import password_problem
from api.accounts.tables import Account
from inventory.db import write_transaction
from inventory.errors import Invalid
from inventory.scope import Actor


async def change_own_password(
    actor: Actor, now: dt.datetime, *, current: str, new: str, confirmation: str
) -> None:
    """The current password proves it is the person at the keyboard, not someone using a
    session left open. Both hashes run in a thread (staff.py)."""
    assert actor.id is not None
    row = (
        await Account.select(Account.email, Account.password_hash)
        .where(Account.id == actor.id)
        .first()
    )
    assert row is not None  # the signed-in account
    errors = {}
    if not await staff.verify_password(row["password_hash"], current):
        errors["current"] = "Mot de passe actuel incorrect."
    if problem := password_problem(new, row["email"]):
        errors["new"] = "Nouveau mot de passe refusé : " + problem + "."
    elif new != confirmation:
        errors["confirmation"] = "Les deux saisies du nouveau mot de passe diffèrent."
    if errors:
        raise Invalid(errors)
    password_hash = await staff.hash_password(new)
    async with write_transaction():
        await Account.update({Account.password_hash: password_hash}).where(Account.id == actor.id)
        await history.record_event(actor.id, actor, now, "password_changed")
