"""The sealed return receipt: drawn from what the return recorded, sealed, kept once per loan,
on both storages. Read back with pypdf (text) and pyHanko (`verify`)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from inventory.errors import Conflict, NotFound
from inventory.scope import Actor, Scope
from loans import lifecycle, photos
from loans.documents import list_documents
from loans.public_verification import check_public
from loans.receipt_pdf import ReceiptData, render_receipt
from loans.receipts import seal_return_receipt
from loans.sealing import load_seal_key, make_demo_seal, verify_async
from loans.storage import DatabaseStorage, DirectoryStorage
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A, make_asset, make_student
from tests.labels.samples import decode, pages
from tests.loans.agreement_factories import PUBLIC_URL

RETURNED = NOW + dt.timedelta(days=300)
STAFF = Actor(id=None, name="Jeanne Martin")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 64 + b"\xff\xd9"


@pytest.fixture(params=["directory", "database"])
def storage(request, app, tmp_path):
    if request.param == "directory":
        return DirectoryStorage(tmp_path / "documents")
    return DatabaseStorage()


@pytest.fixture(scope="module")
def key():
    return load_seal_key(make_demo_seal("Région de démonstration", NOW), None)


async def lent(world, tag: str = "RCU-1") -> int:
    """A laptop handed over with a charger and a sleeve."""
    await make_asset(tag, UAI_A, world.model_id)
    student = (await make_student(last_name="Bénard", first_name="Noé")).id
    loan_id = await lifecycle.prepare_loan(
        PLATFORM, ACTOR, NOW, asset_tag=tag, student_id=student, max_open_per_category=1
    )
    await lifecycle.record_paper_signature(PLATFORM, ACTOR, NOW, loan_id, NOW.date())
    await lifecycle.hand_over(
        PLATFORM, ACTOR, NOW, loan_id, ["chargeur", "housse"], dt.date(2027, 7, 4)
    )
    return loan_id


async def returned(world, storage, **changes) -> int:
    loan_id = await lent(world)
    values = {"accessories_returned": ["chargeur"], "condition": "C", "damage_notes": "Écran rayé"}
    await lifecycle.take_back(PLATFORM, STAFF, RETURNED, loan_id, **{**values, **changes})
    await photos.add_photos(PLATFORM, STAFF, RETURNED, loan_id, [JPEG], storage)
    return loan_id


async def sealed_receipt(storage, key, loan_id: int):
    return await seal_return_receipt(storage, key, PLATFORM, STAFF, RETURNED, loan_id, PUBLIC_URL)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_a_return_gets_a_sealed_receipt_that_verify_accepts(world, storage, key):
    loan_id = await returned(world, storage)
    receipt = await sealed_receipt(storage, key, loan_id)
    assert (receipt.kind, receipt.loan_id, receipt.media_type) == (
        "receipt",
        loan_id,
        "application/pdf",
    )
    assert receipt.created_by == "Jeanne Martin"
    result = await verify_async(await storage.get(receipt.sha256), [key.certificate], now=RETURNED)
    assert result.status == "intact" and result.trusted
    assert result.signed_at == RETURNED


async def test_the_receipt_holds_the_items_the_missing_accessories_and_the_condition(
    world, storage, key
):
    loan_id = await returned(world, storage)
    receipt = await sealed_receipt(storage, key, loan_id)
    text = text_of(await storage.get(receipt.sha256))
    assert "Reçu de retour de matériel" in text and f"Prêt n° {loan_id}" in text
    assert "RCU-1 – Lenovo" in text  # the device and its model
    assert "Bénard Noé" in text and "Lycée A" in text and "Région Centre-Val de Loire" in text
    assert "Accessoires remis\nchargeur, housse" in text
    assert "Accessoires rendus\nchargeur" in text
    assert "Accessoires manquants\nhousse" in text
    assert "C – usé" in text and "Écran rayé" in text and "en réparation" in text
    assert "Photos jointes\n1" in text
    assert "Jeanne Martin" in text and "L’élève" in text  # both signature lines
    assert "Rendu le\n28/06/2027 10:00 (heure de Paris)" in text


async def test_the_receipts_qr_code_leads_to_the_public_check_of_that_receipt(world, storage, key):
    loan_id = await returned(world, storage)
    receipt = await sealed_receipt(storage, key, loan_id)
    [image] = pages(await storage.get(receipt.sha256), dpi=200)
    assert decode(image) == [f"{PUBLIC_URL}/verify/{receipt.public_id}"]
    check = await check_public(storage, receipt.public_id, [key.certificate], now=RETURNED)
    assert check is not None and check.kind == "receipt"
    assert check.verification.status == "intact"


async def test_a_second_call_returns_the_same_sealed_receipt(world, storage, key):
    loan_id = await returned(world, storage)
    first = await seal_return_receipt(storage, key, PLATFORM, STAFF, RETURNED, loan_id, PUBLIC_URL)
    later = RETURNED + dt.timedelta(hours=2)
    again = await seal_return_receipt(storage, key, PLATFORM, ACTOR, later, loan_id, PUBLIC_URL)
    assert again == first
    kinds = [d.kind for d in await list_documents(PLATFORM, loan_id)]
    assert kinds.count("receipt") == 1


async def test_a_loan_still_lent_has_no_receipt(world, storage, key):
    loan_id = await lent(world)
    with pytest.raises(Conflict):
        await seal_return_receipt(storage, key, PLATFORM, STAFF, RETURNED, loan_id, PUBLIC_URL)
    assert await list_documents(PLATFORM, loan_id) == [
        d for d in await list_documents(PLATFORM, loan_id) if d.kind != "receipt"
    ]


async def test_staff_of_another_school_cannot_seal_its_receipt(world, storage, key):
    loan_id = await returned(world, storage)
    school_b = Scope.establishments({world.establishment_ids["B"]: world.region_ids["24"]})
    with pytest.raises(NotFound):
        await seal_return_receipt(storage, key, school_b, STAFF, RETURNED, loan_id, PUBLIC_URL)


def sample(**changes) -> ReceiptData:
    values = dict(
        loan_id=42,
        region="Région Centre-Val de Loire",
        school="Lycée Jean-Zay (UAI 0450042X), Orléans",
        student="Bénard Noé",
        class_name="2NDE3",
        device="CVL-000123 – Lenovo ThinkPad E14",
        handed_over_on=dt.date(2026, 9, 3),
        returned_at=RETURNED,
        received_by="Jeanne Martin",
        condition="A",
        device_state="in_stock",
        accessories_given=["chargeur"],
        accessories_returned=["chargeur"],
        missing_accessories=[],
        damage_notes="",
        photo_count=0,
        printed_on=dt.date(2027, 6, 28),
    )
    return ReceiptData(**{**values, **changes})  # type: ignore[arg-type]


def test_the_same_receipt_data_gives_the_same_bytes():
    assert render_receipt(sample()) == render_receipt(sample())
    assert render_receipt(sample()) != render_receipt(sample(photo_count=1))


def test_a_complete_return_says_nothing_is_missing_and_back_in_stock():
    text = text_of(render_receipt(sample()))
    assert "Accessoires manquants\naucun" in text and "remis en stock" in text
    assert "Manquant" not in text.replace("Accessoires manquants", "")


def test_without_a_student_only_the_staff_member_signs():
    text = text_of(render_receipt(sample(student=None)))
    assert "Pour l’établissement" in text and "L’élève" not in text


def test_the_receipt_embeds_its_fonts():
    for page in PdfReader(io.BytesIO(render_receipt(sample()))).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]


def test_the_receipt_shows_the_print_date_the_signature_lines_and_the_photos_as_thumbnails():
    from api.demo_life import photo_jpeg

    pdf = render_receipt(sample(photo_count=2, photos=[photo_jpeg(1), photo_jpeg(2)]))
    text = text_of(pdf)
    assert "imprimé le 28/06/2027" in text
    assert "Date et signature :" in text and "Photos du retour" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 2
    assert len(PdfReader(io.BytesIO(render_receipt(sample()))).pages[0].images) == 0


async def test_a_sealed_receipt_prints_the_photos_taken_at_the_return(world, storage, key):
    from api.demo_life import photo_jpeg
    from loans import photos

    loan_id = await returned(world, storage)
    await photos.add_photos(PLATFORM, STAFF, RETURNED, loan_id, [photo_jpeg(3)], storage)
    pdf = await storage.get((await sealed_receipt(storage, key, loan_id)).sha256)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1
