"""A CSV of devices sent to the import page, kept between its preview and its confirmation.

The preview and the import must read the very same bytes, and a school's connection should
not send the file twice: the page keeps it under `<var>/asset-imports/<token>.csv`, with the
account that sent it, until the import is confirmed or a day has passed. The token is random
(192 bits) and only its owner can use it; the size is bounded like the API's import body.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from litestar import Request
from litestar.datastructures import UploadFile

from inventory.errors import Invalid, NotFound

FIELD = "file"
MAX_BYTES = 32 * 1024 * 1024  # as POST /api/v1/assets/import: 50,000 rows of a few hundred bytes
BODY_LIMIT = MAX_BYTES + 64 * 1024
KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
GONE = "Fichier introuvable ou expiré : déposez-le à nouveau."


def _root(var_dir: Path) -> Path:
    return var_dir / "asset-imports"


def _forget_old(root: Path) -> None:
    for kept in root.iterdir() if root.is_dir() else ():
        if kept.stat().st_mtime < time.time() - KEEP_SECONDS:
            kept.unlink(missing_ok=True)


async def keep_upload(request: Request, var_dir: Path, account_id: int) -> tuple[str, str]:
    """Save the form's file; (token, file name). Invalid naming the field when absent or
    too big (nothing kept then)."""
    upload = (await request.form()).get(FIELD)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid({FIELD: "choisissez le fichier CSV des appareils"})
    root = _root(var_dir)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    _forget_old(root)
    token = secrets.token_urlsafe(24)
    path, size = root / f"{token}.csv", 0
    with path.open("wb") as out:
        while chunk := await upload.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_BYTES:
                out.close()
                path.unlink(missing_ok=True)
                raise Invalid({FIELD: f"fichier trop gros : {MAX_BYTES >> 20} Mo au plus"})
            out.write(chunk)
    await upload.close()
    if size == 0:
        path.unlink(missing_ok=True)
        raise Invalid({FIELD: "le fichier est vide"})
    name = Path(upload.filename).name[:200]
    (root / f"{token}.json").write_text(json.dumps({"account": account_id, "name": name}))
    return token, name


def kept_upload(var_dir: Path, token: str, account_id: int) -> tuple[bytes, str]:
    """(content, file name) kept under `token` for this account, else NotFound."""
    root = _root(var_dir)
    if not _TOKEN.match(token) or not (root / f"{token}.json").is_file():
        raise NotFound(GONE)
    meta = json.loads((root / f"{token}.json").read_text())
    content = root / f"{token}.csv"
    if meta["account"] != account_id or not content.is_file():
        raise NotFound(GONE)
    if content.stat().st_mtime < time.time() - KEEP_SECONDS:  # not yet swept by an upload
        forget(var_dir, token)
        raise NotFound(GONE)
    return content.read_bytes(), meta["name"]


def forget(var_dir: Path, token: str) -> None:
    if _TOKEN.match(token):
        for suffix in (".csv", ".json"):
            (_root(var_dir) / f"{token}{suffix}").unlink(missing_ok=True)
