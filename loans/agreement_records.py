"""Agreements and their signatures as rows: reading the current version, who signed it and
who is missing, and the writes the lifecycle shares with `loans.agreements` (a new version,
a signature, the paper signatures recorded at the desk).

A loan is *signed* when its current agreement (the highest version not superseded) has a
signature of every signer it asked (`Agreement.required`); `completed_at` is set in the
transaction of the signature that completes it, so lists read one column.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

import msgspec

from inventory.db import for_update
from inventory.scope import Actor
from loans.agreement_content import HEAD_LABEL, Signer
from loans.default_terms import DEFAULT_TERMS_VERSION
from loans.minors import PARIS, paris_day
from loans.tables import Agreement, Signature

ROLE_NAMES = {
    "student": "élève",
    "guardian": "représentant légal",
    "head_of_school": "chef d’établissement",
}
METHODS = {"in_person": "sur place", "remote": "à distance", "paper": "sur papier"}


class SignerStatus(msgspec.Struct, frozen=True):
    role: str
    guardian_id: int | None
    name: str
    signed: bool
    method: str | None = None
    signed_at: dt.datetime | None = None
    without_scan: bool = False

    @property
    def unrecorded(self) -> bool:
        """A minor's legal guardian nobody recorded: only a paper convention carries their
        signature; record the guardian to sign otherwise."""
        return self.role == "guardian" and self.guardian_id is None

    @property
    def described(self) -> str:
        """« Léa MARTIN (élève) »; a school with no head's name recorded: its title alone."""
        if self.name == HEAD_LABEL:
            return self.name
        return f"{self.name} ({ROLE_NAMES.get(self.role, self.role)})"


class SignedState(msgspec.Struct, frozen=True):
    """What a loan's view says of its signatures."""

    signed: bool = False
    paper_signed_on: dt.date | None = None  # the day of its paper signatures, if on paper


def signers_of(agreement: dict) -> list[Signer]:
    required = agreement["required"]
    if isinstance(required, str):  # raw reads return JSON as text
        required = json.loads(required)
    return [msgspec.convert(signer, Signer) for signer in required]


async def current_agreement(loan_id: int, *, lock: bool = False) -> dict | None:
    query = (
        Agreement.select(*Agreement.all_columns())
        .where((Agreement.loan == loan_id) & Agreement.superseded_at.is_null())
        .order_by(Agreement.version, ascending=False)
        .limit(1)
        .output(load_json=True)
    )
    rows = await (for_update(query, Agreement) if lock else query)
    return rows[0] if rows else None


async def signatures_of(agreement_id: int) -> list[dict]:
    return await (
        Signature.select(*Signature.all_columns())
        .where(Signature.agreement == agreement_id)
        .order_by(Signature.id)
    )


def statuses(agreement: dict, signatures: list[dict]) -> list[SignerStatus]:
    by_key = {(s["role"], s["guardian"]): s for s in signatures}
    result = []
    for signer in signers_of(agreement):
        signature = by_key.get(signer.key)
        result.append(
            SignerStatus(
                role=signer.role,
                guardian_id=signer.guardian_id,
                name=signer.name,
                signed=signature is not None,
                method=signature["method"] if signature else None,
                signed_at=signature["signed_at"] if signature else None,
                without_scan=bool(signature["without_scan"]) if signature else False,
            )
        )
    return result


def missing_text(missing: list[SignerStatus]) -> str:
    return "manque la signature de " + ", ".join(s.described for s in missing)


async def missing_signers(loan_id: int) -> list[SignerStatus] | None:
    """The signers of the current agreement who have not signed; None: no agreement yet."""
    agreement = await current_agreement(loan_id)
    if agreement is None:
        return None
    if agreement["completed_at"] is not None:
        return []
    return [s for s in statuses(agreement, await signatures_of(agreement["id"])) if not s.signed]


async def signed_states(loan_ids: list[int], *, paper: bool = True) -> dict[int, SignedState]:
    """For the loans' views, in two queries whatever their number (one without `paper`:
    the day of paper signatures is then not read)."""
    if not loan_ids:
        return {}
    rows = await Agreement.select(Agreement.id, Agreement.loan, Agreement.completed_at).where(
        Agreement.loan.is_in(sorted(set(loan_ids)))
        & Agreement.superseded_at.is_null()
        & Agreement.completed_at.is_not_null()
    )
    complete = {row["id"]: row["loan"] for row in rows}
    days: dict[int, dt.date] = {}
    if complete and paper:
        for row in await Signature.select(Signature.agreement, Signature.signed_at).where(
            Signature.agreement.is_in(sorted(complete)) & (Signature.method == "paper")
        ):
            day = paris_day(row["signed_at"])
            loan_id = complete[row["agreement"]]
            days[loan_id] = max(day, days.get(loan_id, day))
    signed = set(complete.values())
    return {loan_id: SignedState(loan_id in signed, days.get(loan_id)) for loan_id in loan_ids}


# Writes, inside the caller's transaction ------------------------------------------------------


async def new_version(
    loan_id: int,
    signers: list[Signer],
    actor: Actor,
    now: dt.datetime,
    *,
    terms_version: int,
    sha256: str | None = None,
    document_id: int | None = None,
    content_key: str | None = None,
    public_id: str | None = None,
    stated: dict | None = None,
) -> dict:
    """A new agreement version for the loan; the current one, if any, is superseded (its
    signatures no longer count)."""
    current = await current_agreement(loan_id, lock=True)
    if current is not None:
        await Agreement.update({Agreement.superseded_at: now}).where(Agreement.id == current["id"])
    last = (
        await Agreement.select(Agreement.version)
        .where(Agreement.loan == loan_id)
        .order_by(Agreement.version, ascending=False)
        .first()
    )
    row = Agreement(
        loan=loan_id,
        version=(last["version"] + 1) if last else 1,
        terms_version=terms_version,
        sha256=sha256,
        document=document_id,
        content_key=content_key,
        stated=stated,
        required=[msgspec.to_builtins(s) for s in signers],
        public_id=public_id or secrets.token_hex(16),
        issued_at=now,
        issued_by_name=actor.name,
    )
    await Agreement.insert(row)
    created = await current_agreement(loan_id)
    assert created is not None
    return created


async def add_signature(agreement: dict, signer: Signer, now: dt.datetime, **values) -> bool:
    """Record one signer's signature; True when it completes the agreement."""
    await Signature.insert(
        Signature(
            agreement=agreement["id"],
            role=signer.role,
            guardian=signer.guardian_id,
            signer_name=signer.name,
            signed_at=values.pop("signed_at", now),
            **values,
        )
    )
    signed = {(s["role"], s["guardian"]) for s in await signatures_of(agreement["id"])}
    if all(s.key in signed for s in signers_of(agreement)):
        await Agreement.update({Agreement.completed_at: now}).where(Agreement.id == agreement["id"])
        return True
    return False


def paper_moment(signed_on: dt.date, now: dt.datetime) -> dt.datetime:
    """A paper signature is known by its day: noon in Paris, or now if that is later."""
    noon = dt.datetime.combine(signed_on, dt.time(12), PARIS)
    return min(noon, now).astimezone(dt.UTC)


async def record_paper_signatures(
    loan_id: int, signers: list[Signer], actor: Actor, now: dt.datetime, signed_on: dt.date
) -> list[SignerStatus]:
    """Staff attest that the paper convention carries the signature of every signer still
    missing: one paper signature each, without scan, on the current agreement (a version 1
    with no PDF when none was issued). Returns the signatures added."""
    agreement = await current_agreement(loan_id, lock=True)
    if agreement is None:
        agreement = await new_version(
            loan_id, signers, actor, now, terms_version=DEFAULT_TERMS_VERSION
        )
    missing = [s for s in statuses(agreement, await signatures_of(agreement["id"])) if not s.signed]
    for status in missing:
        await add_signature(
            agreement,
            Signer(status.role, status.name, status.guardian_id),  # type: ignore[arg-type]
            now,
            method="paper",
            signed_at=paper_moment(signed_on, now),
            document_sha256=agreement["sha256"],
            without_scan=True,
            recorded_by_id=actor.id,
            recorded_by_name=actor.name,
        )
    return missing


async def carry_over(from_loan_id: int, to_loan_id: int) -> None:
    """A transferred loan's continuation keeps the agreement signed for the device: a copy of
    the current version with its signatures (same PDF, same signers, same times)."""
    agreement = await current_agreement(from_loan_id)
    if agreement is None:
        return
    values = {k: v for k, v in agreement.items() if k not in ("id", "loan", "public_id")}
    values["required"] = agreement["required"]
    await Agreement.insert(Agreement(loan=to_loan_id, public_id=secrets.token_hex(16), **values))
    copy = await current_agreement(to_loan_id)
    assert copy is not None
    for signature in await signatures_of(agreement["id"]):
        fields = {k: v for k, v in signature.items() if k not in ("id", "agreement")}
        await Signature.insert(Signature(agreement=copy["id"], **fields))
