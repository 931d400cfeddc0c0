"""The loans API by persona: every transition, every refusal with its French reason, fields
named in problems, scope (another school's loan is not found), races decided by the database."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import pytest

from api.clock import utcnow
from loans import lifecycle, policy, students
from loans.minors import paris_day
from loans.storage import sha256_of
from loans.tables import Document, Loan, LoanEvent, LoanPhoto
from tests.api.problems import assert_problem
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, UAI_B, UAI_C, make_asset, make_student

LOANS = "/api/v1/loans"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def today() -> dt.date:
    return paris_day(utcnow())


async def prepare(as_, world, tag: str, school: str = "A", persona: str = "it_a", **body):
    """A device of the school and a student of it; the loan prepared through the API."""
    uai = {"A": UAI_A, "B": UAI_B, "C": UAI_C}[school]
    await make_asset(tag, uai, world.model_id)
    student = (await make_student(school)).id
    response = await as_(persona).post(
        LOANS, json={"asset_tag": tag, "student_id": student, **body}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def signed(as_, world, tag: str, **kwargs) -> int:
    loan_id = await prepare(as_, world, tag, **kwargs)
    client = as_(kwargs.get("persona", "it_a"))
    response = await client.post(
        f"{LOANS}/{loan_id}/paper-signature", json={"signed_on": today().isoformat()}
    )
    assert response.status_code == 200, response.text
    return loan_id


async def active(as_, world, tag: str, **kwargs) -> int:
    loan_id = await signed(as_, world, tag, **kwargs)
    client = as_(kwargs.get("persona", "it_a"))
    response = await client.post(f"{LOANS}/{loan_id}/hand-over", json={})
    assert response.status_code == 200, response.text
    return loan_id


def names(response, status: int, field: str) -> str:
    """The detail a problem of `status` gives for `field` (an indexed one, like photos[1])."""
    body = assert_problem(response, status)
    named = {error["field"]: error["detail"] for error in body.get("errors", [])}
    assert field in named, body
    return named[field]


def refused(response, reason: str) -> dict:
    body = assert_problem(response, 409)
    assert reason in body["detail"], body["detail"]
    return body


# Preparing ---------------------------------------------------------------------------------


async def test_preparing_a_loan_answers_201_with_the_loan_awaiting_signature(as_, world):
    await make_asset("A-1", UAI_A, world.model_id)
    student = (await make_student()).id
    response = await as_("it_a").post(LOANS, json={"asset_tag": "a-1", "student_id": student})
    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["asset_tag"], body["student"]["id"]) == (
        "awaiting_signature",
        "A-1",
        student,
    )
    assert response.headers["location"] == f"{LOANS}/{body['id']}"


async def test_a_draft_waits_until_the_agreement_is_issued(as_, world):
    loan_id = await prepare(as_, world, "A-1", draft=True)
    client = as_("it_a")
    refused(await client.post(f"{LOANS}/{loan_id}/hand-over", json={}), "pas encore été émise")
    issued = await client.post(f"{LOANS}/{loan_id}/issue-agreement")
    assert (issued.status_code, issued.json()["state"]) == (200, "awaiting_signature")
    agreement = (await client.get(f"{LOANS}/{loan_id}/agreement")).json()
    assert agreement["version"] == 1  # the convention itself, as a PDF to sign


async def test_issuing_the_agreement_of_a_loan_already_awaiting_signature_is_refused(as_, world):
    loan_id = await prepare(as_, world, "A-1")
    response = await as_("it_a").post(f"{LOANS}/{loan_id}/issue-agreement")
    refused(response, "impossible depuis l'état « en attente de signature »")


async def test_a_device_already_reserved_cannot_be_prepared_for_another_student(as_, world):
    await prepare(as_, world, "A-1")
    other = (await make_student()).id
    response = await as_("it_a").post(LOANS, json={"asset_tag": "A-1", "student_id": other})
    assert_problem(response, 409, "asset_tag")


async def test_a_device_not_in_stock_cannot_be_lent(as_, world):
    await make_asset("A-1", UAI_A, world.model_id, state="in_repair")
    student = (await make_student()).id
    response = await as_("it_a").post(LOANS, json={"asset_tag": "A-1", "student_id": student})
    assert "n'est pas en stock" in assert_problem(response, 409, "asset_tag")["detail"]


async def test_a_device_of_another_school_than_the_students_is_refused_naming_it(as_, world):
    await make_asset("B-1", UAI_B, world.model_id)
    student = (await make_student("A")).id
    response = await as_("it_ab").post(LOANS, json={"asset_tag": "B-1", "student_id": student})
    assert_problem(response, 422, "asset_tag")


async def test_an_unknown_device_or_student_is_named_in_a_422(as_, world):
    student = (await make_student()).id
    response = await as_("it_a").post(LOANS, json={"asset_tag": "NOPE", "student_id": student})
    assert_problem(response, 422, "asset_tag")
    await make_asset("A-1", UAI_A, world.model_id)
    response = await as_("it_a").post(LOANS, json={"asset_tag": "A-1", "student_id": 999_999})
    assert_problem(response, 422, "student_id")


async def test_a_student_of_another_school_is_unknown_to_its_it_staff(as_, world):
    await make_asset("A-1", UAI_A, world.model_id)
    student_b = (await make_student("B")).id
    response = await as_("it_a").post(LOANS, json={"asset_tag": "A-1", "student_id": student_b})
    assert_problem(response, 422, "student_id")


async def test_a_student_who_left_cannot_borrow(as_, world):
    await make_asset("A-1", UAI_A, world.model_id)
    student = (await make_student(left_on=dt.date(2026, 7, 1))).id
    response = await as_("it_a").post(LOANS, json={"asset_tag": "A-1", "student_id": student})
    assert_problem(response, 409, "student_id")


async def test_an_unknown_campaign_is_named_in_a_422(as_, world):
    await make_asset("A-1", UAI_A, world.model_id)
    student = (await make_student()).id
    response = await as_("it_a").post(
        LOANS, json={"asset_tag": "A-1", "student_id": student, "campaign_id": 4242}
    )
    assert_problem(response, 422, "campaign_id")


async def test_a_student_at_the_policy_limit_gets_no_further_device(as_, world):
    student = (await make_student()).id
    for tag in ("A-1", "A-2", "A-3"):
        await make_asset(tag, UAI_A, world.model_id)
    await policy.update_policy(PLATFORM, ACTOR, NOW, "24", {"max_open_per_category": 2})
    client = as_("it_a")
    first, second, third = [
        await client.post(LOANS, json={"asset_tag": tag, "student_id": student})
        for tag in ("A-1", "A-2", "A-3")
    ]
    assert (first.status_code, second.status_code) == (201, 201)
    body = assert_problem(third, 409, "student_id")
    assert "2 prêt(s) en cours pour ce type d'appareil" in body["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"student_id": 1}, "asset_tag"),
        ({"asset_tag": "A-1"}, "student_id"),
        ({"asset_tag": "A-1", "student_id": 0}, "student_id"),
        ({"asset_tag": "", "student_id": 1}, "asset_tag"),
        ({"asset_tag": "A-1", "student_id": 1, "colour": "red"}, "colour"),
        ({"asset_tag": "A-1", "student_id": "un"}, "student_id"),
    ],
)
async def test_a_malformed_loan_is_refused_naming_the_field(as_, world, body, field):
    assert_problem(await as_("it_a").post(LOANS, json=body), 400, field)


# Signing and handing over --------------------------------------------------------------------


async def test_a_paper_signature_is_recorded_with_its_date(as_, world):
    loan_id = await prepare(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/paper-signature", json={"signed_on": "2026-09-01"}
    )
    body = response.json()
    assert (response.status_code, body["paper_signed_on"], body["signed"]) == (
        200,
        "2026-09-01",
        True,
    )


async def test_a_second_paper_signature_is_refused(as_, world):
    loan_id = await signed(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/paper-signature", json={"signed_on": "2026-09-01"}
    )
    assert_problem(response, 409, "signed_on")


async def test_a_paper_signature_dated_in_the_future_is_refused_naming_signed_on(as_, world):
    loan_id = await prepare(as_, world, "A-1")
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/paper-signature", json={"signed_on": tomorrow}
    )
    assert_problem(response, 422, "signed_on")


async def test_a_signature_date_that_is_not_a_date_is_named(as_, world):
    loan_id = await prepare(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/paper-signature", json={"signed_on": "31/12/2026"}
    )
    assert_problem(response, 400, "signed_on")


async def test_hand_over_is_refused_until_the_agreement_is_signed(as_, world):
    loan_id = await prepare(as_, world, "A-1")
    response = await as_("it_a").post(f"{LOANS}/{loan_id}/hand-over", json={})
    refused(response, "la convention n'est pas signée par toutes les parties")


async def test_hand_over_gives_the_models_accessories_and_the_policy_due_date(as_, world):
    loan_id = await active(as_, world, "A-1")
    loan = (await as_("it_a").get(f"{LOANS}/{loan_id}")).json()
    region_policy = await policy.policy_for_region(world.region_ids["24"])
    expected_due = policy.due_date(region_policy, "2NDE3", today())
    assert loan["state"] == "active"
    assert loan["accessories_given"] == ["chargeur", "housse"]
    assert loan["due_on"] == expected_due.isoformat()


async def test_hand_over_gives_the_accessories_the_region_lists_for_the_model(as_, world):
    await policy.update_policy(
        PLATFORM,
        ACTOR,
        NOW,
        "24",
        {"accessories_by_model": {str(world.model_id): ["chargeur USB-C", "sacoche"]}},
    )
    loan_id = await active(as_, world, "A-1")
    loan = (await as_("it_a").get(f"{LOANS}/{loan_id}")).json()
    assert loan["accessories_given"] == ["chargeur USB-C", "sacoche"]


async def test_hand_over_records_the_accessories_actually_given(as_, world):
    loan_id = await signed(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/hand-over", json={"accessories": ["chargeur"]}
    )
    assert response.json()["accessories_given"] == ["chargeur"]


async def test_a_hand_over_without_a_body_takes_every_default(as_, world):
    loan_id = await signed(as_, world, "A-1")
    response = await as_("it_a").post(f"{LOANS}/{loan_id}/hand-over")
    assert response.status_code == 200, response.text
    assert response.json()["accessories_given"] == ["chargeur", "housse"]


async def test_a_hand_over_body_with_an_unknown_field_is_named(as_, world):
    loan_id = await signed(as_, world, "A-1")
    response = await as_("it_a").post(f"{LOANS}/{loan_id}/hand-over", json={"due_on": "2030-01-01"})
    assert_problem(response, 400, "due_on")


async def test_handing_over_twice_is_refused_with_the_reason(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(f"{LOANS}/{loan_id}/hand-over", json={})
    refused(response, "l'appareil a déjà été remis")


@pytest.mark.parametrize("typed", ["souris", "Chargeur USB", "autre", "autre :  "])
async def test_an_accessory_outside_the_models_list_is_refused_naming_the_field(as_, world, typed):
    loan_id = await signed(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/hand-over", json={"accessories": ["chargeur", typed]}
    )
    assert "autre" in names(response, 422, "accessories")
    assert (await as_("it_a").get(f"{LOANS}/{loan_id}")).json()["state"] != "active"


async def test_another_object_is_handed_over_as_autre_with_its_description(as_, world):
    loan_id = await signed(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/hand-over",
        json={"accessories": ["CHARGEUR", "Autre:  souris   sans fil"]},
    )
    assert response.json()["accessories_given"] == ["chargeur", "autre : souris sans fil"]


async def test_a_transferred_loan_lists_no_missing_accessory(as_, world):
    loan_id = await active(as_, world, "A-1")
    await as_("it_a").post(f"{LOANS}/{loan_id}/transfer", json={"to_establishment_uai": UAI_B})
    transferred = (await as_("it_ab").get(f"{LOANS}/{loan_id}")).json()
    assert transferred["state"] == "transferred"
    assert transferred["accessories_given"] == ["chargeur", "housse"]
    assert transferred["missing_accessories"] == []


async def test_an_accessory_name_too_long_is_named(as_, world):
    loan_id = await signed(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/hand-over", json={"accessories": ["x" * 61]}
    )
    assert names(response, 400, "accessories[0]")


# Returns -------------------------------------------------------------------------------------


async def test_a_return_in_good_condition_lists_what_is_missing_and_restocks_the_device(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/return",
        json={"accessories_returned": ["housse"], "condition": "B", "damage_notes": ""},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["missing_accessories"] == ["chargeur"]
    assert (body["damaged"], body["device_state"]) == (False, "in_stock")
    loan = body["loan"]
    assert (loan["state"], loan["return_condition"], loan["accessories_returned"]) == (
        "returned",
        "B",
        ["housse"],
    )
    asset = (await as_("it_a").get("/api/v1/assets/A-1")).json()
    assert (asset["state"], asset["condition"]) == ("in_stock", "B")


async def test_a_damaged_return_sends_the_device_to_repair(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/return",
        json={
            "accessories_returned": ["chargeur", "housse"],
            "condition": "C",
            "damage_notes": "écran fissuré",
        },
    )
    body = response.json()
    assert (body["damaged"], body["device_state"], body["missing_accessories"]) == (
        True,
        "in_repair",
        [],
    )
    assert body["loan"]["damage_notes"] == "écran fissuré"


async def test_a_return_with_an_unknown_condition_is_refused_naming_condition(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/return", json={"accessories_returned": [], "condition": "Z"}
    )
    assert_problem(response, 422, "condition")
    assert (await as_("it_a").get(f"{LOANS}/{loan_id}")).json()["state"] == "active"


async def test_a_return_without_its_fields_names_them(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(f"{LOANS}/{loan_id}/return", json={"condition": "A"})
    assert_problem(response, 400, "accessories_returned")


async def test_a_device_not_yet_handed_over_cannot_be_returned(as_, world):
    loan_id = await signed(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/return", json={"accessories_returned": [], "condition": "A"}
    )
    refused(response, "impossible depuis l'état « en attente de signature »")


# Loss, theft, cancel, transfer, cession --------------------------------------------------------


async def test_a_declared_loss_records_the_day_and_marks_the_device_lost(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/loss",
        json={"incident_on": today().isoformat(), "circumstances": "oublié dans le train"},
    )
    body = response.json()
    assert (body["state"], body["circumstances"]) == ("lost", "oublié dans le train")
    assert (await as_("it_a").get("/api/v1/assets/A-1")).json()["state"] == "lost"


async def test_a_loss_without_circumstances_is_refused_naming_the_field(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/loss", json={"incident_on": today().isoformat()}
    )
    assert_problem(response, 422, "circumstances")


async def test_a_theft_without_its_police_report_is_refused_naming_police_report_ref(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/theft",
        json={"incident_on": today().isoformat(), "circumstances": "arraché dans la rue"},
    )
    body = assert_problem(response, 422, "police_report_ref", "police_report_on")
    named = {error["field"]: error["detail"] for error in body["errors"]}
    assert "récépissé" in named["police_report_ref"]
    assert (await as_("it_a").get(f"{LOANS}/{loan_id}")).json()["state"] == "active"


async def test_a_theft_with_its_police_report_marks_the_device_stolen(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/theft",
        json={
            "incident_on": today().isoformat(),
            "circumstances": "arraché dans la rue",
            "police_report_ref": "PV 2026/00123",
            "police_report_on": today().isoformat(),
        },
    )
    body = response.json()
    assert (body["state"], body["police_report_ref"]) == ("stolen", "PV 2026/00123")
    assert (await as_("it_a").get("/api/v1/assets/A-1")).json()["state"] == "stolen"


async def test_cancelling_a_prepared_loan_frees_the_device_for_another_student(as_, world):
    loan_id = await prepare(as_, world, "A-1")
    response = await as_("it_a").post(f"{LOANS}/{loan_id}/cancel", json={"reason": "erreur"})
    assert (response.json()["state"], response.json()["circumstances"]) == ("cancelled", "erreur")
    other = (await make_student()).id
    again = await as_("it_a").post(LOANS, json={"asset_tag": "A-1", "student_id": other})
    assert again.status_code == 201


async def test_cancelling_a_handed_over_loan_is_refused_with_the_reason(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(f"{LOANS}/{loan_id}/cancel", json={})
    refused(response, "l'appareil a été remis : enregistrez un retour, une perte ou un vol")


async def test_a_transfer_continues_the_loan_at_another_school_of_the_region(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/transfer", json={"to_establishment_uai": UAI_B.lower()}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["loan"]["state"], body["new_establishment_uai"]) == ("transferred", UAI_B)
    new = await as_("it_b").get(f"{LOANS}/{body['new_loan_id']}")
    assert (new.json()["state"], new.json()["previous_id"]) == ("active", loan_id)
    assert (await as_("it_a").get(f"{LOANS}/{body['new_loan_id']}")).status_code == 404
    history = (await as_("it_b").get(f"{LOANS}/{body['new_loan_id']}/history")).json()
    assert [e["action"] for e in history][:2] == ["transfer_in", "transfer"]


async def test_a_transfer_to_a_school_of_another_region_is_refused_naming_it(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/transfer", json={"to_establishment_uai": UAI_C}
    )
    assert_problem(response, 422, "to_establishment_uai")


async def test_a_transfer_to_the_same_school_is_refused_naming_it(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/transfer", json={"to_establishment_uai": UAI_A}
    )
    assert_problem(response, 422, "to_establishment_uai")


async def student_leaves(loan_id: int, on: dt.date) -> None:
    student_id = (await Loan.select(Loan.student).where(Loan.id == loan_id).first())["student"]
    await students.mark_left(PLATFORM, ACTOR, NOW, student_id, on)


async def test_cession_is_refused_unless_the_region_allows_it(as_, world):
    loan_id = await active(as_, world, "A-1")
    await student_leaves(loan_id, today())
    refused(await as_("it_a").post(f"{LOANS}/{loan_id}/cede"), "ne permet pas de céder")
    await policy.update_policy(PLATFORM, ACTOR, NOW, "24", {"cession_allowed": True})
    response = await as_("it_a").post(f"{LOANS}/{loan_id}/cede")
    assert (response.status_code, response.json()["state"]) == (200, "ceded")
    assert (await as_("it_a").get("/api/v1/assets/A-1")).json()["state"] == "ceded"


async def test_cession_before_the_end_of_schooling_is_refused_to_the_desk(as_, world):
    await policy.update_policy(PLATFORM, ACTOR, NOW, "24", {"cession_allowed": True})
    loan_id = await active(as_, world, "A-1")
    body = names(await as_("it_a").post(f"{LOANS}/{loan_id}/cede"), 409, "override_reason")
    assert "fin de la scolarité" in body
    with_reason = await as_("it_a").post(
        f"{LOANS}/{loan_id}/cede", json={"override_reason": "déménagement à l'étranger"}
    )
    assert "gestionnaire de région" in names(with_reason, 409, "override_reason")
    assert (await as_("it_a").get("/api/v1/assets/A-1")).json()["state"] == "in_stock"


async def test_a_region_manager_derogates_with_a_reason_kept_in_the_history(as_, world):
    await policy.update_policy(PLATFORM, ACTOR, NOW, "24", {"cession_allowed": True})
    loan_id = await active(as_, world, "A-1")
    manager = as_("manager_24")
    names(await manager.post(f"{LOANS}/{loan_id}/cede", json={}), 409, "override_reason")
    response = await manager.post(
        f"{LOANS}/{loan_id}/cede", json={"override_reason": "élève en soins longue durée"}
    )
    assert (response.status_code, response.json()["state"]) == (200, "ceded")
    history = (await manager.get(f"{LOANS}/{loan_id}/history")).json()
    ceded = next(event for event in history if event["action"] == "cede")
    assert ceded["changes"]["circumstances"][1].endswith(": élève en soins longue durée")


async def test_a_manager_of_another_region_cannot_cede_the_loan(as_, world):
    await policy.update_policy(PLATFORM, ACTOR, NOW, "24", {"cession_allowed": True})
    loan_id = await active(as_, world, "A-1")
    response = await as_("manager_44").post(
        f"{LOANS}/{loan_id}/cede", json={"override_reason": "motif"}
    )
    assert_problem(response, 404)


async def test_cession_needs_no_reason_once_the_loan_has_come_due(as_, world):
    await policy.update_policy(PLATFORM, ACTOR, NOW, "24", {"cession_allowed": True})
    loan_id = await active(as_, world, "A-1")
    await Loan.update({Loan.due_on: today()}).where(Loan.id == loan_id)
    response = await as_("it_a").post(f"{LOANS}/{loan_id}/cede")
    assert (response.status_code, response.json()["state"]) == (200, "ceded")


CLOSED_LOAN_ACTIONS = [
    ("issue-agreement", None),
    ("paper-signature", {"signed_on": "2026-09-01"}),
    ("hand-over", {}),
    ("return", {"accessories_returned": [], "condition": "A"}),
    ("loss", {"incident_on": "2026-09-01", "circumstances": "perdu"}),
    (
        "theft",
        {
            "incident_on": "2026-09-01",
            "circumstances": "volé",
            "police_report_ref": "PV 1",
            "police_report_on": "2026-09-01",
        },
    ),
    ("cancel", {}),
    ("transfer", {"to_establishment_uai": UAI_B}),
]


@pytest.mark.parametrize(("action", "body"), CLOSED_LOAN_ACTIONS)
async def test_a_returned_loan_refuses_every_further_transition_with_its_reason(
    as_, world, action, body
):
    loan_id = await active(as_, world, "A-1")
    await as_("it_a").post(
        f"{LOANS}/{loan_id}/return", json={"accessories_returned": [], "condition": "A"}
    )
    response = await as_("it_a").post(f"{LOANS}/{loan_id}/{action}", json=body)
    refused(response, "le prêt est clos (rendu)")


async def test_the_history_lists_every_step_newest_first_with_its_author(as_, world):
    loan_id = await active(as_, world, "A-1")
    history = (await as_("manager_24").get(f"{LOANS}/{loan_id}/history")).json()
    assert [event["action"] for event in history] == [
        "hand_over",
        "paper_signature",
        "prepare_loan",
    ]
    assert {event["actor_name"] for event in history} == {"it_a"}


# Scope and roles ------------------------------------------------------------------------------


async def test_it_staff_of_another_school_do_not_find_the_loan(as_, world):
    loan_id = await signed(as_, world, "A-1")
    client = as_("it_b")
    assert_problem(await client.get(f"{LOANS}/{loan_id}"), 404)
    assert_problem(await client.get(f"{LOANS}/{loan_id}/history"), 404)
    assert_problem(await client.post(f"{LOANS}/{loan_id}/hand-over", json={}), 404)
    assert (await client.get(LOANS)).json()["total"] == 0


async def test_the_head_of_school_reads_but_does_not_lend(as_, world):
    loan_id = await signed(as_, world, "A-1")
    head = as_("head_a")
    assert (await head.get(f"{LOANS}/{loan_id}")).status_code == 200
    assert (await head.get(LOANS)).json()["total"] == 1
    assert_problem(await head.post(f"{LOANS}/{loan_id}/hand-over", json={}), 403)
    await make_asset("A-2", UAI_A, world.model_id)
    student = (await make_student()).id
    assert_problem(await head.post(LOANS, json={"asset_tag": "A-2", "student_id": student}), 403)


async def test_the_region_manager_reads_the_regions_loans_and_does_not_act_on_them(as_, world):
    loan_id = await signed(as_, world, "A-1")
    manager = as_("manager_24")
    assert (await manager.get(f"{LOANS}/{loan_id}")).status_code == 200
    assert_problem(await manager.post(f"{LOANS}/{loan_id}/cancel", json={}), 403)


async def test_another_regions_manager_does_not_find_the_loan(as_, world):
    loan_id = await signed(as_, world, "A-1")
    assert_problem(await as_("manager_44").get(f"{LOANS}/{loan_id}"), 404)
    assert (await as_("manager_44").get(LOANS)).json()["total"] == 0


async def test_an_administrator_acts_on_any_loan(as_, world):
    loan_id = await signed(as_, world, "A-1")
    response = await as_("admin").post(f"{LOANS}/{loan_id}/hand-over", json={})
    assert response.json()["state"] == "active"


async def test_without_credentials_the_loans_are_closed(client, world):
    assert_problem(await client.get(LOANS), 401)


# Lists -----------------------------------------------------------------------------------------


async def test_the_list_filters_by_state_and_school_and_pages(as_, world):
    await active(as_, world, "A-1")
    await prepare(as_, world, "A-2")
    await prepare(as_, world, "B-1", school="B", persona="it_b")
    client = as_("manager_24")
    everything = (await client.get(LOANS, params={"limit": 2})).json()
    assert (everything["total"], len(everything["items"])) == (3, 2)
    in_a = (await client.get(LOANS, params={"establishment": UAI_A})).json()
    assert {loan["asset_tag"] for loan in in_a["items"]} == {"A-1", "A-2"}
    awaiting = (await client.get(LOANS, params={"state": "awaiting_signature"})).json()
    assert {loan["asset_tag"] for loan in awaiting["items"]} == {"A-2", "B-1"}


async def test_the_list_shows_overdue_loans_only_when_asked(as_, world):
    student = (await make_student()).id
    await make_asset("A-1", UAI_A, world.model_id)
    loan_id = await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag="A-1", student_id=student, max_open_per_category=1
    )
    await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan_id, NOW.date())
    await lifecycle.hand_over(PLATFORM, ACTOR, NOW, loan_id, [], today() - dt.timedelta(days=3))
    await active(as_, world, "A-2")
    body = (await as_("it_a").get(LOANS, params={"overdue": "true"})).json()
    assert [(loan["id"], loan["overdue"]) for loan in body["items"]] == [(loan_id, True)]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"state": "borrowed"}, "state"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset")],
)
async def test_a_wrong_list_filter_is_named(as_, world, params, field):
    assert_problem(await as_("it_a").get(LOANS, params=params), 422, field)


# Races -----------------------------------------------------------------------------------------


async def test_a_hundred_simultaneous_hand_overs_of_one_loan_succeed_once(app, as_, world):
    loan_id = await signed(as_, world, "A-1")
    await policy.policy_for_region(world.region_ids["24"], NOW)
    responses = await asyncio.gather(
        *(as_("it_a").post(f"{LOANS}/{loan_id}/hand-over", json={}) for _ in range(100))
    )
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 99}
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "state")
    hand_overs = await LoanEvent.count().where(
        (LoanEvent.loan == loan_id) & (LoanEvent.action == "hand_over")
    )
    assert hand_overs == 1


async def test_a_hundred_students_asking_for_the_same_device_at_once_get_one_loan(as_, world):
    await make_asset("A-1", UAI_A, world.model_id)
    await policy.policy_for_region(world.region_ids["24"], NOW)
    students = [(await make_student()).id for _ in range(100)]
    responses = await asyncio.gather(
        *(as_("it_a").post(LOANS, json={"asset_tag": "A-1", "student_id": s}) for s in students)
    )
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 99}
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "asset_tag")
    assert await Loan.count().where(Loan.asset.tag == "A-1") == 1


# Photos ----------------------------------------------------------------------------------------


async def upload(client, loan_id: int, *files: tuple[str, bytes, str]):
    return await client.post(
        f"{LOANS}/{loan_id}/photos",
        files=[("photos", (name, content, kind)) for name, content, kind in files],
    )


async def test_damage_photos_are_kept_with_the_loan_and_served_back(app, as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await upload(
        as_("it_a"), loan_id, ("ecran.jpg", JPEG, "image/jpeg"), ("coque.png", PNG, "image/png")
    )
    assert response.status_code == 201, response.text
    added = response.json()
    assert [photo["content_type"] for photo in added] == ["image/jpeg", "image/png"]
    served = await as_("head_a").get(added[0]["href"])
    assert (served.status_code, served.content) == (200, JPEG)
    assert served.headers["content-type"] == "image/jpeg"
    stored = await Document.select(Document.kind, Document.sha256, Document.loan).order_by(
        Document.id
    )
    assert stored == [
        {"kind": "photo", "sha256": sha256_of(JPEG), "loan": loan_id},
        {"kind": "photo", "sha256": sha256_of(PNG), "loan": loan_id},
    ]
    assert await app.state["storage"].exists(sha256_of(PNG))
    listed = (await as_("manager_24").get(f"{LOANS}/{loan_id}/photos")).json()
    assert [photo["id"] for photo in listed] == [photo["id"] for photo in added]


async def test_a_photo_is_not_served_outside_the_scope(as_, world):
    loan_id = await active(as_, world, "A-1")
    added = (await upload(as_("it_a"), loan_id, ("p.jpg", JPEG, "image/jpeg"))).json()
    assert_problem(await as_("it_b").get(added[0]["href"]), 404)
    assert_problem(await as_("manager_44").get(added[0]["href"]), 404)
    assert_problem(await as_("it_b").get(f"{LOANS}/{loan_id}/photos"), 404)


async def test_a_photo_of_another_loan_is_not_served_under_this_one(as_, world):
    first = await active(as_, world, "A-1")
    second = await active(as_, world, "A-2")
    added = (await upload(as_("it_a"), first, ("p.jpg", JPEG, "image/jpeg"))).json()
    response = await as_("it_a").get(f"{LOANS}/{second}/photos/{added[0]['id']}")
    assert_problem(response, 404)


async def test_a_file_that_is_not_a_jpeg_or_png_is_refused_naming_it(app, as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await upload(
        as_("it_a"),
        loan_id,
        ("p.jpg", JPEG, "image/jpeg"),
        ("note.jpg", b"<script>alert(1)</script>", "image/jpeg"),
    )
    assert "JPEG ou PNG" in names(response, 422, "photos[1]")
    assert (await LoanPhoto.count(), await Document.count()) == (0, 0)
    assert not await app.state["storage"].exists(sha256_of(JPEG))


async def test_a_photo_over_five_megabytes_is_refused_naming_it(as_, world):
    loan_id = await active(as_, world, "A-1")
    heavy = JPEG + b"\x00" * (5 * 1024 * 1024)
    response = await upload(as_("it_a"), loan_id, ("big.jpg", heavy, "image/jpeg"))
    assert "5 Mo" in names(response, 422, "photos[0]")


async def test_a_request_without_a_photo_is_refused_naming_photos(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/photos", files={"note": (None, "pas de photo")}
    )
    assert_problem(response, 422, "photos")


async def test_photos_wait_until_the_device_is_handed_over(as_, world):
    loan_id = await signed(as_, world, "A-1")
    response = await upload(as_("it_a"), loan_id, ("p.jpg", JPEG, "image/jpeg"))
    assert_problem(response, 409, "photos")


async def test_the_head_of_school_may_not_add_photos(as_, world):
    loan_id = await active(as_, world, "A-1")
    response = await upload(as_("head_a"), loan_id, ("p.jpg", JPEG, "image/jpeg"))
    assert_problem(response, 403)
    assert await LoanPhoto.count() == 0


async def test_a_photo_form_sent_with_a_session_cookie_alone_is_refused(app, world):
    """A cross-site page could post a multipart form with the cookie: it must not get through
    without the header only a script of this site can add."""
    from tests.api.test_pages import log_in
    from tests.conftest import client_for

    loan_id = await lifecycle_loan(world)
    async with client_for(app) as browser:
        assert (await log_in(browser, "it_a")).status_code == 303
        files = [("photos", ("p.jpg", JPEG, "image/jpeg"))]
        refused_upload = await browser.post(f"{LOANS}/{loan_id}/photos", files=files)
        assert_problem(refused_upload, 415)
        allowed = await browser.post(
            f"{LOANS}/{loan_id}/photos", files=files, headers={"X-Requested-With": "fetch"}
        )
        assert allowed.status_code == 201, allowed.text


async def lifecycle_loan(world) -> int:
    from tests.factories import active_loan

    return await active_loan(world, "A-9", UAI_A, (await make_student()).id)


async def test_the_state_of_a_lent_device_cannot_be_patched_around_its_loan(as_, world):
    from tests.factories import active_loan, make_student

    loan_id = await active_loan(world, "LENT-1", UAI_A, (await make_student()).id)
    response = await as_("it_a").patch("/api/v1/assets/LENT-1", json={"state": "lost"})
    assert response.status_code == 409
    assert f"prêt n° {loan_id}" in response.json()["detail"]
    notes = await as_("it_a").patch("/api/v1/assets/LENT-1", json={"notes": "rayure"})
    assert notes.status_code == 200
