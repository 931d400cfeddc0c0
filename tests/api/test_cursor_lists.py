"""The lists read by cursor (inventory.keyset) other than the main ones: staff accounts and
their history, campaigns and a campaign's to-do list, deliveries and their receipts, the
reference lists and one's API tokens. Walking every page by its next cursor gives every row
once, in the list's order; the previous cursor comes back; a bad cursor is a 400 naming it;
the scope still applies. Both engines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from api.accounts import history
from api.accounts.tables import Account
from api.clock import utcnow
from inventory import catalogue, regions
from inventory.errors import Invalid
from loans import campaign_progress, campaigns, deliveries, policy
from loans.minors import paris_day
from loans.tables import EntLinkProposal, LossDeclaration
from tests.api.problems import assert_problem
from tests.factories import (
    ACTOR,
    NOW,
    PLATFORM,
    SCHOOLS,
    UAI_A,
    UAI_C,
    active_loan,
    make_account,
    make_student,
    uai,
)
from tests.factories import scope_of as scope_for


def _day(shift: int) -> dt.date:
    return paris_day(utcnow()) + dt.timedelta(days=shift)


async def _accounts(world) -> None:
    """Seven people of region 24 named alike, and one of region 44."""
    e = world.establishment_ids
    for i, n in enumerate((3, 1, 2, 1, 3, 2, 1)):  # names repeat: the id breaks the tie
        made = await make_account(f"zed{i}@x.fr", "it_staff", None, (e["A"],))
        await Account.update({Account.display_name: f"Zed {n}"}).where(Account.id == made)
    await make_account("zed9@x.fr", "it_staff", None, (e["C"],))


async def _campaigns(world) -> None:
    """Campaigns of lycée A starting on various days (two on the same), one of lycée C."""
    for n, shift in enumerate((-1, -5, -3, -3, -9, -7)):
        await campaigns.create_campaign(
            PLATFORM, ACTOR, NOW, establishment_uai=UAI_A, kind="distribution",
            name=f"A{n}", starts_on=_day(shift), class_names=[f"C{n}"],
        )  # fmt: skip
    await campaigns.create_campaign(
        PLATFORM, ACTOR, NOW, establishment_uai=UAI_C, kind="distribution",
        name="C", starts_on=_day(-2),
    )  # fmt: skip


async def _history(world) -> None:
    for n in range(7):
        await history.record_event(world.account_ids["it_a"], ACTOR, NOW, "changed", {"n": [n, n]})


@dataclasses.dataclass(frozen=True)
class ApiList:
    name: str
    url: Callable  # world -> the list's address
    persona: str
    seed: Callable
    order: Callable | None  # a row -> its sort key, when Python can say it (no text collation)
    foreign: Callable  # a row -> whether it is another region's


async def _reference(world) -> None:
    """Two more regions, two more schools of region 24, two more models."""
    for code, name in (("53", "Bretagne"), ("11", "Île-de-France")):
        await regions.create_region(PLATFORM, code, name)
    for digits, name in (("0450003", "Lycée A"), ("0450004", "Collège Z")):  # names may repeat
        await regions.create_establishment(
            PLATFORM, uai=uai(digits), name=name, city="Blois", region_code="24"
        )
    for name in ("Latitude", "Chromebook"):
        await catalogue.create_device_model(
            PLATFORM, manufacturer="Dell", name=name, category="laptop", accessories=[]
        )


async def _requests(world) -> None:
    """ENT link proposals and loss declarations: five of lycée A (two made in the same
    instant), one of lycée C."""
    e, r = world.establishment_ids, world.region_ids
    for n, (school, minutes) in enumerate([("A", 5), ("A", 1), ("A", 3), ("A", 3), ("C", 2),
                                           ("A", 4)]):  # fmt: skip
        region, at = r["44" if school == "C" else "24"], NOW + dt.timedelta(minutes=minutes)
        student = await make_student(school, ent_id=f"R{n}")
        await EntLinkProposal.insert(
            EntLinkProposal(student=student.id, region=region, establishment=e[school],
                            ent_id=f"X{n}", auth_method="cas", created_at=at)
        )  # fmt: skip
        loan_id = await active_loan(world, f"R-{n}", SCHOOLS[school], student.id)
        await LossDeclaration.insert(
            LossDeclaration(loan=loan_id, region=region, establishment=e[school], kind="loss",
                            incident_on=NOW.date(), declared_by_role="student",
                            declared_by_name="Élève", declared_by_ent_id=f"R{n}",
                            auth_method="cas", created_at=at)
        )  # fmt: skip


async def _policy(world) -> None:
    """Four changes of region 24's rules, one of region 44's."""
    for code, most in (("24", 1), ("24", 2), ("44", 2), ("24", 3), ("24", 4)):
        await policy.update_policy(
            PLATFORM, ACTOR, NOW, code,
            {"end_rule": "school_year", "school_year_end": dt.date(2027, 7, 3),
             "max_open_per_category": most, "cession_allowed": False,
             "guardian_cosign_for_minors": True, "accessories_by_model": {}},
        )  # fmt: skip


def _todo_url(world) -> str:
    return f"/api/v1/campaigns/{world.todo_campaign}/todo?status=all"


API_LISTS = [
    ApiList("accounts", lambda w: "/api/v1/accounts", "manager_24", _accounts, None,
            lambda row: row["email"] == "zed9@x.fr"),
    ApiList("campaigns", lambda w: "/api/v1/campaigns", "manager_24", _campaigns,
            lambda row: (-dt.date.fromisoformat(row["starts_on"]).toordinal(), -row["id"]),
            lambda row: row["establishment"]["uai"] == UAI_C),
    ApiList("campaign to-do", _todo_url, "manager_24", None, None, lambda row: False),
    ApiList("account history", lambda w: f"/api/v1/accounts/{w.account_ids['it_a']}/history",
            "manager_24", _history, None, lambda row: False),
    ApiList("ENT link proposals", lambda w: "/api/v1/ent-link-proposals", "manager_24",
            _requests, lambda row: (row["created_at"], row["id"]),
            lambda row: row["establishment_uai"] == UAI_C),
    ApiList("loss declarations", lambda w: "/api/v1/loss-declarations", "it_a",
            _requests, lambda row: (row["created_at"], row["id"]),
            lambda row: row["establishment_uai"] == UAI_C),
    ApiList("policy history", lambda w: "/api/v1/regions/24/policy/history", "manager_24",
            _policy, None, lambda row: False),
    ApiList("regions", lambda w: "/api/v1/regions", "admin", _reference, None,
            lambda row: False),
    ApiList("establishments", lambda w: "/api/v1/establishments", "manager_24", _reference,
            None, lambda row: row["uai"] == UAI_C),
    ApiList("device models", lambda w: "/api/v1/device-models", "it_a", _reference, None,
            lambda row: False),
]  # fmt: skip


async def _todo(world) -> None:
    """A distribution of lycée A for every class, with students of several classes."""
    for n, (klass, name) in enumerate([("2NDE1", "B"), ("1G2", "A"), ("2NDE1", "A")] * 2):
        await make_student("A", class_name=klass, last_name=name, ent_id=f"T{n}")
    await make_student("C", class_name="1G2", last_name="A", ent_id="TC")
    created = await campaigns.create_campaign(
        PLATFORM, ACTOR, NOW, establishment_uai=UAI_A, kind="distribution",
        name="Tous", starts_on=_day(-1),
    )  # fmt: skip
    world.todo_campaign = created.id


def _next_of(response) -> tuple[list, str | None, str | None]:
    body = response.json()
    if isinstance(body, dict):
        return body["items"], body["next_cursor"], body["previous_cursor"]
    links = dict(
        (rel, parse_qs(urlsplit(url).query)["cursor"][0])
        for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("link", ""))
    )
    return body, links.get("next"), links.get("prev")


def _with(url: str, **params: str) -> str:
    return url + ("&" if "?" in url else "?") + "&".join(f"{k}={v}" for k, v in params.items())


@pytest.mark.parametrize("listed", API_LISTS, ids=lambda listed: listed.name)
async def test_walking_a_list_by_its_next_cursor_gives_every_row_once_in_order(as_, world, listed):
    if listed.name == "campaign to-do":
        await _todo(world)
    elif listed.seed:
        await listed.seed(world)
    client, url = as_(listed.persona), listed.url(world)
    whole, _, _ = _next_of(await client.get(_with(url, limit="500")))
    assert len(whole) >= 3, whole
    walked, pages, cursor = [], [], None
    while True:
        response = await client.get(_with(url, limit="2", **({"cursor": cursor} if cursor else {})))
        assert response.status_code == 200, response.text
        rows, cursor, previous = _next_of(response)
        pages.append((rows, previous))
        walked += rows
        if cursor is None:
            break
    assert walked == whole  # every row once, in the same order
    if listed.order:
        keys = [listed.order(row) for row in whole]
        assert keys == sorted(keys)
    assert not any(listed.foreign(row) for row in whole)
    # The second page's previous cursor gives the first page back.
    rows, _, _ = _next_of(await client.get(_with(url, limit="2", cursor=pages[1][1])))
    assert rows == pages[0][0]


@pytest.mark.parametrize("listed", API_LISTS, ids=lambda listed: listed.name)
async def test_a_bad_or_foreign_cursor_is_a_problem_naming_cursor(as_, world, listed):
    if listed.name == "campaign to-do":
        await _todo(world)
    client, url = as_(listed.persona), listed.url(world)
    assert_problem(await client.get(_with(url, cursor="pas-un-curseur")), 400, "cursor")
    # A cursor of the staff accounts' list, shown to another list, is refused too.
    _, foreign, _ = _next_of(await as_("admin").get("/api/v1/accounts?limit=1"))
    if listed.name != "accounts":
        assert_problem(await client.get(_with(url, cursor=foreign)), 400, "cursor")


async def test_the_totals_say_whether_they_are_exact(as_, world):
    body = (await as_("admin").get("/api/v1/accounts?limit=2")).json()
    assert body["total"] == len(world.account_ids) and body["total_exact"] is True
    listed = await as_("admin").get("/api/v1/regions?limit=1")
    assert (listed.headers["x-total-count"], listed.headers["x-total-exact"]) == ("2", "true")


async def test_the_deprecated_offset_still_reads_the_same_rows(as_, world):
    await _campaigns(world)
    whole = (await as_("admin").get("/api/v1/campaigns?limit=500")).json()["items"]
    third = (await as_("admin").get("/api/v1/campaigns?limit=2&offset=2")).json()
    assert third["items"] == whole[2:4] and third["next_cursor"]


async def test_deliveries_and_their_receipts_walk_by_cursor_in_their_scope(world):
    opened = [
        await deliveries.open_delivery(PLATFORM, ACTOR, NOW, world.model_id, uai)
        for uai in (UAI_A, UAI_A, UAI_C, UAI_A)
    ]
    scope = scope_for(world, "manager_24")
    walked, cursor = [], None
    while True:
        page = await deliveries.list_deliveries(scope, limit=1, cursor=cursor)
        walked += [d.id for d in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert walked == sorted((d.id for d in opened if d.establishment_uai == UAI_A), reverse=True)
    back = await deliveries.list_deliveries(scope, limit=1, cursor=page.previous_cursor)
    assert [d.id for d in back.items] == walked[-2:-1]
    items = await deliveries.list_items(scope, opened[0].id, limit=5)
    assert (items.items, items.next_cursor, items.total, items.total_exact) == ([], None, 0, True)
    with pytest.raises(Invalid) as refused:
        await deliveries.list_items(scope, opened[0].id, cursor=back.next_cursor)
    assert "cursor" in refused.value.errors


async def test_the_pending_to_do_is_chosen_by_the_query_and_keeps_its_order(world):
    await _todo(world)
    scope = scope_for(world, "it_a")
    first = await campaign_progress.campaign_todo(scope, world.todo_campaign, limit=4)
    rest = await campaign_progress.campaign_todo(
        scope, world.todo_campaign, limit=4, cursor=first.next_cursor
    )
    lines = [(i.class_name, i.last_name, i.student_id) for i in first.items + rest.items]
    assert lines == sorted(lines) and len(lines) == 6 and first.total == 6
    assert {i.status for i in first.items + rest.items} == {"missing"}
    done = await campaign_progress.campaign_todo(scope, world.todo_campaign, status="handed_over")
    assert (done.items, done.total) == ([], 0)
