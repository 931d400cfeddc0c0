"""A region's loan terms, versioned: read by the staff of the region's schools, published by
its manager (or an admin). Every publish is a new version; none is ever changed.

The new text comes as structured blocks (`{"kind": "heading", "text": …}`) or as the markup
typed in the page's textarea (`"# Titre\\n…"`): exactly one of `blocks` and `text`.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from api.accounts.staff import ROLES, Principal
from api.bodies import PathId
from api.clock import utcnow
from api.infra.security import roles
from inventory.errors import Conflict, DomainError, Invalid
from loans import terms_versions
from loans.terms import FIELD, MAX_BLOCKS, MAX_CHARS, Block
from loans.terms_versions import TermsVersionSummary, TermsVersionView

READ_TERMS = roles(*sorted(ROLES))  # every staff role; the scope decides which regions
EDITOR_ROLES = frozenset({"admin", "region_manager"})  # of the region, by scope
EDIT_TERMS = roles(*sorted(EDITOR_ROLES))

# Bounds at the door, above the domain's own limits so that its French message, naming the
# line or the block, is the one a client gets.
Blocks = Annotated[list[Block], msgspec.Meta(max_length=MAX_BLOCKS + 1)]
Text = Annotated[str, msgspec.Meta(max_length=MAX_CHARS + 1)]


class TermsIn(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of `blocks` (structured) and `text` (the page's markup)."""

    blocks: Blocks | msgspec.UnsetType = msgspec.UNSET
    text: Text | msgspec.UnsetType = msgspec.UNSET


def _named(error: DomainError, field: str) -> DomainError:
    """The domain names the terms `terms`; the body names them `blocks` or `text`."""
    if isinstance(error, Invalid) and FIELD in error.errors:
        return Invalid({field: error.errors[FIELD]})
    if isinstance(error, Conflict) and error.field == FIELD:
        return Conflict(error.message, field)
    return error


class TermsController(Controller):
    path = "/api/v1/regions/{code:str}/terms"
    tags = ["régions"]
    guards = [READ_TERMS]

    @get("/", summary="Versions des conditions de prêt, les plus récentes d'abord")
    async def list_terms(
        self, request: Request[Principal, None, None], code: FromPath[str]
    ) -> list[TermsVersionSummary]:
        return await terms_versions.list_terms_versions(request.user.scope, code)

    @get("/current", summary="Conditions de prêt en vigueur")
    async def current_terms(
        self, request: Request[Principal, None, None], code: FromPath[str]
    ) -> TermsVersionView:
        return await terms_versions.current_terms_of(request.user.scope, code)

    @get("/{version:int}", summary="Une version des conditions de prêt")
    async def terms_version(
        self, request: Request[Principal, None, None], code: FromPath[str], version: PathId
    ) -> TermsVersionView:
        return await terms_versions.terms_version(request.user.scope, code, version)

    @post("/", guards=[EDIT_TERMS], summary="Publier une nouvelle version des conditions")
    async def publish_terms(
        self,
        request: Request[Principal, None, None],
        code: FromPath[str],
        data: JSONBody[TermsIn],
    ) -> TermsVersionView:
        given = {name for name in ("blocks", "text") if getattr(data, name) is not msgspec.UNSET}
        if len(given) != 1:
            message = "envoyez soit blocks (blocs structurés), soit text (texte balisé)"
            raise Invalid({"blocks": message, "text": message})
        field = given.pop()
        principal = request.user
        terms = data.blocks if isinstance(data.blocks, list) else str(data.text)
        try:
            return await terms_versions.publish_terms(
                principal.scope, principal.actor, utcnow(), code, terms
            )
        except (Invalid, Conflict) as error:
            raise _named(error, field) from error


ROUTES = [TermsController]
