"""AAF files sent to the directory import, by the API or the upload page.

The API takes one file as the raw body (`application/xml`) or several as a multipart form
(field `files`): real exports come split (structures, students, relatives) and must be
imported together. Multipart files are spooled to disk by the server and read from there.

The page keeps the files it previewed under `<var>/directory-imports/<token>/`, with who
uploaded them for which region, until the import is confirmed (or a day has passed): the
preview and the import read the very same files, and a 150 MB export is not sent twice.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import BinaryIO

from litestar import Request
from litestar.datastructures import UploadFile

from api.pdf_uploads import is_multipart
from inventory.errors import Invalid, NotFound

FIELD = "files"
MAX_BYTES = 512 * 1024 * 1024  # an academy's export: 150 MB of students, as much of relatives
BODY_LIMIT = MAX_BYTES + 1024 * 1024
XML_TYPES = frozenset(
    {"application/xml", "text/xml", "application/octet-stream", "multipart/form-data"}
)
KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


async def _uploads(request: Request) -> list[UploadFile]:
    form = await request.form()
    return [v for _, v in form.multi_items() if isinstance(v, UploadFile) and v.filename]


async def uploaded_files(request: Request) -> list[tuple[str, bytes | BinaryIO]]:
    """(name, content) of each file sent to the API; the raw body is named `requête.xml`."""
    if is_multipart(request):
        files: list[tuple[str, bytes | BinaryIO]] = [
            (Path(u.filename).name, u.file) for u in await _uploads(request)
        ]
    else:
        body = await request.body()
        files = [("requête.xml", body)] if body else []
    if not files:
        raise Invalid({FIELD: "envoyez au moins un fichier AAF (XML)"})
    return files


def _root(var_dir: Path) -> Path:
    return var_dir / "directory-imports"


def _forget_old(root: Path) -> None:
    if root.is_dir():
        for kept in root.iterdir():
            if kept.stat().st_mtime < time.time() - KEEP_SECONDS:
                shutil.rmtree(kept, ignore_errors=True)


async def keep_uploads(request: Request, var_dir: Path, account_id: int, region: str) -> str:
    """Save the page's uploads; return the token that names them."""
    uploads = await _uploads(request)
    if not uploads:
        raise Invalid({FIELD: "choisissez au moins un fichier AAF (XML)"})
    root = _root(var_dir)
    _forget_old(root)
    token = secrets.token_urlsafe(24)
    folder = root / token
    folder.mkdir(parents=True, mode=0o700)
    names, size = [], 0
    for number, upload in enumerate(uploads):
        name = Path(upload.filename).name
        with (folder / f"{number:03d}.xml").open("wb") as out:
            while chunk := await upload.read(1024 * 1024):
                size += len(chunk)
                if size > MAX_BYTES:
                    shutil.rmtree(folder, ignore_errors=True)
                    raise Invalid({FIELD: f"{MAX_BYTES >> 20} Mo au plus en tout"})
                out.write(chunk)
        await upload.close()
        names.append(name)
    meta = {"account": account_id, "region": region, "names": names}
    (folder / "meta.json").write_text(json.dumps(meta))
    return token


def kept_files(var_dir: Path, token: str, account_id: int, region: str) -> list[tuple[str, Path]]:
    """The files kept under `token` for this account and region, else NotFound."""
    folder = _root(var_dir) / token
    meta_path = folder / "meta.json"
    if not _TOKEN.match(token) or not meta_path.is_file():
        raise NotFound("Fichiers introuvables : déposez-les à nouveau.")
    meta = json.loads(meta_path.read_text())
    if meta["account"] != account_id or meta["region"] != region:
        raise NotFound("Fichiers introuvables : déposez-les à nouveau.")
    return [(name, folder / f"{n:03d}.xml") for n, name in enumerate(meta["names"])]


def forget(var_dir: Path, token: str) -> None:
    if _TOKEN.match(token):
        shutil.rmtree(_root(var_dir) / token, ignore_errors=True)
