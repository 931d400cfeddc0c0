"""The sealed convention over HTTP: the last signature seals it, `/verify/{public_id}` (its
QR code) says it awaits signatures until then, then that it is valid; a sealing failure
never undoes the signature, and the verification page seals it later."""

from __future__ import annotations

from api import sealed_agreements
from loans.documents import list_documents
from tests.api.test_agreements_api import LOANS, body, issued
from tests.factories import PLATFORM
from tests.loans.agreement_factories import ADULT


async def sealed_documents(loan_id: int) -> list:
    return [d for d in await list_documents(PLATFORM, loan_id) if d.kind == "sealed_agreement"]


async def test_the_last_signature_seals_the_agreement_under_the_qr_codes_public_id(as_, world):
    loan_id, status = await issued(as_, world, "SA-1", birth_date=ADULT)
    await as_("it_a").post(f"{LOANS}/{loan_id}/signatures", json=body(status, "student"))
    assert await sealed_documents(loan_id) == []
    done = await as_("head_a").post(
        f"{LOANS}/{loan_id}/signatures", json=body(status, "head_of_school")
    )
    assert done.status_code == 201 and done.json()["complete"]
    (sealed,) = await sealed_documents(loan_id)
    assert sealed.public_id == status["public_id"]


async def test_verify_says_an_incomplete_agreement_awaits_signatures_without_names(
    as_, client, world
):
    loan_id, status = await issued(as_, world, "SA-2", birth_date=ADULT)
    await as_("it_a").post(f"{LOANS}/{loan_id}/signatures", json=body(status, "student"))
    page = await client.get(f"/verify/{status['public_id']}")
    assert page.status_code == 200
    assert "en attente de signatures" in page.text and "1 sur 2" in page.text
    student = status["signers"][0]["name"]
    for private in (student, *student.split()):
        assert private not in page.text


async def test_verify_shows_a_sealed_agreement_valid_with_roles_and_initials(as_, client, world):
    loan_id, status = await issued(as_, world, "SA-3", birth_date=ADULT)
    await as_("it_a").post(f"{LOANS}/{loan_id}/signatures", json=body(status, "student"))
    await as_("head_a").post(f"{LOANS}/{loan_id}/signatures", json=body(status, "head_of_school"))
    page = await client.get(f"/verify/{status['public_id']}")
    assert page.status_code == 200
    assert "Document valide" in page.text and "Convention de prêt signée" in page.text
    assert "Élève" in page.text and "Chef d’établissement" in page.text
    assert status["signers"][0]["name"] not in page.text


async def test_a_sealing_failure_keeps_the_signature_and_the_qr_code_seals_it_later(
    as_, client, world, monkeypatch
):
    loan_id, status = await issued(as_, world, "SA-4", birth_date=ADULT)

    def broken(settings):
        raise OSError("certificate unreadable")

    with monkeypatch.context() as patch:
        patch.setattr(sealed_agreements, "seal_key_for", broken)
        await as_("it_a").post(f"{LOANS}/{loan_id}/signatures", json=body(status, "student"))
        done = await as_("head_a").post(
            f"{LOANS}/{loan_id}/signatures", json=body(status, "head_of_school")
        )
        assert done.status_code == 201 and done.json()["complete"]
        assert await sealed_documents(loan_id) == []
    page = await client.get(f"/verify/{status['public_id']}")
    assert "Document valide" in page.text
    assert len(await sealed_documents(loan_id)) == 1


async def test_an_unknown_public_id_is_still_not_found(client, world):
    page = await client.get("/verify/" + "0" * 32)
    assert page.status_code == 404 and "Document inconnu" in page.text
