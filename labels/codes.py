"""Label codes: opaque, unguessable, short, and forgiving when typed by hand.

Crockford's base-32 alphabet has no I, L, O or U, so a code read aloud or typed from the
printed text survives the usual confusions (O/0, I/1/L). Ten characters carry 50 random bits:
no sequence to enumerate, and collisions are negligible (and refused by a unique index).
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(text: str) -> str | None:
    """The canonical code for what was typed, or None if it cannot be one."""
    candidate = text.strip().upper().translate(_CONFUSABLE)
    if len(candidate) == LENGTH and all(c in ALPHABET for c in candidate):
        return candidate
    return None


def label_url(public_url: str, code: str) -> str:
    """What the QR encodes. Upper case lets the QR use its compact alphanumeric mode (a smaller
    symbol, more robust when printed small); the server answers on /A/ as on /a/."""
    return f"{public_url.rstrip('/')}/a/{code}".upper()
