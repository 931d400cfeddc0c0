"""The student CSV kept on the server between the import page's preview and its confirmation.

The confirmation imports the very bytes that were previewed, not a second upload that could
differ (or be sent again over a slow school connection). The file is kept under
`<var>/student-imports/<token>.csv` with the account that sent it; only that account can
import or discard it, the token is random (never a name from the upload), the directory is
private (0700), and a file left there is removed after a day. The CSV holds minors' personal
data: it is deleted as soon as it is imported.
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

FIELD = "fichier"
MAX_BYTES = 16 * 1024 * 1024  # as the API's import: 20,000 rows of a few hundred bytes
BODY_LIMIT = MAX_BYTES + 64 * 1024
KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
GONE = "Fichier introuvable ou expiré : déposez-le à nouveau."


def _root(var_dir: Path) -> Path:
    root = var_dir / "student-imports"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def _forget_old(root: Path) -> None:
    for kept in root.iterdir():
        if kept.stat().st_mtime < time.time() - KEEP_SECONDS:
            kept.unlink(missing_ok=True)


async def keep_upload(request: Request, var_dir: Path, account_id: int) -> tuple[str, str]:
    """Save the uploaded CSV; return (token, the file's name as sent, for the page)."""
    upload = (await request.form()).get(FIELD)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid({FIELD: "Choisissez le fichier CSV des élèves."})
    data = await upload.read(MAX_BYTES + 1)
    await upload.close()
    if len(data) > MAX_BYTES:
        raise Invalid({FIELD: f"Fichier trop volumineux : {MAX_BYTES >> 20} Mo au plus."})
    if not data.strip():
        raise Invalid({FIELD: "Le fichier est vide."})
    root = _root(var_dir)
    _forget_old(root)
    token = secrets.token_urlsafe(24)
    name = Path(upload.filename).name[:100]
    (root / f"{token}.csv").write_bytes(data)
    (root / f"{token}.json").write_text(json.dumps({"account": account_id, "name": name}))
    return token, name


def kept_upload(var_dir: Path, token: str, account_id: int) -> tuple[bytes, str]:
    """The bytes and name kept under `token` for this account, else NotFound."""
    root = _root(var_dir)
    if not _TOKEN.match(token) or not (root / f"{token}.json").is_file():
        raise NotFound(GONE)
    meta = json.loads((root / f"{token}.json").read_text())
    if meta["account"] != account_id or not (root / f"{token}.csv").is_file():
        raise NotFound(GONE)
    return (root / f"{token}.csv").read_bytes(), meta["name"]


def forget(var_dir: Path, token: str) -> None:
    if _TOKEN.match(token):
        for suffix in (".csv", ".json"):
            (_root(var_dir) / f"{token}{suffix}").unlink(missing_ok=True)
