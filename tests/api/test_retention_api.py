"""Retention periods on the region's policy (API and page, validated, with history), and
erasure and legal holds through the API (409 naming the reason) and the student's page
(French confirmation, CSRF)."""

from __future__ import annotations

import pytest

from loans.tables import PolicyEvent, Student
from tests.api.problems import assert_problem
from tests.api.test_pages import csrf_token, is_french_html
from tests.api.test_policy_api import POLICY, policy_body
from tests.factories import UAI_A, active_loan, make_student


async def test_a_manager_sets_the_retention_periods_and_the_history_keeps_them(as_, world):
    response = await as_("manager_24").put(
        POLICY, json=policy_body(retention_student_months=24, retention_evidence_months=72)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["retention_student_months"], body["retention_evidence_months"]) == (24, 72)
    assert (body["retention_photo_months"], body["retention_access_log_months"]) == (12, 12)
    history = (await as_("manager_24").get(f"{POLICY}/history")).json()
    assert history[0]["changes"]["retention_student_months"] == [12, 24]
    # A body without them keeps them.
    again = await as_("manager_24").put(POLICY, json=policy_body())
    assert again.json()["retention_student_months"] == 24


@pytest.mark.parametrize("value", [0, -3, 1000, 2.5, True])
async def test_a_retention_period_out_of_bounds_is_refused_naming_its_field(as_, world, value):
    response = await as_("manager_24").put(
        POLICY, json=policy_body(retention_evidence_months=value)
    )
    assert response.status_code in (400, 422)
    assert_problem(response, response.status_code, "retention_evidence_months")
    assert await PolicyEvent.count() == 0


async def test_the_policy_page_edits_a_retention_period_in_french(signed_in, world):
    client = await signed_in("manager_24")
    form = await client.get("/administration/regions/24/regles")
    assert "Durées de conservation" in form.text
    data = {
        "end_rule": "school_year",
        "max_open_per_category": "1",
        "guardian_cosign_for_minors": "oui",
        "retention_photo_months": "6",
        "retention_student_months": "deux",
        "_csrf_token": csrf_token(form.text),
    }
    refused = await client.post("/administration/regions/24/regles", data=data)
    assert refused.status_code == 422
    assert 'id="retention_student_months-error"' in refused.text
    data["retention_student_months"] = "18"
    done = await client.post("/administration/regions/24/regles", data=data)
    assert done.status_code == 303
    page = await client.get("/administration/regions/24/regles")
    assert "conservation : photos des dommages (mois) : 12 → 6" in page.text


async def test_an_erasure_with_an_open_loan_is_a_409_naming_the_reason(as_, world):
    student = await make_student("A")
    await active_loan(world, "EA-1", UAI_A, student.id)
    response = await as_("manager_24").post(f"/api/v1/students/{student.id}/erasure")
    body = assert_problem(response, 409, "open_loan")
    assert "prêt" in body["detail"]


@pytest.mark.parametrize("persona", ["it_a", "head_a"])
async def test_school_staff_may_not_erase_nor_hold(as_, world, persona):
    student = await make_student("A", left_on=None)
    url = f"/api/v1/students/{student.id}"
    assert_problem(await as_(persona).post(f"{url}/erasure"), 403)
    hold = {"reason": "Plainte", "placed_on": "2026-08-30"}
    assert_problem(await as_(persona).post(f"{url}/legal-holds", json=hold), 403)


async def test_a_legal_hold_blocks_the_erasure_until_it_is_lifted(as_, world):
    import datetime as dt

    student = await make_student("A", left_on=dt.date(2026, 8, 1))
    url = f"/api/v1/students/{student.id}"
    manager = as_("manager_24")
    placed = await manager.post(
        f"{url}/legal-holds", json={"reason": "Plainte pour vol n° 42", "placed_on": "2026-08-30"}
    )
    assert placed.status_code == 201, placed.text
    assert_problem(await manager.post(f"{url}/erasure"), 409, "legal_hold")
    listed = (await manager.get(f"{url}/legal-holds")).json()
    assert [h["reason"] for h in listed] == ["Plainte pour vol n° 42"]
    lifted = await manager.post(f"{url}/legal-holds/{placed.json()['id']}/lift")
    assert lifted.status_code == 200 and lifted.json()["lifted_at"]
    erased = await manager.post(f"{url}/erasure")
    assert erased.status_code == 200, erased.text
    assert erased.json()["counts"]["students"] == 1
    assert_problem(await manager.post(f"{url}/erasure"), 409, "already_erased")


async def test_the_manager_erases_a_student_from_the_page_after_confirming(signed_in, world):
    import datetime as dt

    student = await make_student("A", left_on=dt.date(2026, 8, 1))
    client = await signed_in("manager_24")
    detail = await client.get(f"/eleves/{student.id}")
    assert f'href="/eleves/{student.id}/effacement"' in detail.text
    page = await client.get(f"/eleves/{student.id}/effacement")
    assert page.status_code == 200 and is_french_html(page)
    token = csrf_token(page.text)
    unconfirmed = await client.post(f"/eleves/{student.id}/effacement", data={"_csrf_token": token})
    assert unconfirmed.status_code == 422 and "Cochez la case" in unconfirmed.text
    assert (await Student.select().where(Student.id == student.id).first())["anonymised_at"] is None
    without_token = await client.post(f"/eleves/{student.id}/effacement", data={"confirm": "oui"})
    assert without_token.status_code == 403
    done = await client.post(
        f"/eleves/{student.id}/effacement", data={"confirm": "oui", "_csrf_token": token}
    )
    assert done.status_code == 200 and "ont été effacées" in done.text
    assert student.last_name not in done.text
    history = await client.get(f"/eleves/{student.id}")
    assert "données personnelles effacées" in history.text
    again = await client.get(f"/eleves/{student.id}/effacement")
    assert "déjà été effacées" in again.text and 'name="confirm"' not in again.text


async def test_the_page_tells_why_an_erasure_is_refused(signed_in, world):
    student = await make_student("A")
    await active_loan(world, "EA-2", UAI_A, student.id)
    client = await signed_in("manager_24")
    page = await client.get(f"/eleves/{student.id}/effacement")
    assert "Un prêt est en cours" in page.text
    refused = await client.post(
        f"/eleves/{student.id}/effacement",
        data={"confirm": "oui", "_csrf_token": csrf_token(page.text)},
    )
    assert refused.status_code == 409 and "Effacement refusé" in refused.text
