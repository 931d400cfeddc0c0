"""Which storage keeps documents and photos (`loans.storage`), chosen once from the settings.

`ORDIPRET_STORAGE`:
- `directory`: files under `<var dir>/documents` (the default on SQLite, one host);
- `database`: the `document_content` table (the default on PostgreSQL, so that several hosts
  share documents without a shared disk).

The app keeps the chosen storage in `app.state`; handlers and pages reach it through
`storage_of(request)`.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from litestar import Request

from api.settings import Settings
from loans.storage import DatabaseStorage, DirectoryStorage, Storage

KINDS = ("directory", "database")
STATE_KEY = "storage"


def storage_for(settings: Settings) -> Storage:
    kind = settings.storage or (
        "database"
        if settings.database_url.startswith(("postgres://", "postgresql://"))
        else "directory"
    )
    if kind == "directory":
        return DirectoryStorage(settings.var_dir / "documents")
    if kind == "database":
        return DatabaseStorage()
    raise ValueError(f"ORDIPRET_STORAGE : {' ou '.join(KINDS)} attendu, pas {kind!r}")


async def ready(storage: Storage) -> bool:
    """Whether documents can be kept (the health check): a directory (or, before the first
    document, the one it will be made in) that is a directory and writable; a table that
    answers. A database failure raises, like any other of the check."""
    if isinstance(storage, DirectoryStorage):
        return await asyncio.to_thread(_writable_directory, storage.root)
    await storage.exists("0" * 64)
    return True


def _writable_directory(root: Path) -> bool:
    path = root
    while not path.exists() and path != path.parent:
        path = path.parent
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def legacy_photo_dir(settings: Settings) -> Path:
    """Where damage photos were kept before documents existed (read, never written)."""
    return settings.var_dir / "photos"


def storage_of(request: Request) -> Storage:
    return request.app.state[STATE_KEY]
