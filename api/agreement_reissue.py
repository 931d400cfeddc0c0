"""A hand-over refused because the signed convention says otherwise issues the convention that
matches (see `loans.agreement_currency`), for the JSON API and the desk's pages alike."""

from __future__ import annotations

import datetime as dt

from litestar import Request

from api.accounts.staff import Principal
from api.infra.storage import storage_of
from inventory.errors import Conflict
from loans import agreements


async def reissued(
    request: Request[Principal, None, None],
    now: dt.datetime,
    loan_id: int,
    accessories: list[str],
    refusal: str,
) -> Conflict:
    """The refusal to give once the new version is issued (it names who must sign it)."""
    principal = request.user
    return await agreements.reissue_for_hand_over(
        storage_of(request),
        principal.scope,
        principal.actor,
        now,
        loan_id,
        accessories,
        request.app.state["settings"].public_url,
        refusal,
    )
