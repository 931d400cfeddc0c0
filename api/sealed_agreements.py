"""Sealing a convention once its last signature is recorded, for every way of signing: the
JSON API (in person, paper), the desk's paper signature, the scanned stack, the remote
signing page, and the verification page as a catch-up.

The signature is already recorded when the convention is sealed (`loans.agreement_seal`): a
failure here (the seal certificate expired or misconfigured, the storage unreachable) must
not turn a done signature into an error someone would retry. It is logged without personal
data (the loan's number and the kind of error), and sealing again later is safe (once per
version of the convention).
"""

from __future__ import annotations

import datetime as dt
import logging

from litestar import Request

from api.infra.seal import seal_key_for
from api.infra.storage import storage_of
from inventory.scope import Actor, Scope
from loans.agreement_seal import seal_agreement, seal_by_public_id
from loans.documents import DocumentView

logger = logging.getLogger("ordipret")


async def seal_after_signature(
    request: Request, scope: Scope, actor: Actor, loan_id: int, now: dt.datetime
) -> DocumentView | None:
    """The sealed record of the loan's convention if it is now complete, else None (also
    when it could not be made: see the module note)."""
    try:
        key = seal_key_for(request.app.state["settings"])
        return await seal_agreement(storage_of(request), key, scope, actor, now, loan_id)
    except Exception as error:  # the signature stands whatever failed here
        logger.warning("Convention du prêt %s non scellée : %s", loan_id, type(error).__name__)
    return None


async def seal_if_complete(
    request: Request, public_id: str, now: dt.datetime
) -> DocumentView | None:
    """For the verification page: a complete convention not sealed yet is sealed now."""
    try:
        key = seal_key_for(request.app.state["settings"])
        return await seal_by_public_id(storage_of(request), key, now, public_id)
    except Exception as error:  # the page then says the record is on its way
        logger.warning("Convention complète non scellée : %s", type(error).__name__)
    return None
