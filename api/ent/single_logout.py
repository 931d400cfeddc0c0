"""CAS single logout: when someone signs out of the ENT, the CAS server POSTs a SAML
`LogoutRequest` to each service they used, naming the service ticket (`SessionIndex`).

At sign-in we keep ticket → session id in the app's shared store (the sessions' store: files
under var/ for the workers of one host, Redis across hosts), so that whichever worker or host
receives the request can delete that session from the store every worker reads.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from litestar.stores.base import NamespacedStore, Store
from litestar.stores.file import FileStore

SAMLP_NS = "{urn:oasis:names:tc:SAML:2.0:protocol}"
MAX_LOGOUT_REQUEST = 10_000  # a LogoutRequest is a few hundred bytes
_NAMESPACE = "entslo"


def tickets_store(sessions: Store) -> Store:
    """A namespace of the sessions' store: the same files or the same Redis."""
    if isinstance(sessions, FileStore):
        # FileStore.with_namespace drops `create_directories`, and FileStore creates only the
        # last level: the sessions' folder itself may not exist yet (no session stored so far).
        folder = Path(str(sessions.path)) / _NAMESPACE  # an anyio path there: made now
        folder.mkdir(parents=True, exist_ok=True)
        return FileStore(folder)
    if isinstance(sessions, NamespacedStore):
        return sessions.with_namespace(_NAMESPACE)
    return sessions  # a plain store (tests' memory store): keys are prefixed below anyway


def _key(region_code: str, ticket: str) -> str:
    # Tickets are credentials until validated: only their digest is kept.
    return "st-" + hashlib.sha256(f"{region_code}\n{ticket}".encode()).hexdigest()


async def remember(
    store: Store, region_code: str, ticket: str, session_id: str, max_age: int
) -> None:
    await store.set(_key(region_code, ticket), session_id.encode(), expires_in=max_age)


async def session_of(store: Store, region_code: str, ticket: str) -> str | None:
    value = await store.get(_key(region_code, ticket))
    if value is not None:
        await store.delete(_key(region_code, ticket))
    return value.decode() if value is not None else None


def ticket_of(logout_request: str) -> str | None:
    """The `SessionIndex` of a well-formed SAML LogoutRequest; None for anything else."""
    if not logout_request or len(logout_request) > MAX_LOGOUT_REQUEST:
        return None
    try:
        root = ElementTree.fromstring(logout_request, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return None
    if root.tag != SAMLP_NS + "LogoutRequest":
        return None
    index = root.find(SAMLP_NS + "SessionIndex")
    ticket = (index.text or "").strip() if index is not None else ""
    return ticket or None
