"""Conventions on paper, at scale: a class's or a campaign's conventions printed as one PDF.

`print_agreements` selects, in the caller's scope, the open loans that still need signatures
(no complete convention), issues the current convention of each (or keeps the one issued, if
it would say the same: `loans.agreements.issue_agreement`) and prints them all in one PDF
(`loans.agreement_pdf.render_agreements`), every page with its loan's QR code, the address
of the convention's verification page. Each printed convention is exactly the version kept
for its loan (same version, issue date, text and code), so the signed stack, once scanned,
lands on it (`loans.scan_intake`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import msgspec

from inventory.errors import Invalid, NotFound
from inventory.scope import Actor, Scope
from loans import listing
from loans.agreement_content import agreement_data
from loans.agreement_data import AgreementData
from loans.agreement_pdf import render_agreements
from loans.agreement_records import signed_states
from loans.agreements import issue_agreement, verification_url
from loans.listing import OPEN, LoanFilters
from loans.minors import paris_day
from loans.records import loan_row
from loans.storage import Storage

MAX_BATCH = 600  # a campaign of a large lycée; a whole school's rentrée in a few prints


def selection(
    *,
    establishment_uai: str | None = None,
    class_name: str | None = None,
    campaign_id: int | None = None,
) -> LoanFilters:
    """The loans a batch prints: open ones of a class (with its school) or of a campaign."""
    if campaign_id is None and not (establishment_uai and class_name and class_name.strip()):
        raise Invalid(
            {"class": "indiquez l’établissement et la classe", "establishment": "obligatoire"}
        )
    return LoanFilters(
        state=OPEN,
        establishment_uai=establishment_uai,
        class_name=class_name,
        campaign_id=campaign_id,
    )


async def loans_to_sign(scope: Scope, filters: LoanFilters, now: dt.datetime) -> list[int]:
    """The open loans of the selection whose current convention is not complete."""
    ids = await listing.loan_ids(scope, filters, paris_day(now), MAX_BATCH + 1)
    if len(ids) > MAX_BATCH:
        raise Invalid({"class": f"{MAX_BATCH} conventions au plus par impression"})
    signed = await signed_states(ids, paper=False)
    return [loan_id for loan_id in ids if not signed[loan_id].signed]


async def issued_data(
    storage: Storage, scope: Scope, actor: Actor, now: dt.datetime, loan_id: int, public_url: str
) -> AgreementData:
    """The loan's current convention, issued if needed, as the data it was printed from."""
    status = await issue_agreement(storage, scope, actor, now, loan_id, public_url)
    assert status.version is not None and status.public_id is not None and status.issued_at
    data, _ = await agreement_data(
        await loan_row(scope, loan_id),
        now,
        version=status.version,
        verification_url=verification_url(public_url, status.public_id),
        terms_version=status.terms_version,
    )
    # What changes with each issue, as it was on the issued version: the same content key
    # (issue_agreement kept it), so the same convention.
    return msgspec.structs.replace(data, issue_date=paris_day(status.issued_at))


async def print_agreements(
    storage: Storage,
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    filters: LoanFilters,
    public_url: str,
) -> tuple[list[int], bytes]:
    """(the loans printed, one PDF of their conventions). NotFound when none needs one."""
    loan_ids = await loans_to_sign(scope, filters, now)
    return loan_ids, await print_loans(storage, scope, actor, now, loan_ids, public_url)


async def print_loans(
    storage: Storage,
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_ids: list[int],
    public_url: str,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """One PDF of the conventions of `loan_ids` (chosen by `loans_to_sign`), each issued if
    needed. `progress(steps, 2 × loans)`: one step per convention issued, one per drawn."""
    if not loan_ids:
        raise NotFound("Aucun prêt de cette sélection n’attend de signature.")
    tell = progress or (lambda done, total: None)
    count = len(loan_ids)
    batch = []
    for done, loan_id in enumerate(loan_ids, start=1):
        batch.append(await issued_data(storage, scope, actor, now, loan_id, public_url))
        tell(done, 2 * count)

    def drawn(done: int, total: int) -> None:
        tell(count + done, 2 * count)

    return await asyncio.to_thread(render_agreements, batch, drawn if progress else None)
