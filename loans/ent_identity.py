"""Who an ENT says someone is: the one shape every connector (CAS SDET, Open ENT NG, OIDC)
produces and everything after sign-in (linking, the student and guardian space) reads.

The session keeps it as a plain dict (`as_session` / `from_session`) so that the file and
Redis session stores, and every worker, read the same thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Kinds of people an ENT profile maps to. Staff profiles (National_DIR, National_ENS, …) sign
# in only through an admin's link to a staff account; "other" never gets anything.
STUDENT = "student"
GUARDIAN = "guardian"
STAFF = "staff"
OTHER = "other"
KINDS = (STUDENT, GUARDIAN, STAFF, OTHER)

# How a session was opened: recorded in it, and with every signature made inside it.
PASSWORD = "password"
CAS = "cas"
OIDC = "oidc"
METHODS = (PASSWORD, CAS, OIDC)


def strip_source_prefix(jointure: str) -> str:
    """`AC-NANTES$1234567` → `1234567`: the ENT key without the feeding source's prefix."""
    return jointure.rsplit("$", 1)[-1].strip()


@dataclass(frozen=True, slots=True)
class EntIdentity:
    region_code: str
    key: str  # ENTPersonJointure without its source prefix, or the OIDC `sub`
    kind: str  # one of KINDS
    method: str  # CAS or OIDC
    last_name: str = ""
    first_name: str = ""
    birth_date: dt.date | None = None
    uais: tuple[str, ...] = ()  # the schools the ENT attaches the person to
    classes: tuple[str, ...] = ()
    profiles: tuple[str, ...] = field(default=())  # raw ENT profiles, for the record

    def as_session(self) -> dict:
        return {
            "region_code": self.region_code,
            "key": self.key,
            "kind": self.kind,
            "method": self.method,
            "last_name": self.last_name,
            "first_name": self.first_name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "uais": list(self.uais),
            "classes": list(self.classes),
            "profiles": list(self.profiles),
        }

    @classmethod
    def from_session(cls, data: dict) -> EntIdentity:
        birth = data.get("birth_date")
        return cls(
            region_code=data["region_code"],
            key=data["key"],
            kind=data["kind"],
            method=data["method"],
            last_name=data.get("last_name", ""),
            first_name=data.get("first_name", ""),
            birth_date=dt.date.fromisoformat(birth) if birth else None,
            uais=tuple(data.get("uais", ())),
            classes=tuple(data.get("classes", ())),
            profiles=tuple(data.get("profiles", ())),
        )


# The session key holding `EntIdentity.as_session()` for students and guardians (staff signed
# in through the ENT get the linked account's usual session instead, plus SESSION_METHOD_KEY).
SESSION_ENT_KEY = "ent"
SESSION_METHOD_KEY = "auth_method"
