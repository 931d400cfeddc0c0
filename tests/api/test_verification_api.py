"""`POST /api/v1/documents/verify`: anyone checks a PDF's seal, without an account, sending
the file as a multipart form or as the raw body. Files sealed with this installation's own
(demonstration) seal, as the app makes it in its var directory."""

from __future__ import annotations

import pytest

from api.clock import utcnow
from api.infra.seal import seal_key_for
from loans.sealing import load_seal_key, make_demo_seal, seal_async
from tests.api.problems import assert_problem
from tests.conftest import client_for
from tests.loans.test_sealing import agreement

VERIFY = "/api/v1/documents/verify"


@pytest.fixture
async def sealed(app) -> bytes:
    key = seal_key_for(app.state["settings"])
    return await seal_async(agreement(), key, reason="Convention", location="Orléans", now=utcnow())


@pytest.fixture
async def anonymous(app):
    async with client_for(app) as client:
        yield client


async def test_a_sealed_file_sent_as_a_form_is_intact_by_the_demonstration_seal(anonymous, sealed):
    response = await anonymous.post(
        VERIFY, files={"file": ("convention.pdf", sealed, "application/pdf")}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: body[k] for k in ("status", "intact", "sealed", "trusted", "demonstration")} == {
        "status": "intact",
        "intact": True,
        "sealed": True,
        "trusted": True,
        "demonstration": True,
    }
    assert body["signer"] == "Région de démonstration, ordipret"
    assert body["signed_at"]
    assert body["summary"].startswith("Document intact, scellé par Région de démonstration")


async def test_a_sealed_file_sent_as_the_raw_body_is_intact(anonymous, sealed):
    response = await anonymous.post(
        VERIFY, content=sealed, headers={"Content-Type": "application/pdf"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "intact"


async def test_a_file_with_one_byte_changed_is_altered(anonymous, sealed):
    at = sealed.index(b"CVL-000123")
    tampered = sealed[:at] + b"D" + sealed[at + 1 :]
    response = await anonymous.post(
        VERIFY, files={"file": ("convention.pdf", tampered, "application/pdf")}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["intact"], body["sealed"]) == ("altered", False, True)
    assert body["summary"].startswith("Document modifié après son scellement")


async def test_an_unsealed_pdf_says_so(anonymous):
    response = await anonymous.post(
        VERIFY, content=agreement(), headers={"Content-Type": "application/pdf"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["sealed"], body["intact"], body["trusted"]) == (
        "unsealed",
        False,
        False,
        False,
    )
    assert body["signer"] is None and body["signed_at"] is None


@pytest.mark.parametrize(
    "garbage", [b"pas un PDF du tout", b"%PDF-1.7\n\x00\x01\x02 tronque", b"\x89PNG\r\n\x1a\n"]
)
async def test_garbage_is_a_problem_naming_the_file(anonymous, garbage):
    response = await anonymous.post(VERIFY, files={"file": ("x.pdf", garbage, "application/pdf")})
    body = assert_problem(response, 422, "file")
    assert "illisible" in body["errors"][0]["detail"]


async def test_an_empty_body_or_a_form_without_a_file_is_a_problem_naming_the_file(anonymous):
    empty = await anonymous.post(VERIFY, content=b"", headers={"Content-Type": "application/pdf"})
    assert_problem(empty, 422, "file")
    no_file = await anonymous.post(VERIFY, files={"other": ("", b"", "text/plain")}, data={})
    assert_problem(no_file, 422, "file")


async def test_a_file_over_the_limit_is_refused(anonymous):
    response = await anonymous.post(
        VERIFY,
        content=b"%PDF-1.7\n" + b"0" * (22 * 1024 * 1024),
        headers={"Content-Type": "application/pdf"},
    )
    assert response.status_code == 413


async def test_a_signed_in_client_gets_the_same_answer(as_, sealed):
    response = await as_("it_a").post(
        VERIFY, content=sealed, headers={"Content-Type": "application/pdf"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "intact"


async def test_a_seal_by_another_certificate_is_intact_but_not_trusted(anonymous):
    stranger = load_seal_key(make_demo_seal("Région inconnue", utcnow()), None)
    other = await seal_async(
        agreement(), stranger, reason="Convention", location="Ailleurs", now=utcnow()
    )
    response = await anonymous.post(
        VERIFY, content=other, headers={"Content-Type": "application/pdf"}
    )
    body = response.json()
    assert (body["status"], body["trusted"]) == ("intact", False)
    assert "pas un certificat de confiance" in body["summary"]
