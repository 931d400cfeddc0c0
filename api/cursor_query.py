"""The `cursor` query parameter of the API's lists (see `inventory.keyset`), and the `Link`
header (RFC 8288) that lists answered as a bare JSON array use for their neighbours, since
their body has no room for `next_cursor` without breaking existing clients."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Request
from litestar.params import QueryParameter

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
