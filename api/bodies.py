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


def set_fields(body: msgspec.Struct) -> dict:
    """The fields a PATCH body actually carries (absent ones are UNSET)."""
    return {
        name: getattr(body, name)
        for name in body.__struct_fields__
        if getattr(body, name) is not msgspec.UNSET
    }
