"""Shared pieces of request parsing."""

from typing import Annotated

import msgspec
from litestar.params import PathParameter, QueryParameter

# Database ids are 32-bit on PostgreSQL: a larger number is refused at the door (400)
# instead of reaching the driver.
MAX_DB_ID = 2**31 - 1
DbId = Annotated[int, msgspec.Meta(ge=1, le=MAX_DB_ID)]
PathId = Annotated[int, PathParameter(ge=1, le=MAX_DB_ID)]
QueryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_DB_ID)]

# Bounds at the door keep oversized values from the database; the domain checks the rest.
# An inventory number, as typed or scanned.
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
# A school's UAI (0450001G); its format and check letter are the domain's to judge.
Uai = Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
# The same where the domain itself names an empty UAI, in French (a student's, a school's).
UaiText = Annotated[str, msgspec.Meta(max_length=20)]
# A school to filter a list on.
UaiQuery = Annotated[
    str | None, QueryParameter(description="UAI de l'établissement", max_length=20)
]


def set_fields(body: msgspec.Struct) -> dict:
    """The fields a PATCH body actually carries (absent ones are UNSET)."""
    return {
        name: getattr(body, name)
        for name in body.__struct_fields__
        if getattr(body, name) is not msgspec.UNSET
    }
