"""Damage photos kept as documents, on both storages; photos taken before documents existed."""

from __future__ import annotations

import pytest

from inventory.errors import NotFound
from inventory.scope import Scope
from loans import photos
from loans.storage import DatabaseStorage, DirectoryStorage, sha256_of
from loans.tables import Document, LoanPhoto
from tests.factories import ACTOR, NOW, PLATFORM, UAI_A
from tests.loans.lifecycle_factories import active_loan, make_student

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 64
OLD_NAME = "0123456789abcdef0123456789abcdef.jpg"


@pytest.fixture(params=["directory", "database"])
def storage(request, app, tmp_path):
    if request.param == "directory":
        return DirectoryStorage(tmp_path / "documents")
    return DatabaseStorage()


@pytest.fixture
async def loan_id(world) -> int:
    return await active_loan(world, "A-1", UAI_A, await make_student(world))


async def test_a_photo_is_a_document_of_its_loan_served_back_from_the_storage(
    storage, world, loan_id, tmp_path
):
    added = await photos.add_photos(PLATFORM, ACTOR, NOW, loan_id, [JPEG, PNG], storage)
    content, content_type = await photos.photo_content(
        PLATFORM, loan_id, added[1].id, storage, tmp_path / "photos"
    )
    assert (content, content_type) == (PNG, "image/png")
    document = await Document.select().where(Document.sha256 == sha256_of(PNG)).first()
    assert document is not None
    assert (document["kind"], document["loan"], document["size"]) == ("photo", loan_id, len(PNG))
    assert document["establishment"] == world.establishment_ids["A"]
    assert document["region"] == world.region_ids["24"]


async def test_a_photo_of_another_school_is_not_found(storage, world, loan_id, tmp_path):
    added = await photos.add_photos(PLATFORM, ACTOR, NOW, loan_id, [JPEG], storage)
    school_b = Scope.establishments({world.establishment_ids["B"]: world.region_ids["24"]})
    with pytest.raises(NotFound):
        await photos.photo_content(school_b, loan_id, added[0].id, storage, tmp_path)


async def old_photo(loan_id: int, legacy_dir, content: bytes = JPEG) -> int:
    """A photo as the photo directory kept them before documents: a file and its name."""
    legacy_dir.mkdir(parents=True, exist_ok=True)
    (legacy_dir / OLD_NAME).write_bytes(content)
    row = LoanPhoto(loan=loan_id, file_name=OLD_NAME, content_type="image/jpeg", taken_at=NOW)
    return (await LoanPhoto.insert(row).returning(LoanPhoto.id))[0]["id"]


async def test_a_photo_taken_before_documents_is_still_served_from_its_file(
    storage, loan_id, tmp_path
):
    photo_id = await old_photo(loan_id, tmp_path / "photos")
    content, _ = await photos.photo_content(
        PLATFORM, loan_id, photo_id, storage, tmp_path / "photos"
    )
    assert content == JPEG


async def test_old_photos_are_moved_into_the_storage_once(storage, world, loan_id, tmp_path):
    legacy_dir = tmp_path / "photos"
    photo_id = await old_photo(loan_id, legacy_dir)
    report = await photos.adopt_legacy_photos(storage, legacy_dir, ACTOR)
    assert (report.adopted, report.missing) == (1, [])
    (legacy_dir / OLD_NAME).unlink()  # the operator removes the old directory afterwards
    content, _ = await photos.photo_content(PLATFORM, loan_id, photo_id, storage, legacy_dir)
    assert content == JPEG
    document = await Document.select(Document.kind, Document.created_at).first()
    assert document == {"kind": "photo", "created_at": NOW}  # when the photo was taken
    again = await photos.adopt_legacy_photos(storage, legacy_dir, ACTOR)
    assert (again.adopted, again.missing, await Document.count()) == (0, [], 1)


async def test_an_old_photo_whose_file_is_gone_is_reported_and_not_found(
    storage, loan_id, tmp_path
):
    photo_id = await old_photo(loan_id, tmp_path / "photos")
    (tmp_path / "photos" / OLD_NAME).unlink()
    report = await photos.adopt_legacy_photos(storage, tmp_path / "photos", ACTOR)
    assert (report.adopted, report.missing) == (0, [OLD_NAME])
    with pytest.raises(NotFound):
        await photos.photo_content(PLATFORM, loan_id, photo_id, storage, tmp_path / "photos")
