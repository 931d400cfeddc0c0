"""A region's administration pages: its overdue loans school by school, and its loan policy
with its history. Managers of the region and the admin; another region is 404, school staff
403; French errors next to the field; CSRF on the form."""

from __future__ import annotations

import datetime as dt

import pytest

from loans.tables import Loan, PolicyEvent
from tests.api.test_pages import csrf_token, is_french_html
from tests.factories import UAI_A, active_loan, make_student

PAGES = ("/administration/regions/24/retards", "/administration/regions/24/regles")
POLICY = "/administration/regions/24/regles"


async def _overdue_loan(world) -> int:
    student = await make_student("A")
    loan_id = await active_loan(world, "M-L1", UAI_A, student.id)
    await Loan.update({Loan.due_on: dt.date(2026, 10, 1)}).where(Loan.id == loan_id)
    return loan_id


@pytest.mark.parametrize("persona", ["it_a", "it_b", "head_a"])
async def test_school_staff_are_turned_away(signed_in, world, persona):
    client = await signed_in(persona)
    for url in PAGES:
        assert (await client.get(url)).status_code == 403, url


async def test_the_manager_of_another_region_does_not_find_them(signed_in, world):
    client = await signed_in("manager_44")
    for url in PAGES:
        response = await client.get(url)
        assert response.status_code == 404, url
        assert is_french_html(response)


async def test_the_overdue_view_lists_the_regions_late_loans_by_school(signed_in, world):
    loan_id = await _overdue_loan(world)
    client = await signed_in("manager_24")
    response = await client.get("/administration/regions/24/retards")
    assert response.status_code == 200
    assert f'href="/prets/{loan_id}"' in response.text
    assert "Lycée A" in response.text and "Jours de retard" in response.text
    by_school = await client.get(f"/administration/regions/24/retards?etablissement={UAI_A}")
    assert f'href="/prets/{loan_id}"' in by_school.text


async def test_the_admin_reading_another_region_sees_none_of_region_24s_loans(signed_in, world):
    loan_id = await _overdue_loan(world)
    response = await (await signed_in("admin")).get("/administration/regions/44/retards")
    assert response.status_code == 200
    assert f'href="/prets/{loan_id}"' not in response.text


async def test_a_bad_position_in_the_overdue_list_is_told_in_french(signed_in, world):
    response = await (await signed_in("manager_24")).get(
        "/administration/regions/24/retards?curseur=x"
    )
    assert response.status_code == 400
    assert "position dans la liste" in response.text


async def _post_policy(client, **fields):
    form = await client.get(POLICY)
    data = {
        "end_rule": "school_year",
        "max_open_per_category": "1",
        "school_year_end": "",
        "guardian_cosign_for_minors": "oui",
        **fields,
        "_csrf_token": csrf_token(form.text),
    }
    return await client.post(POLICY, data=data)


async def test_a_manager_changes_the_policy_and_the_history_shows_before_and_after(
    signed_in, world
):
    client = await signed_in("manager_24")
    response = await _post_policy(client, max_open_per_category="2", cession_allowed="oui")
    assert response.status_code == 303, response.text
    page = await client.get(POLICY)
    assert "Règles enregistrées" in (await client.get(response.headers["location"])).text
    assert "prêts par catégorie : 1 → 2" in page.text
    assert "cession permise : non → oui" in page.text
    assert "manager_24" in page.text
    assert await PolicyEvent.count() == 1


async def test_a_wrong_maximum_is_refused_next_to_its_field(signed_in, world):
    client = await signed_in("manager_24")
    response = await _post_policy(client, max_open_per_category="9")
    assert response.status_code == 422
    assert 'id="max_open_per_category-error"' in response.text
    assert await PolicyEvent.count() == 0


async def test_the_policy_form_without_its_csrf_token_is_refused(signed_in, world):
    client = await signed_in("manager_24")
    response = await client.post(POLICY, data={"end_rule": "cycle", "max_open_per_category": "1"})
    assert response.status_code == 403
    assert await PolicyEvent.count() == 0
