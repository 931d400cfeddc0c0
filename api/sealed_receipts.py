"""Sealing the receipt at the end of a return, for the JSON API and the return page alike.

The return is already recorded when the receipt is sealed (`loans.receipts`): a failure here
(the seal certificate expired or misconfigured, the storage unreachable) must not turn a done
return into an error the desk would retry. It is logged, without personal data, and the
receipt page offers the receipt once it exists; sealing again later is safe (one per loan).
"""

from __future__ import annotations

import datetime as dt
import logging

from litestar import Request

from api.accounts.staff import Principal
from api.infra.seal import seal_key_for
from api.infra.storage import storage_of
from inventory.errors import DomainError
from loans.documents import DocumentView
from loans.receipts import seal_return_receipt

logger = logging.getLogger("ordipret")


async def seal_receipt_after_return(
    request: Request[Principal, None, None], loan_id: int, now: dt.datetime
) -> DocumentView | None:
    """The sealed receipt of the return just recorded, or None when it could not be made."""
    principal = request.user
    try:
        settings = request.app.state["settings"]
        return await seal_return_receipt(
            storage_of(request),
            seal_key_for(settings),
            principal.scope,
            principal.actor,
            now,
            loan_id,
            settings.public_url,
        )
    except DomainError as error:
        logger.warning("Reçu de retour du prêt %s non scellé : %s", loan_id, error.message)
    except Exception as error:  # the return stands whatever failed here: see the module note
        logger.warning("Reçu de retour du prêt %s non scellé : %s", loan_id, type(error).__name__)
    return None
