"""Signing the convention from the student and guardian space: the agreements capability's
remote signing, where the ENT session (not a mailed token) says who signs.

The signer is the person signed in: the student for their own loan, or a guardian with legal
authority for their child's, and only where the current convention asks them. The signature
is recorded as remote, like a signing link's, and keeps the signer's ENT key and how the
session was opened (CAS, OIDC): the evidence of who signed.
"""

from __future__ import annotations

import datetime as dt

from inventory.db import is_unique_violation
from inventory.errors import Conflict
from inventory.scope import Actor
from loans import agreement_records
from loans.agreements import AgreementStatus, SignatureIn, record_signature
from loans.ent_identity import EntIdentity
from loans.ent_linking import SpaceAccess
from loans.minors import paris_day
from loans.my_space import SIGNING_STATES, signer_key, space_loan
from loans.storage import Storage


async def sign_in_space(
    storage: Storage,
    access: SpaceAccess,
    identity: EntIdentity,
    now: dt.datetime,
    loan_id: int,
    *,
    version: int,
    sha256: str,
    image_png: bytes,
    client_address: str = "",
    user_agent: str = "",
) -> AgreementStatus:
    """Record the signed-in person's signature of a loan's current convention."""
    loan = await space_loan(access, loan_id, paris_day(now))  # another student's: not found
    if loan.state not in SIGNING_STATES:
        raise Conflict("Cette convention n'attend plus de signature.", field="version")
    role, guardian_id = signer_key(access, loan.student_id)
    agreement = await agreement_records.current_agreement(loan_id)
    asked = {s.key: s for s in agreement_records.signers_of(agreement)} if agreement else {}
    signer = asked.get((role, guardian_id))
    if signer is None:
        raise Conflict("Cette convention ne vous demande pas de signature.", field="version")
    try:
        return await record_signature(
            storage,
            loan.scope,  # ownership checked above: the loan's own school
            Actor(id=None, name=f"{signer.name} (ENT)"),
            now,
            loan_id,
            SignatureIn(
                version=version,
                sha256=sha256,
                role=role,
                method="remote",
                guardian_id=guardian_id,
                image_png=image_png,
                client_address=client_address,
                user_agent=user_agent,
            ),
            head_delegation=False,
            signed_values={"ent_key": identity.key, "auth_method": identity.method},
        )
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict("Vous avez déjà signé cette convention.", field="version") from error
        raise
