"""The stocktake API: roles and scopes by persona, validation naming fields, the scan flow,
closing, declaring lost, and the CSV and PDF reports."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections import Counter

import pypdfium2
import pytest
import pytest_asyncio

from inventory.tables import Asset
from tests.api.problems import assert_problem
from tests.api.test_pages import csrf_token
from tests.factories import UAI_A, UAI_B, UAI_C, World, make_asset, make_location

STOCKTAKES = "/api/v1/stocktakes"


@pytest_asyncio.fixture(loop_scope="session")
async def shelf(world: World) -> World:
    """Lycée A: A-1, A-2, A-3 in stock on Chariot 2 (Salle 104 holds them too, when asked),
    A-9 stolen. Lycée B: B-1. Lycée C: C-1."""
    for tag in ("A-1", "A-2", "A-3"):
        await make_asset(tag, UAI_A, world.model_id)
    await make_asset("A-9", UAI_A, world.model_id, state="stolen")
    await make_asset("B-1", UAI_B, world.model_id)
    await make_asset("C-1", UAI_C, world.model_id)
    for place in ("Chariot 1", "Salle 1", "Salle 2"):  # empty ones
        await make_location(UAI_A, place)
    await make_location(UAI_A, "Chariot 2", "cart", "A-1", "A-2", "A-3", "A-9")
    return world


async def open_a(as_, persona: str = "it_a", **body) -> dict:
    response = await as_(persona).post(STOCKTAKES, json={"establishment_uai": UAI_A, **body})
    assert response.status_code == 201, response.text
    return response.json()


async def scan(as_, stocktake_id: int, code: str, persona: str = "it_a"):
    return await as_(persona).post(f"{STOCKTAKES}/{stocktake_id}/scans", json={"code": code})


# Opening, reading, roles and scopes


async def test_it_staff_opens_a_stocktake_of_their_school(as_, shelf):
    body = await open_a(as_, location="Chariot 2")
    assert body["establishment"] == {"uai": UAI_A, "name": "Lycée A"}
    assert body["location"] == "Chariot 2" and body["is_open"] is True
    assert body["opened_by"] == "it_a" and body["closed_at"] is None
    assert body["counts"] == {"expected": 3, "found": 0, "missing": 3, "unexpected": 0}


@pytest.mark.parametrize("persona", ["manager_24", "admin"])
async def test_region_managers_and_admins_open_stocktakes_too(as_, shelf, persona):
    assert (await open_a(as_, persona))["counts"]["expected"] == 3


@pytest.mark.parametrize("persona", ["it_b", "manager_44"])
async def test_opening_for_a_school_out_of_scope_names_the_establishment(as_, shelf, persona):
    response = await as_(persona).post(STOCKTAKES, json={"establishment_uai": UAI_A})
    assert_problem(response, 422, "establishment_uai")


async def test_a_head_of_school_reads_but_does_not_count(as_, shelf):
    response = await as_("head_a").post(STOCKTAKES, json={"establishment_uai": UAI_A})
    assert_problem(response, 403)
    stocktake_id = (await open_a(as_))["id"]
    head = as_("head_a")
    assert (await head.get(f"{STOCKTAKES}/{stocktake_id}")).status_code == 200
    assert (await head.get(f"{STOCKTAKES}/{stocktake_id}/report.csv")).status_code == 200
    assert_problem(await scan(as_, stocktake_id, "A-1", persona="head_a"), 403)
    assert_problem(await head.post(f"{STOCKTAKES}/{stocktake_id}/close"), 403)
    declare = {"all": True, "confirm": True}
    assert_problem(await head.post(f"{STOCKTAKES}/{stocktake_id}/declare-lost", json=declare), 403)


@pytest.mark.parametrize("persona", ["it_b", "manager_44"])
async def test_a_stocktake_out_of_scope_is_not_found(as_, shelf, persona):
    stocktake_id = (await open_a(as_))["id"]
    other = as_(persona)
    for path in ("", "/report.pdf", "/report.csv"):
        assert_problem(await other.get(f"{STOCKTAKES}/{stocktake_id}{path}"), 404)
    assert_problem(await scan(as_, stocktake_id, "A-1", persona=persona), 404)
    assert_problem(await other.post(f"{STOCKTAKES}/{stocktake_id}/close"), 404)
    listed = await other.get(STOCKTAKES, params={"establishment": UAI_A})
    assert listed.status_code == 200 and listed.json()["items"] == []


async def test_the_list_filters_by_school_and_open_or_closed(as_, shelf):
    first = (await open_a(as_, location="Salle 1"))["id"]
    second = (await open_a(as_, location="Salle 2"))["id"]
    await as_("it_a").post(f"{STOCKTAKES}/{first}/close")
    client = as_("manager_24")

    async def ids(**params) -> list[int]:
        response = await client.get(STOCKTAKES, params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids() == [second, first]
    assert await ids(establishment=UAI_A, open="true") == [second]
    assert await ids(establishment=UAI_A, open="false") == [first]
    assert await ids(establishment=UAI_B) == []
    # A page of one, then the next by its cursor (the list is an object since issue 13).
    page = (await client.get(STOCKTAKES, params={"limit": 1})).json()
    assert [item["id"] for item in page["items"]] == [second] and page["total"] == 2
    after = await client.get(STOCKTAKES, params={"limit": 1, "cursor": page["next_cursor"]})
    assert [item["id"] for item in after.json()["items"]] == [first]
    assert after.json()["next_cursor"] is None
    assert_problem(await client.get(STOCKTAKES, params={"cursor": "zéro"}), 400, "cursor")


async def test_a_second_open_stocktake_of_the_same_place_is_a_conflict(as_, shelf):
    await open_a(as_)
    response = await as_("it_a").post(STOCKTAKES, json={"establishment_uai": UAI_A})
    assert_problem(response, 409, "establishment_uai")
    await open_a(as_, location="Chariot 1")
    response = await as_("it_a").post(
        STOCKTAKES, json={"establishment_uai": UAI_A, "location": "CHARIOT 1"}
    )
    assert_problem(response, 409, "location")


async def test_simultaneous_openings_give_one_stocktake_and_conflicts(as_, shelf):
    responses = await asyncio.gather(
        *(as_("it_a").post(STOCKTAKES, json={"establishment_uai": UAI_A}) for _ in range(6))
    )
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 5}


# Validation


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "establishment_uai"),
        ({"establishment_uai": UAI_A, "room": "12"}, 400, "room"),
        ({"establishment_uai": 12}, 400, "establishment_uai"),
        ({"establishment_uai": "nope"}, 422, "establishment_uai"),
        ({"establishment_uai": UAI_A, "location": "x" * 81}, 422, "location"),
    ],
)
async def test_a_malformed_opening_names_the_field(as_, shelf, body, status, field):
    assert_problem(await as_("it_a").post(STOCKTAKES, json=body), status, field)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "code"),
        ({"code": 12}, 400, "code"),
        ({"code": "   "}, 422, "code"),
        ({"code": "x" * 201}, 422, "code"),
        ({"code": "A-1", "extra": 1}, 400, "extra"),
    ],
)
async def test_a_malformed_scan_names_the_field_and_records_nothing(
    as_, shelf, body, status, field
):
    stocktake_id = (await open_a(as_))["id"]
    response = await as_("it_a").post(f"{STOCKTAKES}/{stocktake_id}/scans", json=body)
    assert_problem(response, status, field)
    counts = (await as_("it_a").get(f"{STOCKTAKES}/{stocktake_id}")).json()["stocktake"]["counts"]
    assert counts["found"] == 0


@pytest.mark.parametrize("stocktake_id", ["0", "2147483648"])
async def test_a_stocktake_number_out_of_bounds_is_refused_not_a_500(as_, shelf, stocktake_id):
    response = await as_("it_a").get(f"{STOCKTAKES}/{stocktake_id}")
    assert_problem(response, 400, "stocktake_id")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"all": True}, "confirm"),
        ({"all": True, "confirm": False}, "confirm"),
        ({"confirm": True}, "tags"),
        ({"all": True, "tags": ["A-2"], "confirm": True}, "tags"),
    ],
)
async def test_declaring_lost_needs_a_confirmation_and_one_choice(as_, shelf, body, field):
    stocktake_id = (await open_a(as_))["id"]
    await as_("it_a").post(f"{STOCKTAKES}/{stocktake_id}/close")
    response = await as_("it_a").post(f"{STOCKTAKES}/{stocktake_id}/declare-lost", json=body)
    assert_problem(response, 422, field)
    assert await Asset.count().where(Asset.state == "lost") == 0


# The scan flow


async def test_scans_answer_the_outcome_and_the_new_counts(as_, shelf):
    stocktake_id = (await open_a(as_))["id"]
    found = await scan(as_, stocktake_id, "a-1\r\n")
    assert found.status_code == 201, found.text
    body = found.json()
    assert (body["outcome"], body["message"]) == ("found", "A-1 trouvé.")
    assert body["counts"] == {"expected": 3, "found": 1, "missing": 2, "unexpected": 0}
    again = (await scan(as_, stocktake_id, "A-1")).json()
    assert again["outcome"] == "duplicate" and again["counts"]["found"] == 1
    elsewhere = (await scan(as_, stocktake_id, "B-1", persona="it_ab")).json()
    assert elsewhere["outcome"] == "unexpected"
    assert elsewhere["device"]["home"] == {"uai": UAI_B, "name": "Lycée B"}
    assert "Lycée B" in elsewhere["message"]
    unknown = (await scan(as_, stocktake_id, "NOPE")).json()
    assert unknown["outcome"] == "unknown" and unknown["device"] is None
    assert unknown["counts"] == {"expected": 3, "found": 1, "missing": 2, "unexpected": 1}
    status = (await as_("head_a").get(f"{STOCKTAKES}/{stocktake_id}")).json()
    assert [line["tag"] for line in status["found"]] == ["A-1"]
    assert [line["tag"] for line in status["missing"]] == ["A-2", "A-3"]
    assert [line["tag"] for line in status["unexpected"]] == ["B-1"]
    assert [line["code"] for line in status["unknown"]] == ["NOPE"]


async def test_simultaneous_scans_of_one_device_count_once(as_, shelf):
    stocktake_id = (await open_a(as_))["id"]
    responses = await asyncio.gather(*(scan(as_, stocktake_id, "A-2") for _ in range(8)))
    outcomes = Counter(r.json()["outcome"] for r in responses)
    assert outcomes == {"found": 1, "duplicate": 7}


async def test_a_closed_stocktake_refuses_scans_and_a_second_close(as_, shelf):
    stocktake_id = (await open_a(as_))["id"]
    closed = await as_("it_a").post(f"{STOCKTAKES}/{stocktake_id}/close")
    assert closed.status_code == 200 and closed.json()["is_open"] is False
    assert closed.json()["closed_by"] == "it_a"
    assert_problem(await scan(as_, stocktake_id, "A-1"), 409)
    assert_problem(await as_("it_a").post(f"{STOCKTAKES}/{stocktake_id}/close"), 409)


async def test_missing_devices_are_declared_lost_after_closing(as_, shelf):
    stocktake_id = (await open_a(as_))["id"]
    await scan(as_, stocktake_id, "A-1")
    url = f"{STOCKTAKES}/{stocktake_id}/declare-lost"
    assert_problem(await as_("it_a").post(url, json={"all": True, "confirm": True}), 409)
    await as_("it_a").post(f"{STOCKTAKES}/{stocktake_id}/close")
    refused = await as_("it_a").post(url, json={"tags": ["A-1"], "confirm": True})
    assert_problem(refused, 409, "tags")
    response = await as_("it_a").post(url, json={"all": True, "confirm": True})
    assert response.status_code == 200, response.text
    assert response.json()["declared"] == ["A-2", "A-3"]
    history = (await as_("it_a").get("/api/v1/assets/A-2/history")).json()
    assert history[0]["action"] == "declared_lost"
    assert history[0]["changes"]["state"] == ["in_stock", "lost"]
    assert re.fullmatch(
        rf"inventaire n° {stocktake_id} du \d\d/\d\d/\d{{4}}", history[0]["changes"]["reason"][1]
    )
    assert (await as_("it_a").get("/api/v1/assets/A-1")).json()["state"] == "in_stock"


# Reports


async def _counted(as_) -> int:
    """A-1 found (twice), B-1 unexpected (scanned by staff of both schools), a formula-like
    unknown code; A-2 and A-3 missing."""
    await make_location(UAI_A, "Salle 104", "room", "A-1", "A-2", "A-3", "A-9")
    stocktake_id = (await open_a(as_, location="Salle 104"))["id"]
    for code in ("A-1", "A-1", "B-1", "=HYPERLINK(1)"):
        await scan(as_, stocktake_id, code, persona="it_ab" if code == "B-1" else "it_a")
    await as_("it_a").post(f"{STOCKTAKES}/{stocktake_id}/close")
    return stocktake_id


async def test_the_csv_report_lists_every_device_with_french_headers(as_, shelf):
    stocktake_id = await _counted(as_)
    response = await as_("head_a").get(f"{STOCKTAKES}/{stocktake_id}/report.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f"inventaire-{stocktake_id}-{UAI_A}.csv" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [(r["Résultat"], r["N° d'inventaire"]) for r in rows] == [
        ("manquant", "A-2"),
        ("manquant", "A-3"),
        ("inattendu", "B-1"),
        ("trouvé", "A-1"),
        ("code inconnu", ""),
    ]
    unexpected = rows[2]
    assert unexpected["Établissement d'affectation"] == "Lycée B"
    assert unexpected["UAI d'affectation"] == UAI_B
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", unexpected["Scanné le"])
    assert unexpected["Scanné par"] == "it_ab"
    assert rows[0]["État"] == "en stock" and rows[0]["Modèle"] == "Lenovo ThinkPad E14"
    assert rows[4]["Code lu"] == "'=HYPERLINK(1)"  # never run as a formula by a spreadsheet


async def test_the_pdf_report_is_a_pdf_with_the_counts_and_lists(as_, shelf):
    stocktake_id = await _counted(as_)
    response = await as_("it_a").get(f"{STOCKTAKES}/{stocktake_id}/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    pdf = pypdfium2.PdfDocument(response.content)
    text = " ".join(pdf[0].get_textpage().get_text_range().split())
    assert f"Inventaire n° {stocktake_id} — Lycée A" in text
    assert "Salle 104" in text and f"UAI {UAI_A}" in text
    for label, count in (("attendus", 3), ("trouvés", 1), ("manquants", 2), ("inattendus", 1)):
        assert f"Appareils {label} {count}" in text
    assert "Appareils manquants (2)" in text and "A-2" in text and "A-3" in text
    assert "Appareils inattendus (1)" in text and "Lycée B" in text
    assert "Appareils trouvés (1)" in text


# The pages, without a browser


async def test_the_pages_refuse_forms_without_the_csrf_token_or_from_a_reader(signed_in, shelf):
    it_a = await signed_in("it_a")
    listing = await it_a.get("/inventaires")
    assert listing.status_code == 200 and "Ouvrir un inventaire" in listing.text
    refused = await it_a.post("/inventaires", data={"establishment_uai": UAI_A})
    assert refused.status_code == 403
    opened = await it_a.post(
        "/inventaires", data={"establishment_uai": UAI_A, "_csrf_token": csrf_token(listing.text)}
    )
    assert opened.status_code == 303
    stocktake_id = int(opened.headers["location"].rsplit("/", 1)[1])
    head = await signed_in("head_a")
    page = await head.get(f"/inventaires/{stocktake_id}")
    assert page.status_code == 200 and 'id="scanner"' not in page.text
    token = csrf_token(page.text)
    for action in ("scans", "cloture", "pertes"):
        response = await head.post(
            f"/inventaires/{stocktake_id}/{action}",
            data={"code": "A-1", "confirm": "oui", "_csrf_token": token},
        )
        assert response.status_code == 403, action
        assert "Accès refusé" in response.text


async def test_a_page_of_a_stocktake_out_of_scope_is_not_found(signed_in, as_, shelf):
    stocktake_id = (await open_a(as_))["id"]
    it_b = await signed_in("it_b")
    response = await it_b.get(f"/inventaires/{stocktake_id}")
    assert response.status_code == 404 and '<html lang="fr">' in response.text


async def test_opening_twice_from_the_page_says_which_stocktake_is_open(signed_in, shelf):
    it_a = await signed_in("it_a")
    token = csrf_token((await it_a.get("/inventaires")).text)
    form = {"establishment_uai": UAI_A, "location": "Salle 7", "_csrf_token": token}
    first = await it_a.post("/inventaires", data=form)
    assert first.status_code == 303
    again = await it_a.post("/inventaires", data=form)
    assert again.status_code == 409
    assert 'aria-invalid="true"' in again.text and "déjà ouvert" in again.text


async def test_a_device_lent_to_a_student_is_not_expected_on_the_shelves(as_, world):
    from tests.factories import active_loan, make_student

    await make_asset("SHELF-1", UAI_A, world.model_id)
    await active_loan(world, "AWAY-1", UAI_A, (await make_student()).id)
    opened = await as_("it_a").post("/api/v1/stocktakes", json={"establishment_uai": UAI_A})
    assert opened.status_code == 201, opened.text
    status = (await as_("it_a").get(f"/api/v1/stocktakes/{opened.json()['id']}")).json()
    expected = {line["tag"] for line in status["missing"]}
    assert "SHELF-1" in expected
    assert "AWAY-1" not in expected
