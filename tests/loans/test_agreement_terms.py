"""Agreements are made from a stored version of the region's terms, and keep it."""

from __future__ import annotations

import datetime as dt

import pytest

from loans.storage import DirectoryStorage
from loans.tables import TermsVersion
from loans.terms_versions import publish_terms
from tests.factories import ACTOR, NOW, PLATFORM
from tests.loans.agreement_factories import awaiting_loan, issue


@pytest.fixture
def storage(tmp_path) -> DirectoryStorage:
    return DirectoryStorage(tmp_path / "documents")


async def test_a_first_agreement_stores_the_default_terms_as_version_1(world, storage):
    loan_id, _ = await awaiting_loan(world, "T-1")
    status = await issue(storage, loan_id)
    assert status.terms_version == 1
    assert await TermsVersion.count().where(TermsVersion.region == world.region_ids["24"]) == 1


async def test_an_agreement_records_the_terms_version_in_force_and_keeps_it_when_they_change(
    world, storage
):
    loan_id, _ = await awaiting_loan(world, "T-2")
    await publish_terms(PLATFORM, ACTOR, NOW, "24", "# Article 1\nLe matériel reste à la Région.")
    first = await issue(storage, loan_id)
    assert first.terms_version == 2
    pdf = await storage.get(first.sha256)
    later = NOW + dt.timedelta(days=1)
    await publish_terms(PLATFORM, ACTOR, later, "24", "# Article 1\nNouvelles conditions.")
    # The issued version is unchanged: same terms number, same PDF.
    from loans import agreements

    unchanged = await agreements.agreement_status(PLATFORM, loan_id)
    assert (unchanged.version, unchanged.terms_version) == (1, 2)
    assert await storage.get(unchanged.sha256) == pdf
    # Issuing again makes a new version under the terms now in force.
    reissued = await issue(storage, loan_id, later)
    assert (reissued.version, reissued.terms_version) == (2, 3)
