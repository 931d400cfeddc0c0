"""Every route that resolves a scanned or typed code (a tag, a serial, a label code or its URL,
even mangled by an AZERTY keyboard) treats a device outside the caller's scope exactly as a
code that exists nowhere: no tag, serial, model, school or region comes back, and nothing of it
is kept in a stocktake's lists, CSV or PDF."""

from __future__ import annotations

import json

import pypdfium2
import pytest

from tests.api.problems import assert_problem
from tests.factories import UAI_A, UAI_B, UAI_C, World, make_asset
from tests.labels.test_scan import blank_label, mangle, stick_label

STOCKTAKES = "/api/v1/stocktakes"
SERIAL_B, SERIAL_C = "SNB0000042", "SNC0000043"
CODE_B, CODE_C = "HB4N8RT2ZD", "M4ZQ7WKA3P"
SECRETS = ("B-1", "C-1", SERIAL_B, SERIAL_C, "Lycée B", "Lycée C", UAI_B, UAI_C)


@pytest.fixture
async def fleet(world: World) -> World:
    """A-1 in lycée A; B-1 in lycée B (region 24), C-1 in lycée C (region 44), both labelled."""
    await make_asset("A-1", UAI_A, world.model_id)
    await make_asset("B-1", UAI_B, world.model_id, serial=SERIAL_B)
    await make_asset("C-1", UAI_C, world.model_id, serial=SERIAL_C)
    await stick_label(CODE_B, "B-1")
    await stick_label(CODE_C, "C-1")
    return world


def forms_of(tag: str, serial: str, code: str) -> list[str]:
    url = f"https://ordipret.example.fr/a/{code}"
    return [tag, tag.lower(), serial, code, url, mangle(url.upper()), mangle(tag)]


# (persona, the device's tag, serial and label code): devices that persona may not see.
OUT_OF_SCOPE = [
    ("it_a", "B-1", SERIAL_B, CODE_B),  # another school of the same region
    ("it_a", "C-1", SERIAL_C, CODE_C),  # another region
    ("manager_24", "C-1", SERIAL_C, CODE_C),
]
CASES = [
    pytest.param(persona, typed, id=f"{persona}-{typed}")
    for persona, tag, serial, code in OUT_OF_SCOPE
    for typed in forms_of(tag, serial, code)
]


def leaks(text: str, typed: str = "") -> list[str]:
    """What `text` tells of the devices out of scope, beyond echoing what was typed."""
    if typed:
        for echoed in (typed, json.dumps(typed)[1:-1], typed.upper()):
            text = text.replace(echoed, "")
    return [secret for secret in SECRETS if secret in text]


async def open_a(as_, persona: str) -> int:
    response = await as_(persona).post(STOCKTAKES, json={"establishment_uai": UAI_A})
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.parametrize(("persona", "typed"), CASES)
async def test_a_stocktake_scan_of_a_device_out_of_scope_is_recorded_as_unknown(
    as_, fleet, persona, typed
):
    client = as_(persona)
    stocktake_id = await open_a(as_, persona)
    response = await client.post(f"{STOCKTAKES}/{stocktake_id}/scans", json={"code": typed})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["outcome"] == "unknown" and body["device"] is None
    assert leaks(response.text, typed) == []
    status = await client.get(f"{STOCKTAKES}/{stocktake_id}")
    assert status.json()["unexpected"] == [] and leaks(status.text, typed) == []
    csv = await client.get(f"{STOCKTAKES}/{stocktake_id}/report.csv")
    assert leaks(csv.content.decode("utf-8-sig"), typed) == []


async def test_the_stocktake_pdf_keeps_nothing_of_a_device_out_of_scope(as_, fleet):
    stocktake_id = await open_a(as_, "it_a")
    for typed in (CODE_B, CODE_C):
        await as_("it_a").post(f"{STOCKTAKES}/{stocktake_id}/scans", json={"code": typed})
    response = await as_("it_a").get(f"{STOCKTAKES}/{stocktake_id}/report.pdf")
    pdf = pypdfium2.PdfDocument(response.content)
    text = " ".join(page.get_textpage().get_text_range() for page in pdf)
    assert leaks(" ".join(text.split())) == []


async def test_an_admin_scanning_another_regions_device_learns_nothing_in_this_stocktake(
    as_, fleet
):
    """The school's staff read the stocktake afterwards: another region's device is unknown
    there, whoever scanned it."""
    stocktake_id = await open_a(as_, "admin")
    response = await as_("admin").post(f"{STOCKTAKES}/{stocktake_id}/scans", json={"code": "C-1"})
    assert response.json()["outcome"] == "unknown"
    status = await as_("it_a").get(f"{STOCKTAKES}/{stocktake_id}")
    assert leaks(status.text, "C-1") == []


async def test_a_device_of_another_school_in_scope_is_unexpected_with_its_home(as_, fleet):
    stocktake_id = await open_a(as_, "manager_24")
    response = await as_("manager_24").post(
        f"{STOCKTAKES}/{stocktake_id}/scans", json={"code": SERIAL_B}
    )
    body = response.json()
    assert body["outcome"] == "unexpected"
    assert body["device"]["home"] == {"uai": UAI_B, "name": "Lycée B"}


@pytest.mark.parametrize(("persona", "typed"), CASES)
async def test_the_scan_route_answers_a_device_out_of_scope_as_unknown(as_, fleet, persona, typed):
    response = await as_(persona).get("/api/v1/scan", params={"code": typed})
    assert_problem(response, 404)
    assert leaks(response.text, typed) == []


@pytest.mark.parametrize(
    ("persona", "typed"),
    [case for case in CASES if case.values[1] not in (CODE_B, CODE_C) and "/" not in case.values[1]]
    + [pytest.param("it_a", mangle("B-1"), id="mangled")],
)
async def test_binding_a_label_to_a_device_out_of_scope_is_not_found(as_, fleet, persona, typed):
    await blank_label("Q2WM6XKP9A", fleet.region_ids["24"])
    response = await as_(persona).post(
        "/api/v1/labels/bind", json={"code": "Q2WM6XKP9A", "asset": typed}
    )
    assert_problem(response, 404)
    assert leaks(response.text, typed) == []


async def test_a_label_of_another_region_is_unknown_when_binding(as_, fleet):
    await blank_label("Q2WM6XKP9A", fleet.region_ids["44"])
    response = await as_("it_a").post(
        "/api/v1/labels/bind", json={"code": "Q2WM6XKP9A", "asset": "A-1"}
    )
    assert_problem(response, 404)
    assert "région" not in response.json()["detail"]
