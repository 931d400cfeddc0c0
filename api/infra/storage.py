"""Which storage keeps documents and photos (`loans.storage`), chosen once from the settings.

`ORDIPRET_STORAGE`:
- `directory`: files under `<var dir>/documents` (the default on SQLite, one host);
- `database`: the `document_content` table (the default on PostgreSQL, so that several hosts
  share documents without a shared disk).

The app keeps the chosen storage in `app.state`; handlers and pages reach it through
`storage_of(request)`.
"""

from __future__ import annotations

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


def legacy_photo_dir(settings: Settings) -> Path:
    """Where damage photos were kept before documents existed (read, never written)."""
    return settings.var_dir / "photos"


def storage_of(request: Request) -> Storage:
    return request.app.state[STATE_KEY]
