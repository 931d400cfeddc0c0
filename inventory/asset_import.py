from __future__ import annotations

import msgspec


class LineError(msgspec.Struct, frozen=True):
    line: int
    column: str
    message: str


class ImportReport(msgspec.Struct):
    rows: int
    created: int
    errors: list[LineError]


async def import_assets(scope, actor, now, data: bytes, dry_run: bool = True) -> ImportReport:
    raise NotImplementedError  # being written
