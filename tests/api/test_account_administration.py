"""Managing staff accounts, the use-cases (api/accounts/administration.py): who manages whom,
which roles a manager may give, and the history every change leaves. Both engines."""

from __future__ import annotations

import pytest

from api.accounts import administration, history, own, staff
from api.accounts.passwords import password_problem
from api.accounts.tables import Account, AccountEvent
from inventory.errors import Conflict, Invalid, NotFound
from inventory.scope import Actor
from tests.factories import NOW, PASSWORD, UAI_A, UAI_B, UAI_C, World, scope_of

ROLES = {"admin": "admin", "manager_24": "region_manager", "manager_44": "region_manager"}


def _actor(world: World, persona: str) -> Actor:
    return Actor(id=world.account_ids[persona], name=persona)


async def _create(world: World, persona: str, **fields):
    values = {"email": "nouveau@ordipret.test", "display_name": "Nouveau Référent", **fields}
    return await administration.create_staff_account(
        scope_of(world, persona), _actor(world, persona), ROLES[persona], NOW, **values
    )


async def _listed(world: World, persona: str, search: str = "") -> list[str]:
    found = await administration.list_accounts(
        scope_of(world, persona), search=search, limit=100, offset=0
    )
    return [a.email.split("@")[0] for a in found.items]


async def test_the_platform_admin_lists_every_account(world):
    assert sorted(await _listed(world, "admin")) == sorted(
        ["admin", "manager_24", "manager_44", "it_a", "it_b", "it_ab", "head_a"]
    )


async def test_a_region_manager_lists_only_the_accounts_of_their_region(world):
    assert sorted(await _listed(world, "manager_24")) == sorted(
        ["manager_24", "it_a", "it_b", "it_ab", "head_a"]
    )
    assert await _listed(world, "manager_44") == ["manager_44"]


async def test_the_list_is_searched_by_name_or_email(world):
    assert await _listed(world, "admin", "HEAD") == ["head_a"]
    assert sorted(await _listed(world, "admin", "manager_")) == ["manager_24", "manager_44"]
    assert await _listed(world, "manager_44", "it_") == []


async def test_a_region_manager_does_not_find_an_account_of_another_region(world):
    with pytest.raises(NotFound):
        await administration.get_account(scope_of(world, "manager_44"), world.account_ids["it_a"])


async def test_a_manager_creates_an_it_staff_account_for_a_school_of_their_region(world):
    account_id, password = await _create(
        world, "manager_24", role="it_staff", establishment_uais=[UAI_A]
    )
    account = await administration.get_account(scope_of(world, "manager_24"), account_id)
    assert account.role == "it_staff"
    assert [e.uai for e in account.establishments] == [UAI_A]
    assert password_problem(password, account.email) is None
    assert await staff.authenticate(account.email, password, NOW) == account_id
    events = await history.account_events(account_id, limit=10, offset=0)
    assert [e.action for e in events] == ["created"]
    assert events[0].actor_name == "manager_24"
    assert events[0].changes["role"] == [None, "it_staff"]


async def test_a_manager_cannot_give_the_admin_role(world):
    with pytest.raises(Invalid) as refused:
        await _create(world, "manager_24", role="admin")
    assert "role" in refused.value.errors
    assert not await Account.exists().where(Account.email == "nouveau@ordipret.test")


async def test_a_manager_cannot_give_a_school_of_another_region(world):
    with pytest.raises(Invalid) as refused:
        await _create(world, "manager_24", role="it_staff", establishment_uais=[UAI_C])
    assert "establishments" in refused.value.errors


async def test_a_region_manager_created_by_a_manager_manages_the_managers_own_region(world):
    account_id, _ = await _create(world, "manager_24", role="region_manager", region_code="44")
    account = await administration.get_account(scope_of(world, "admin"), account_id)
    assert account.region_code == "24"


async def test_an_existing_email_is_a_conflict(world):
    with pytest.raises(Conflict):
        await _create(
            world, "admin", role="it_staff", establishment_uais=[UAI_A], email="it_a@ordipret.test"
        )


async def test_changing_role_and_scopes_records_before_and_after(world):
    scope, actor = scope_of(world, "manager_24"), _actor(world, "manager_24")
    changed = await administration.change_account(
        scope, actor, "region_manager", NOW, world.account_ids["it_a"],
        display_name="it_a", role="it_staff", establishment_uais=[UAI_A, UAI_B],
    )  # fmt: skip
    assert sorted(e.uai for e in changed.establishments) == sorted([UAI_A, UAI_B])
    events = await history.account_events(world.account_ids["it_a"], limit=10, offset=0)
    assert events[0].action == "changed"
    assert events[0].changes == {"establishments": [[UAI_A], sorted([UAI_A, UAI_B])]}
    assert events[0].actor_name == "manager_24"


async def test_nobody_changes_their_own_role(world):
    with pytest.raises(Invalid):
        await administration.change_account(
            scope_of(world, "admin"), _actor(world, "admin"), "admin", NOW,
            world.account_ids["admin"], display_name="admin", role="it_staff",
            establishment_uais=[UAI_A],
        )  # fmt: skip


async def test_a_deactivated_account_can_no_longer_sign_in_nor_use_its_tokens(world):
    scope, actor = scope_of(world, "manager_24"), _actor(world, "manager_24")
    await administration.set_active(scope, actor, NOW, world.account_ids["it_a"], False)
    assert await staff.authenticate("it_a@ordipret.test", PASSWORD, NOW) is None
    assert await staff.principal_for_token(world.tokens["it_a"]) is None
    await administration.set_active(scope, actor, NOW, world.account_ids["it_a"], True)
    assert await staff.principal_for_token(world.tokens["it_a"]) is not None
    events = await history.account_events(world.account_ids["it_a"], limit=10, offset=0)
    assert [e.action for e in events][:2] == ["reactivated", "deactivated"]


async def test_nobody_deactivates_their_own_account(world):
    with pytest.raises(Conflict):
        await administration.set_active(
            scope_of(world, "admin"), _actor(world, "admin"), NOW, world.account_ids["admin"], False
        )


async def test_a_reset_password_replaces_the_old_one_and_the_history_holds_no_secret(world):
    scope, actor = scope_of(world, "manager_24"), _actor(world, "manager_24")
    password = await administration.reset_password(scope, actor, NOW, world.account_ids["it_a"])
    assert await staff.authenticate("it_a@ordipret.test", PASSWORD, NOW) is None
    assert (
        await staff.authenticate("it_a@ordipret.test", password, NOW) == world.account_ids["it_a"]
    )
    rows = await AccountEvent.select(AccountEvent.changes).where(
        AccountEvent.action == "password_reset"
    )
    assert password not in str(rows)


async def test_a_manager_cannot_reset_the_password_of_another_regions_account(world):
    with pytest.raises(NotFound):
        await administration.reset_password(
            scope_of(world, "manager_44"),
            _actor(world, "manager_44"),
            NOW,
            world.account_ids["it_a"],
        )


async def test_sign_in_attempts_are_recorded_newest_first(world):
    await staff.authenticate("it_a@ordipret.test", "pas le bon mot de passe", NOW)
    await staff.authenticate("it_a@ordipret.test", PASSWORD, NOW)
    await staff.authenticate("inconnu@ordipret.test", PASSWORD, NOW)
    attempts = await history.last_sign_ins(world.account_ids["it_a"])
    assert [a.succeeded for a in attempts] == [True, False]
    assert {a.method for a in attempts} == {"password"}


async def test_tokens_created_and_revoked_are_in_the_accounts_history(world):
    token_id, token = await staff.create_token(world.account_ids["it_a"], "script", NOW)
    await staff.revoke_token(world.account_ids["it_a"], token_id, NOW)
    events = await history.account_events(world.account_ids["it_a"], limit=10, offset=0)
    assert [(e.action, e.changes) for e in events[:2]] == [
        ("token_revoked", {"token": ["script", None]}),
        ("token_created", {"token": [None, "script"]}),
    ]
    assert token not in str(events)


async def test_one_changes_ones_own_password_with_the_current_one(world):
    actor = _actor(world, "it_a")
    with pytest.raises(Invalid) as refused:
        await own.change_own_password(
            actor, NOW, current="faux", new="azerty", confirmation="azerty"
        )
    assert set(refused.value.errors) == {"current", "new"}
    new = "une phrase assez longue"
    await own.change_own_password(actor, NOW, current=PASSWORD, new=new, confirmation=new)
    assert await staff.authenticate("it_a@ordipret.test", new, NOW) == world.account_ids["it_a"]
