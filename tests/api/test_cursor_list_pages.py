"""The pages read by cursor (api.pages.cursor_pages) other than the main lists: each links
its neighbours by cursor with rel prev/next, says which rows it shows of how many, and answers
a bad cursor in its address with a French 400 naming it. Both engines."""

from __future__ import annotations

import html
import importlib
import re

import pytest

from api.accounts import staff
from loans import campaigns, deliveries
from tests.api.test_cursor_lists import _day, _reference, _requests, _with
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, UAI_C

PAGES = {  # address -> (module, page size attribute) of pages read by cursor
    "/administration/comptes": ("api.pages.staff_accounts", "PER_PAGE"),
    "/administration/regions": ("api.pages.reference_admin", "PER_PAGE"),
    "/administration/etablissements": ("api.pages.reference_admin", "PER_PAGE"),
    "/administration/modeles": ("api.pages.reference_admin", "PER_PAGE"),
    "/arrivages": ("api.pages.intake", "HOME_PAGE_SIZE"),
    "/etablissements": ("api.pages.establishments", "PER_PAGE"),
    "/campagnes?liste=ended": ("api.pages.campaigns", "PER_PAGE"),
    "/mon-compte": ("api.pages.my_account", "PER_PAGE"),
    "/demandes-eleves?liste=liaisons": ("api.pages.my_space_requests", "PER_PAGE"),
}


@pytest.mark.parametrize("path", PAGES)
async def test_a_page_links_its_neighbours_by_cursor_and_refuses_a_bad_one_in_french(
    signed_in, world, monkeypatch, path
):
    module, size = PAGES[path]
    monkeypatch.setattr(importlib.import_module(module), size, 1)
    await _enough_rows(world)
    client = await signed_in("admin")
    first = await client.get(path)
    assert first.status_code == 200, first.text
    following = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert following and "curseur=" in following.group(1)
    assert 'aria-label="Pages' in first.text or 'aria-label="Pagination' in first.text
    second = await client.get(html.unescape(following.group(1)))
    assert second.status_code == 200 and 'rel="prev"' in second.text
    assert "2 à 2 sur " in second.text
    back = re.search(r'href="([^"]+)" rel="prev"', second.text)
    assert back and (await client.get(html.unescape(back.group(1)))).status_code == 200
    bad = await client.get(_with(path, curseur="abc"))
    assert bad.status_code == 400 and "« curseur »" in bad.text


async def _enough_rows(world) -> None:
    """At least three rows in every list of PAGES."""
    await _reference(world)
    await _requests(world)
    for school in (UAI_A, UAI_A, UAI_C):
        await deliveries.open_delivery(PLATFORM, ACTOR, NOW, world.model_id, school)
    for n in range(3):
        await campaigns.create_campaign(
            PLATFORM, ACTOR, NOW, establishment_uai=UAI_A, kind="collection", name=f"J{n}",
            starts_on=_day(-30 - n), ends_on=_day(-30 - n), class_names=[f"K{n}"],
        )  # fmt: skip
    for n in range(2):
        await staff.create_token(world.account_ids["admin"], f"jeton {n}", NOW)
