"""A scanned stack of signed conventions filed: each loan's pages kept as its paper scan, and
the paper signatures of its convention recorded.

The QR code of each printed page is its convention's verification address
(`{public_url}/verify/{public_id}`): the public id names one version of one loan's
convention. `file_scanned_stack` reads the stack (`loans.scan_stack`, in a worker thread:
about 45 ms a page), resolves each code to a loan *in the caller's scope* and only while
that version is the current one (anything else is an unknown code: another school's
convention, an old printout), then for each loan found, in one transaction of its own:
keeps its pages turned upright as a `paper_scan` document and records a paper signature
for each signer the convention still asks, with the scan's SHA-256. A loan whose convention
is then complete is listed in `completed`, for the caller to seal.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

import msgspec

from inventory.scope import Actor, Scope
from loans import agreement_records
from loans.agreements import record_paper_scan
from loans.scan_stack import (
    MAX_BYTES,
    ScannedPage,
    UnknownCode,
    match_stack,
    read_stack,
    split_pages,
    upright_turns,
)
from loans.storage import Storage
from loans.tables import Agreement

PUBLIC_ID = re.compile(r"/verify/([0-9a-fA-F]{32})/?$")


class FiledLoan(msgspec.Struct, frozen=True):
    loan_id: int
    pages: list[int]  # from 1, as people count them
    inferred: list[int]  # placed by their neighbours (their own code unreadable)
    document_id: int | None  # the paper scan kept; None when the convention changed meanwhile
    signatures: int  # paper signatures recorded now
    complete: bool
    missing: list[str]


class UnknownPages(msgspec.Struct, frozen=True):
    code: str
    pages: list[int]


class ScanReport(msgspec.Struct, frozen=True):
    page_count: int
    loans: list[FiledLoan]
    inferred: list[int]
    unmatched: list[int]  # no code and no sure place: to attach by hand
    blank: list[int]
    unknown: list[UnknownPages]

    @property
    def completed(self) -> list[int]:
        return [loan.loan_id for loan in self.loans if loan.complete and loan.signatures]


def public_id_of(text: str) -> str | None:
    found = PUBLIC_ID.search(text.strip())
    return found.group(1).lower() if found else None


async def _resolver(scope: Scope, pages: list[ScannedPage]) -> dict[str, tuple[int, str]]:
    """Code text -> (loan id, public id), for the current conventions of loans in scope."""
    ids = {text: public_id_of(text) for text in {p.text for p in pages if p.text}}
    wanted = sorted({i for i in ids.values() if i})
    if not wanted:
        return {}
    query = Agreement.select(Agreement.loan, Agreement.public_id).where(
        Agreement.public_id.is_in(wanted) & Agreement.superseded_at.is_null()
    )
    school: Any = Agreement.loan.establishment  # a join Piccolo types loosely
    if (clause := scope.restrict(school.region, school)) is not None:
        query = query.where(clause)
    by_public_id = {row["public_id"]: row["loan"] for row in await query}
    return {
        text: (by_public_id[public_id], public_id)
        for text, public_id in ids.items()
        if public_id is not None and public_id in by_public_id
    }


async def _file_loan(
    storage: Storage,
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    loan_id: int,
    public_id: str,
    scan: bytes,
) -> tuple[int | None, int]:
    """Keep the loan's scan and sign for its missing signers: (document id, signatures)."""
    return await record_paper_scan(storage, scope, actor, now, loan_id, scan, public_id=public_id)


async def file_scanned_stack(
    storage: Storage,
    scope: Scope,
    actor: Actor,
    now: dt.datetime,
    pdf: bytes,
    *,
    max_bytes: int = MAX_BYTES,
) -> ScanReport:
    """Read, match and file a scanned stack (see the module docstring). `Invalid` naming
    `file` for what is not a readable PDF or is too large, before anything is kept."""
    pages = await asyncio.to_thread(read_stack, pdf, max_bytes=max_bytes)
    resolved = await _resolver(scope, pages)
    match = match_stack(pages, lambda text: resolved[text][0] if text in resolved else None)
    public_ids = {loan_id: public_id for loan_id, public_id in resolved.values()}
    turns = upright_turns(pages)
    filed = []
    for loan_pages in match.loans:
        loan_id = int(loan_pages.loan)
        scan = await asyncio.to_thread(split_pages, pdf, loan_pages.pages, turns=turns)
        document_id, signed = await _file_loan(
            storage, scope, actor, now, loan_id, public_ids[loan_id], scan
        )
        missing = await agreement_records.missing_signers(loan_id) or []
        filed.append(
            FiledLoan(
                loan_id=loan_id,
                pages=[i + 1 for i in loan_pages.pages],
                inferred=[i + 1 for i in loan_pages.inferred],
                document_id=document_id,
                signatures=signed,
                complete=document_id is not None and not missing,
                missing=[s.described for s in missing],
            )
        )
    return ScanReport(
        page_count=len(pages),
        loans=filed,
        inferred=sorted(i + 1 for lp in match.loans for i in lp.inferred),
        unmatched=[i + 1 for i in match.unmatched],
        blank=[i + 1 for i in match.blank],
        unknown=[_unknown(u) for u in match.unknown],
    )


def _unknown(code: UnknownCode) -> UnknownPages:
    return UnknownPages(code=code.text[:200], pages=[i + 1 for i in code.pages])
