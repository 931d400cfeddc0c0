"""What a new password must be: long enough, not one of the most common, not the email.

The list of common passwords (`common_passwords.csv`, one a line, most common first) is the
first 10,000 of the `passwords` frequency list shipped by zxcvbn (Python port, MIT licence,
© 2016 Daniel Wolf, after Dropbox's zxcvbn), copied here so that the check needs no package
at run time. Hashing stays argon2id (api/accounts/staff.py).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MIN_LENGTH = 10
_LIST = Path(__file__).with_name("common_passwords.csv")
_TRAILING_DIGITS_AND_SYMBOLS = re.compile(r"[\d\W_]+$")
_LOCAL_PART_PIECES = re.compile(r"[._+\-]+")


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip() for line in _LIST.read_text().splitlines() if line.strip())


def password_problem(password: str, email: str = "") -> str | None:
    """Why this password is refused, in French, or None."""
    if len(password) < MIN_LENGTH:
        return f"{MIN_LENGTH} caractères au moins"
    folded = password.casefold()
    common = common_passwords()
    stem = _TRAILING_DIGITS_AND_SYMBOLS.sub("", folded)
    if folded in common or (len(stem) >= 4 and stem in common):
        return (
            "ce mot de passe fait partie des plus courants, essayés en premier par les "
            "attaquants : choisissez-en un autre (une phrase de quelques mots, par exemple)"
        )
    local = email.strip().casefold().partition("@")[0]
    pieces = {local, *_LOCAL_PART_PIECES.split(local)}
    if any(len(piece) >= 4 and piece in folded for piece in pieces):
        return "le mot de passe ne doit pas contenir l'adresse électronique ni le nom du compte"
    return None
