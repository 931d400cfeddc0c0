"""What an ENT sign-in opens, once the ENT said who the person is.

- students and guardians: their identity in the session (`SESSION_ENT_KEY`), for their space
  at /mon-espace, which links and shows their loans;
- staff: only when an admin linked that ENT account to a staff account, whose usual session
  they then get (its roles and scope); otherwise nothing;
- anyone else, or a kind the region did not open: nothing.

Every session records how it was opened (`SESSION_METHOD_KEY`) and gets a fresh id; a CAS
sign-in also records ticket → session id for single logout (api/ent/single_logout.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request

from api.accounts.history import record_sign_in
from api.clock import utcnow
from api.ent import single_logout
from api.ent.connectors import Connector, linked_account
from api.infra.security import SESSION_ACCOUNT_KEY
from api.infra.sessions import rotate_session_id_now
from inventory.db import write_transaction
from loans.ent_identity import (
    GUARDIAN,
    SESSION_ENT_KEY,
    SESSION_METHOD_KEY,
    STAFF,
    STUDENT,
    EntIdentity,
)

SPACE_PATH = "/mon-espace"
STAFF_HOME = "/appareils"
SESSION_MAX_AGE = 12 * 3600  # the session cookie's own (api/app.py)
KIND_NAMES = {STUDENT: "élèves", GUARDIAN: "représentants légaux", STAFF: "personnels"}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why no session was opened, in French, for the page that says so."""

    title: str
    detail: str


NOT_FOR_YOU = Refusal(
    "Accès non prévu pour votre profil",
    "Votre profil ENT ne donne pas accès au prêt de matériel. Aucune donnée n'est "
    "accessible avec ce compte.",
)
STAFF_NOT_LINKED = Refusal(
    "Compte ENT non rattaché",
    "Votre compte ENT de personnel n'est rattaché à aucun compte du prêt de matériel. "
    "Demandez à l'administrateur de la plateforme de le rattacher à votre compte, ou "
    "connectez-vous avec votre adresse électronique et votre mot de passe.",
)


def kind_closed(kind: str) -> Refusal:
    return Refusal(
        "Connexion par l'ENT non ouverte",
        f"La connexion par l'ENT n'est pas ouverte aux {KIND_NAMES[kind]} dans cette région.",
    )


async def open_session(
    request: Request, connector: Connector, identity: EntIdentity, ticket: str | None = None
) -> str | Refusal:
    """Open the session this identity may have: where to go next, or why not."""
    if identity.kind not in KIND_NAMES:
        return NOT_FOR_YOU
    if identity.kind not in connector.allowed_kinds:
        return kind_closed(identity.kind)
    if identity.kind == STAFF:
        account_id = await linked_account(connector.region_id, identity.key)
        if account_id is None:
            return STAFF_NOT_LINKED
        # The account's sign-in history shows ENT sign-ins beside password ones.
        async with write_transaction():
            await record_sign_in(account_id, utcnow(), succeeded=True, method="ent")
        session = {SESSION_ACCOUNT_KEY: account_id, SESSION_METHOD_KEY: identity.method}
        target = STAFF_HOME
    else:
        session = {SESSION_ENT_KEY: identity.as_session(), SESSION_METHOD_KEY: identity.method}
        target = SPACE_PATH
    session_id = rotate_session_id_now(request)
    request.set_session(session)
    if ticket:
        store = single_logout.tickets_store(request.app.stores.get("sessions"))
        await single_logout.remember(
            store, connector.region_code, ticket, session_id, SESSION_MAX_AGE
        )
    return target


async def end_session_of_ticket(request: Request, region_code: str, ticket: str) -> bool:
    """Single logout: delete the session the ticket opened, wherever it is read from."""
    sessions = request.app.stores.get("sessions")
    session_id = await single_logout.session_of(
        single_logout.tickets_store(sessions), region_code, ticket
    )
    if session_id is None:
        return False
    await sessions.delete(session_id)
    return True
