"""The query parameters and description shared by every list of the API that pages by cursor
(inventory/keyset.py): one wording for the contract, written once. Lists answered as a bare
JSON array (reference lists, histories) keep that body for existing clients and give their
neighbours in a `Link` header (RFC 8288) and their count in `X-Total-Count`."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.params import QueryParameter

from inventory.keyset import COUNT_CAP
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
            "Position dans la liste : le `next_cursor` ou le `previous_cursor` d'une réponse "
            "précédente, avec les mêmes filtres et le même tri (sinon 400). Prioritaire sur "
            "`offset`."
        ),
    ),
]
OffsetQuery = Annotated[
    int,
    QueryParameter(
        description=(
            "Obsolète : nombre de lignes à sauter ; la base les relit toutes. Utilisez "
            "`cursor`. Ignoré quand `cursor` est donné."
        ),
    ),
]
LIST_DESCRIPTION = (
    "Liste paginée par curseur : suivez `next_cursor` (null à la fin de la liste) ou "
    "`previous_cursor` en le passant dans `cursor` ; chaque page coûte la même chose, quelle "
    f"que soit sa profondeur. `total` est exact quand `total_exact` est vrai ; sinon la liste "
    f"compte plus de {COUNT_CAP:,} lignes".replace(",", " ")
    + f" et `total` vaut {COUNT_CAP} (« plus de »)."
)


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
