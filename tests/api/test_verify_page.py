"""The sealed return receipt from the desk to anyone's phone: a return seals it, the receipt
page links it, and `/verify/{public_id}` (where its QR code would lead) says it is valid,
showing initials and nothing more personal. The upload form checks a file the visitor holds."""

from __future__ import annotations

import pytest

from api.clock import utcnow
from api.infra.seal import seal_key_for
from loans.documents import list_documents
from loans.sealing import verify_async
from loans.storage import DirectoryStorage
from loans.tables import DocumentContent
from tests.api.test_loan_pages import read, submit
from tests.api.test_pages import csrf_token, is_french_html
from tests.factories import PLATFORM, UAI_A, active_loan, make_student
from tests.loans.test_sealing import agreement

LOANS = "/api/v1/loans"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"
PRIVATE = ("Roux", "Camille", "A-1", "ThinkPad", "it_a", "Lycée A")


async def returned_by_api(as_, world) -> tuple[int, dict]:
    student = (await make_student(last_name="Roux", first_name="Camille")).id
    loan_id = await active_loan(world, "A-1", UAI_A, student)
    response = await as_("it_a").post(
        f"{LOANS}/{loan_id}/return",
        json={"accessories_returned": [], "condition": "C", "damage_notes": "coque fendue"},
    )
    assert response.status_code == 200, response.text
    return loan_id, response.json()


async def receipt_of(loan_id: int):
    (receipt,) = [d for d in await list_documents(PLATFORM, loan_id) if d.kind == "receipt"]
    return receipt


async def test_a_return_through_the_api_seals_a_receipt_that_verify_accepts(app, as_, world):
    loan_id, body = await returned_by_api(as_, world)
    receipt = await receipt_of(loan_id)
    assert body["receipt_href"] == f"/api/v1/documents/{receipt.id}"
    pdf = await as_("it_a").get(body["receipt_href"])
    assert pdf.headers["content-type"] == "application/pdf"
    trusted = [seal_key_for(app.state["settings"]).certificate]
    result = await verify_async(pdf.content, trusted)
    assert result.status == "intact" and result.trusted and result.demonstration


async def test_a_return_through_the_page_seals_a_receipt_the_receipt_page_links(desk, world):
    loan_id = await active_loan(world, "A-1", UAI_A, (await make_student()).id)
    client = await desk("it_a")
    response = await submit(
        client, f"/prets/{loan_id}/retour", f"/prets/{loan_id}/retour", {"condition": "B"}
    )
    assert response.status_code == 303, response.text
    page = await client.get(response.headers["location"])
    receipt = await receipt_of(loan_id)
    assert "Télécharger le reçu scellé (PDF)" in read(page.text)
    assert f'href="/api/v1/documents/{receipt.id}"' in page.text
    assert f'href="/verify/{receipt.public_id}"' in page.text
    pdf = await client.get(f"/api/v1/documents/{receipt.id}")  # with the session cookie
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_taking_the_same_receipt_page_twice_keeps_one_sealed_receipt(as_, world):
    loan_id, _ = await returned_by_api(as_, world)
    await as_("it_a").get(f"/prets/{loan_id}/recu")
    kinds = [d.kind for d in await list_documents(PLATFORM, loan_id)]
    assert kinds.count("receipt") == 1


async def test_the_public_page_says_valid_with_initials_and_no_full_name(client, as_, world):
    loan_id, _ = await returned_by_api(as_, world)
    receipt = await receipt_of(loan_id)
    response = await client.get(f"/verify/{receipt.public_id}")
    assert response.status_code == 200
    assert is_french_html(response)
    text = read(response.text)
    assert "Document valide" in text and "Résultat valide" in text
    assert "Reçu de retour de matériel" in text
    assert "Élève C. R." in text
    assert "Sceau de démonstration." in text and "aucune valeur probante" in text
    assert "Autorité de scellement Région de démonstration, ordipret" in text
    assert "Personnel de l'établissement (réception de l'appareil) (I.)" in text
    assert f"Scellé le {receipt.created_at.strftime('%d/%m')}" in text
    for private in PRIVATE:
        assert private not in text, private


async def test_the_qr_codes_upper_case_address_leads_to_the_same_page(client, as_, world):
    loan_id, _ = await returned_by_api(as_, world)
    receipt = await receipt_of(loan_id)
    upper = await client.get(f"/VERIFY/{receipt.public_id.upper()}")
    assert upper.status_code == 200 and "Document valide" in read(upper.text)


async def test_an_unknown_id_gets_a_french_404_page(client, world):
    for unknown in ("0" * 32, "pas-un-identifiant", "x" * 300):
        response = await client.get(f"/verify/{unknown}")
        assert response.status_code == 404
        assert is_french_html(response)
        assert "Document inconnu" in read(response.text)
        assert 'type="file"' in response.text  # the visitor may still check their file


async def test_a_document_that_is_not_sealed_is_not_public(client, app, as_, world):
    loan_id, _ = await returned_by_api(as_, world)
    photo = await as_("it_a").post(
        f"{LOANS}/{loan_id}/photos",
        files=[
            ("photos", ("p.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9", "image/jpeg"))
        ],
    )
    assert photo.status_code == 201, photo.text
    (kept,) = [d for d in await list_documents(PLATFORM, loan_id) if d.kind == "photo"]
    assert (await client.get(f"/verify/{kept.public_id}")).status_code == 404


async def test_the_page_is_neither_indexed_nor_cached_nor_referred(client, as_, world):
    loan_id, _ = await returned_by_api(as_, world)
    response = await client.get(f"/verify/{(await receipt_of(loan_id)).public_id}")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in response.text
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_a_receipt_changed_in_the_storage_reads_altered(client, app, as_, world):
    loan_id, _ = await returned_by_api(as_, world)
    receipt = await receipt_of(loan_id)
    storage = app.state["storage"]
    content = await storage.get(receipt.sha256)
    at = content.index(b"/Type")
    changed = content[:at] + b"/Typf" + content[at + 5 :]
    if isinstance(storage, DirectoryStorage):
        storage.path_of(receipt.sha256).write_bytes(changed)
    else:
        await DocumentContent.update({DocumentContent.content: changed}).where(
            DocumentContent.sha256 == receipt.sha256
        )
    text = read((await client.get(f"/verify/{receipt.public_id}")).text)
    assert "Document altéré" in text and "Document valide" not in text


# The form: a file the visitor holds ----------------------------------------------------------


async def upload(client, content: bytes, name: str = "convention.pdf", token: str | None = None):
    form = await client.get("/verify")
    assert form.status_code == 200
    token = csrf_token(form.text) if token is None else token
    return await client.post(
        "/verify",
        data={"_csrf_token": token},
        files={"file": (name, content, "application/pdf")},
    )


@pytest.fixture
async def sealed_file(app) -> bytes:
    from loans.sealing import seal_async

    key = seal_key_for(app.state["settings"])
    return await seal_async(agreement(), key, reason="Convention", location="Orléans", now=utcnow())


async def test_an_uploaded_sealed_file_is_valid(client, sealed_file):
    response = await upload(client, sealed_file)
    assert response.status_code == 200, response.text
    text = read(response.text)
    assert "Document valide" in text and "Sceau de démonstration." in text


async def test_an_uploaded_file_with_one_byte_changed_is_altered(client, sealed_file):
    at = sealed_file.index(b"CVL-000123")
    response = await upload(client, sealed_file[:at] + b"D" + sealed_file[at + 1 :])
    assert response.status_code == 200
    assert "Document altéré" in read(response.text)


async def test_an_uploaded_unsealed_file_says_it_is_not_sealed(client):
    response = await upload(client, agreement())
    assert "Document non scellé" in read(response.text)


async def test_an_uploaded_file_that_is_not_a_pdf_is_refused_in_french(client):
    response = await upload(client, b"pas un PDF", name="notes.txt")
    assert response.status_code == 422
    assert is_french_html(response)
    assert "Fichier illisible" in read(response.text)
    assert 'aria-invalid="true"' in response.text


async def test_the_form_without_its_csrf_token_is_refused(client, sealed_file):
    response = await upload(client, sealed_file, token="faux")
    assert response.status_code == 403
