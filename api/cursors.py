"""The query parameters and description shared by every list of the API that pages by cursor
(inventory/keyset.py): one wording for the contract, written once."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

from inventory.keyset import COUNT_CAP

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
