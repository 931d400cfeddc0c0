"""New passwords: long enough, not among the most common, not the email; hashed with argon2id."""

from __future__ import annotations

import pytest

from api.accounts import staff
from api.accounts.passwords import common_passwords, password_problem
from api.accounts.tables import Account
from inventory.errors import Invalid
from tests.cli_process import ordipret
from tests.factories import NOW


@pytest.mark.parametrize("password", ["1234567890", "qwertyuiop", "AZERTYUIOP", "motdepasse"])
def test_one_of_the_most_common_passwords_is_refused_in_french(password):
    assert "plus courants" in password_problem(password, "claire.martin@ac-orleans.fr")


@pytest.mark.parametrize("password", ["motdepasse2026!", "Marseille13013", "password123456"])
def test_a_common_password_with_digits_or_symbols_added_is_refused(password):
    assert "plus courants" in password_problem(password, "claire.martin@ac-orleans.fr")


@pytest.mark.parametrize("password", ["claire.martin!!", "Martin-Orleans-45", "CLAIRE2026-xyz"])
def test_a_password_containing_the_email_local_part_is_refused(password):
    problem = password_problem(password, "claire.martin@ac-orleans.fr")
    assert (
        problem == "le mot de passe ne doit pas contenir l'adresse électronique ni le nom du compte"
    )


def test_a_short_password_is_refused_for_its_length():
    assert password_problem("court", "a@b.fr") == "10 caractères au moins"


def test_a_long_uncommon_passphrase_is_accepted():
    assert password_problem("cartable vert sous la pluie", "claire.martin@ac-orleans.fr") is None


def test_the_common_password_list_ships_with_the_project():
    listed = common_passwords()
    assert len(listed) == 10_000
    assert {"123456", "azertyuiop", "motdepasse"} <= listed


async def test_creating_an_account_with_a_common_password_names_the_password_field(app):
    with pytest.raises(Invalid) as refused:
        await staff.create_account(
            email="claire.martin@ac-orleans.fr", password="azertyuiop", role="admin", now=NOW
        )
    assert "plus courants" in refused.value.errors["password"]
    assert await Account.count() == 0


async def test_an_accepted_password_is_stored_as_an_argon2id_hash(app):
    account_id = await staff.create_account(
        email="claire.martin@ac-orleans.fr",
        password="cartable vert sous la pluie",
        role="admin",
        now=NOW,
    )
    row = await Account.select(Account.password_hash).where(Account.id == account_id).first()
    assert row["password_hash"].startswith("$argon2id$")


def test_create_user_on_the_command_line_refuses_a_common_password(migrated):
    result = ordipret(
        migrated,
        "create-user",
        "--email",
        "claire.martin@ac-orleans.fr",
        "--password",
        "azertyuiop123",
        "--role",
        "admin",
    )
    assert result.returncode == 2
    assert "plus courants" in result.stdout
