"""What an ENT says about someone, mapped to the one `EntIdentity` every connector produces.

Two flavours of CAS attributes:

- **SDET** (the national schema most regional ENTs follow), flat and multi-valued:
  `ENTPersonJointure` (the key, `AC-XXX$1234` → `1234`), `ENTPersonProfils` (`National_ELV`,
  `National_TUT`, `National_ENS`…), `ENTPersonStructRattachRNE` (UAI; `ENTPersonStructRattach`
  when it holds a UAI), `ENTEleveClasses` (`struct$CLASS`), `sn`, `givenName`,
  `ENTPersonDateNaissance` (JJ/MM/AAAA).
- **Open ENT NG** (entcore): one `userAttributes` attribute holding the user as a JSON
  document (or as nested elements): `externalId` (the key), `type` or `profiles` (`Student`,
  `Relative`, `Teacher`, `Personnel`), `lastName`, `firstName`, `birthDate`, and `schools`,
  each with its `externalId` (the UAI; `UAI` when both are given) and its `classes`.

Unknown profiles map to OTHER, which never gets anything.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping

from loans.ent_identity import (
    GUARDIAN,
    OTHER,
    STAFF,
    STUDENT,
    EntIdentity,
    strip_source_prefix,
)

SDET = "sdet"
ENTNG = "entng"
FLAVOURS = (SDET, ENTNG)

# SDET profiles (ENTPersonProfils). National_ELV / National_TUT are students and guardians;
# the school's staff profiles sign in only through a link to a staff account.
SDET_KINDS = {
    "national_elv": STUDENT,
    "national_tut": GUARDIAN,
    "national_dir": STAFF,
    "national_ens": STAFF,
    "national_evs": STAFF,
    "national_doc": STAFF,
    "national_eta": STAFF,
    "national_acad": STAFF,
    "national_col": STAFF,
}
# Open ENT NG user types (its `type`, or its `profiles` list).
ENTNG_KINDS = {
    "student": STUDENT,
    "relative": GUARDIAN,
    "teacher": STAFF,
    "personnel": STAFF,
}
# Where a person holds several profiles, the most specific decides: a teacher who is also a
# parent is staff here, and only through an admin's link.
_PRECEDENCE = (STAFF, STUDENT, GUARDIAN)
_UAI = re.compile(r"^\d{7}[A-Z]$")


class UnreadableAttributes(ValueError):
    """The ENT released no usable key: nothing can be done with this sign-in."""


def kind_of(profiles: Iterable[str], table: Mapping[str, str]) -> str:
    kinds = {table.get(profile.strip().lower(), OTHER) for profile in profiles}
    return next((kind for kind in _PRECEDENCE if kind in kinds), OTHER)


def parse_birth_date(text: str | None) -> dt.date | None:
    """JJ/MM/AAAA (SDET) or AAAA-MM-JJ (entcore, OIDC `birthdate`); anything else: unknown."""
    text = (text or "").strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text[:10], pattern).date()
        except ValueError:
            continue
    return None


def _first(attributes: Mapping[str, list], name: str) -> str:
    values = attributes.get(name) or [""]
    return str(values[0]).strip()


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def sdet_identity(region_code: str, method: str, attributes: Mapping[str, list]) -> EntIdentity:
    """`attributes`: every released attribute by name, each a list of its values."""
    key = strip_source_prefix(_first(attributes, "ENTPersonJointure"))
    if not key:
        raise UnreadableAttributes("ENTPersonJointure")
    profiles = _unique(str(p).strip() for p in attributes.get("ENTPersonProfils", []))
    uais = [str(v).strip().upper() for v in attributes.get("ENTPersonStructRattachRNE", [])]
    # Some ENTs release the UAI itself in ENTPersonStructRattach; others a structure id,
    # which only the directory can resolve: kept only when it reads as a UAI.
    uais += [
        str(v).strip().upper()
        for v in attributes.get("ENTPersonStructRattach", [])
        if _UAI.match(str(v).strip().upper())
    ]
    return EntIdentity(
        region_code=region_code,
        key=key,
        kind=kind_of(profiles, SDET_KINDS),
        method=method,
        last_name=_first(attributes, "sn"),
        first_name=_first(attributes, "givenName"),
        birth_date=parse_birth_date(_first(attributes, "ENTPersonDateNaissance")),
        uais=_unique(uais),
        classes=_unique(str(c).strip() for c in attributes.get("ENTEleveClasses", [])),
        profiles=profiles,
    )


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _class_name(value) -> str:
    if isinstance(value, Mapping):
        return str(value.get("name") or value.get("externalId") or "").strip()
    return str(value).strip()


def entng_identity(region_code: str, method: str, user: Mapping) -> EntIdentity:
    """`user`: the `userAttributes` document, decoded (JSON text or nested elements)."""
    key = strip_source_prefix(str(user.get("externalId") or ""))
    if not key:
        raise UnreadableAttributes("externalId")
    profiles = _unique(
        str(p).strip() for p in [*_as_list(user.get("type"))] + _as_list(user.get("profiles"))
    )
    uais: list[str] = []
    classes: list[str] = []
    for school in _as_list(user.get("schools")):
        if not isinstance(school, Mapping):
            continue
        uai = str(school.get("UAI") or school.get("externalId") or "").strip().upper()
        uais.append(uai)
        for item in _as_list(school.get("classes")):
            name = _class_name(item)
            if name:
                classes.append(f"{uai}${name}" if uai and "$" not in name else name)
    return EntIdentity(
        region_code=region_code,
        key=key,
        kind=kind_of(profiles, ENTNG_KINDS),
        method=method,
        last_name=str(user.get("lastName") or "").strip(),
        first_name=str(user.get("firstName") or "").strip(),
        birth_date=parse_birth_date(str(user.get("birthDate") or "")),
        uais=_unique(uais),
        classes=_unique(classes),
        profiles=profiles,
    )


def decode_entng(value) -> Mapping:
    """The `userAttributes` value: JSON text, or already a nested mapping."""
    if isinstance(value, Mapping):
        return value
    try:
        decoded = json.loads(str(value))
    except ValueError:
        raise UnreadableAttributes("userAttributes") from None
    if not isinstance(decoded, Mapping):
        raise UnreadableAttributes("userAttributes")
    return decoded
