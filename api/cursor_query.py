"""The `cursor` query parameter of the API's lists (see `inventory.keyset`), and the `Link`
header (RFC 8288) that lists answered as a bare JSON array use for their neighbours, since
their body has no room for `next_cursor` without breaking existing clients."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.params import QueryParameter

from inventory.reference_pages import CountedPage

OptionalLimit = Annotated[int | None, QueryParameter(ge=1, le=500, description="500 au plus")]
DEFAULT_LIMIT = 50
PAGED = (
    "Avec `limit` ou `cursor` : une page, les pages voisines dans l'en-tête `Link` (rel next, "
    "prev) et le nombre de lignes dans `X-Total-Count` (`X-Total-Exact: false` : au moins ce "
    "nombre)."
)
CursorQuery = Annotated[
    str | None,
    QueryParameter(
        max_length=2000,
        description=(
            "Curseur opaque : `next_cursor` ou `previous_cursor` d'une réponse précédente "
            "(remplace `offset`, déprécié)"
        ),
    ),
]


def link_header(request: Request, next_cursor: str | None, previous_cursor: str | None) -> dict:
    """`Link: <…?cursor=…>; rel="next", <…>; rel="prev"`, the other parameters kept."""
    kept = {k: v for k, v in request.query_params.items() if k not in ("cursor", "offset")}
    links = [
        f'<{request.url.path}?{urlencode(kept | {"cursor": cursor})}>; rel="{rel}"'
        for rel, cursor in (("next", next_cursor), ("prev", previous_cursor))
        if cursor
    ]
    return {"Link": ", ".join(links)} if links else {}


def paged_response(request: Request, found: CountedPage) -> Response:
    """A page of a list answered as a bare JSON array: its neighbours and count in headers."""
    headers = link_header(request, found.next_cursor, found.previous_cursor)
    headers |= {"X-Total-Count": str(found.total), "X-Total-Exact": str(found.total_exact).lower()}
    return Response(found.items, headers=headers)
