"""A CSV sent to an import page (devices, students), kept between its preview and its
confirmation.

The confirmation imports the very bytes that were previewed, not a second upload that could
differ (or be sent again over a slow school connection). Each page keeps its files under
`<var>/<folder>/<token>.csv` with the account that sent it: the token is random (192 bits,
never a name from the upload), only that account can import or discard it, the directory is
private (0700), the size is bounded as the API's import body, and a file is removed once
imported or after a day. Student files hold minors' personal data: that is why they go as
soon as they are imported.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from litestar import Request
from litestar.datastructures import UploadFile

from inventory.errors import Invalid, NotFound

KEEP_SECONDS = 24 * 3600
GONE = "Fichier introuvable ou expiré : déposez-le à nouveau."
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass(frozen=True)
class KeptCsv:
    folder: str  # under the var directory
    field: str  # the form's file field, named in errors
    max_bytes: int
    missing: str  # what to say when no file was chosen

    @property
    def body_limit(self) -> int:
        return self.max_bytes + 64 * 1024  # the multipart envelope around the file

    def _root(self, var_dir: Path) -> Path:
        return var_dir / self.folder

    async def keep(self, request: Request, var_dir: Path, account_id: int) -> tuple[str, str]:
        """Save the form's file; (token, file name as sent). Invalid naming the field when
        absent, empty or too big (nothing kept then)."""
        upload = (await request.form()).get(self.field)
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid({self.field: self.missing})
        root = self._root(var_dir)
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        for kept in root.iterdir():  # the files nobody confirmed
            if kept.stat().st_mtime < time.time() - KEEP_SECONDS:
                kept.unlink(missing_ok=True)
        token = secrets.token_urlsafe(24)
        path, size = root / f"{token}.csv", 0
        with path.open("wb") as out:
            while chunk := await upload.read(1024 * 1024):
                size += len(chunk)
                if size > self.max_bytes:
                    out.close()
                    path.unlink(missing_ok=True)
                    too_big = f"Fichier trop volumineux : {self.max_bytes >> 20} Mo au plus."
                    raise Invalid({self.field: too_big})
                out.write(chunk)
        await upload.close()
        if size == 0:
            path.unlink(missing_ok=True)
            raise Invalid({self.field: "Le fichier est vide."})
        name = Path(upload.filename).name[:200]
        (root / f"{token}.json").write_text(json.dumps({"account": account_id, "name": name}))
        return token, name

    def kept(self, var_dir: Path, token: str, account_id: int) -> tuple[bytes, str]:
        """(content, file name) kept under `token` for this account, else NotFound."""
        root = self._root(var_dir)
        if not _TOKEN.match(token) or not (root / f"{token}.json").is_file():
            raise NotFound(GONE)
        meta = json.loads((root / f"{token}.json").read_text())
        content = root / f"{token}.csv"
        if meta["account"] != account_id or not content.is_file():
            raise NotFound(GONE)
        if content.stat().st_mtime < time.time() - KEEP_SECONDS:  # not yet swept by an upload
            self.forget(var_dir, token)
            raise NotFound(GONE)
        return content.read_bytes(), meta["name"]

    def forget(self, var_dir: Path, token: str) -> None:
        if _TOKEN.match(token):
            for suffix in (".csv", ".json"):
                (self._root(var_dir) / f"{token}{suffix}").unlink(missing_ok=True)


# As POST /api/v1/assets/import: 50,000 rows of a few hundred bytes.
ASSET_CSV = KeptCsv(
    "asset-imports", "file", 32 * 1024 * 1024, "choisissez le fichier CSV des appareils"
)
# As the students' API import: 20,000 rows of a few hundred bytes.
STUDENT_CSV = KeptCsv(
    "student-imports", "fichier", 16 * 1024 * 1024, "Choisissez le fichier CSV des élèves."
)
