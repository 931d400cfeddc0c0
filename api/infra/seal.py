"""The region's seal, from the settings: the PKCS#12 file of ORDIPRET_SEAL_P12, or else a
demonstration seal made once in the var directory.

Without a configured certificate, a first start must still produce sealed agreements that can
be checked, so ordipret makes a self-signed seal (`var/seal-demo.p12`, its random password in
`var/seal-demo.password`, both mode 0600) and keeps it: every worker and every restart seal
with the same key. Verification says plainly that such a seal is a demonstration.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography import x509

from api.clock import utcnow
from api.settings import Settings
from inventory.errors import Invalid
from loans.sealing import SealKey, load_seal_key, make_demo_seal

DEMO_P12 = "seal-demo.p12"
DEMO_PASSWORD = "seal-demo.password"
DEMO_COMMON_NAME = "Région de démonstration"


def seal_key_for(settings: Settings) -> SealKey:
    """The seal to sign with, loaded once per process and loaded again only when its file
    changes (a certificate renewed in place, a var directory emptied)."""
    if settings.seal_p12 is None and not (settings.var_dir / DEMO_P12).exists():
        _load_demo(settings.var_dir, create=True)
    return _loaded(settings, _identity(_seal_path(settings)))


def _seal_path(settings: Settings) -> Path:
    return settings.seal_p12 if settings.seal_p12 is not None else settings.var_dir / DEMO_P12


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_ino, status.st_mtime_ns, status.st_size


@lru_cache(maxsize=8)
def _loaded(settings: Settings, identity: tuple[int, int, int] | None) -> SealKey:
    if settings.seal_p12 is not None:
        return _configured(settings)
    return _load_demo(settings.var_dir, create=True)


def trusted_certificates(settings: Settings) -> list[x509.Certificate]:
    """The certificates a verification trusts by default: the configured seal's own, or the
    demonstration seal's if one was made. Only the seal certificate itself, not its issuers:
    trusting the issuing CA would vouch for every seal that CA ever sold."""
    if settings.seal_p12 is not None:
        return [seal_key_for(settings).certificate]
    identity = _identity(settings.var_dir / DEMO_P12)
    if identity is None:
        return []
    return [_loaded(settings, identity).certificate]


def _configured(settings: Settings) -> SealKey:
    assert settings.seal_p12 is not None
    try:
        p12 = settings.seal_p12.read_bytes()
    except OSError:
        raise Invalid({"ORDIPRET_SEAL_P12": f"fichier illisible : {settings.seal_p12}"}) from None
    try:
        return load_seal_key(p12, settings.seal_password.encode() or None)
    except Invalid as error:
        raise Invalid({"ORDIPRET_SEAL_P12": error.errors.get("p12", error.message)}) from None


def _load_demo(var_dir: Path, *, create: bool) -> SealKey:
    p12_path, password_path = var_dir / DEMO_P12, var_dir / DEMO_PASSWORD
    var_dir.mkdir(parents=True, exist_ok=True)
    # Several workers start at once: an exclusive lock makes one of them create the pair
    # and the others read it, never a key with another worker's password.
    with open(var_dir / "seal-demo.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if create and not p12_path.exists():
                password = secrets.token_urlsafe(24)
                _write_private(password_path, password.encode())
                _write_private(
                    p12_path, make_demo_seal(DEMO_COMMON_NAME, utcnow(), password=password.encode())
                )
            return load_seal_key(p12_path.read_bytes(), password_path.read_text().strip().encode())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` readable by the owner only, atomically (a crash leaves no half file)."""
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
