"""Is the signed convention still what is handed over?

A convention is signed before the hand-over; what the hand-over records may differ from what
it says: staff tick other accessories than the ones planned, or the due date moved (the
region's school year changed, or the device leaves in another school year than the one it was
prepared in), or the student's data changed since it was issued. The people who signed agreed
to the convention, not to the loan as it ends up: the hand-over is then refused, the loan
keeps what is now planned, and a new version is issued that everyone signs again
(`loans.agreements.reissue_for_hand_over`).

The comparison is the convention's own `content_key` (what it says, without its version and
date), computed on the loan as the hand-over would record it, under the terms version already
signed: new terms alone never refuse a hand-over.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from inventory.errors import Conflict
from loans import agreement_records
from loans.agreement_content import agreement_data, content_key
from loans.agreement_data import AgreementData
from loans.mail import date_fr


class AgreementOutdated(Conflict):
    """The hand-over would not match the signed convention; `accessories` are those chosen."""

    def __init__(self, message: str, accessories: list[str]) -> None:
        super().__init__(message, field="accessories")
        self.accessories = accessories


def stated_by(data: AgreementData) -> dict:
    """What an issued convention says that a hand-over must match (`Agreement.stated`)."""
    return {"accessories": list(data.accessories), "due_date": data.due_date.isoformat()}


def _listed(items: list[str]) -> str:
    return ", ".join(items) if items else "aucun"


async def _stated(agreement: dict, row: dict, now: dt.datetime) -> tuple[list[str], dt.date]:
    stated = agreement["stated"]
    if stated is None:  # issued before conventions kept it: what the loan says today
        data, _ = await agreement_data(
            row, now, version=0, verification_url="", terms_version=agreement["terms_version"]
        )
        return data.accessories, data.due_date
    return stated["accessories"], dt.date.fromisoformat(stated["due_date"])


async def refuse_if_outdated(
    row: dict, accessories: list[str], due_on: dt.date | None, now: dt.datetime
) -> None:
    """`row`: the loan (`loans.records.loan_row`) about to be handed over with these values."""
    current = await agreement_records.current_agreement(row["id"])
    if current is None or current["content_key"] is None:
        return  # nothing issued here (a convention printed elsewhere): nothing to compare
    planned = {**row, "accessories_planned": accessories, "due_on": due_on}
    after, _ = await agreement_data(
        planned, now, version=0, verification_url="", terms_version=current["terms_version"]
    )
    if content_key(after) == current["content_key"]:
        return
    signed_accessories, signed_due = await _stated(current, row, now)
    changes = []
    if after.accessories != signed_accessories:
        changes.append(
            f"accessoires remis : {_listed(after.accessories)} "
            f"(convention : {_listed(signed_accessories)})"
        )
    if after.due_date != signed_due:
        changes.append(
            f"date de retour : {date_fr(after.due_date)} (convention : {date_fr(signed_due)})"
        )
    as_signed = msgspec.structs.replace(after, accessories=signed_accessories, due_date=signed_due)
    if content_key(as_signed) != current["content_key"]:
        changes.append("les données de l'élève, de l'établissement ou du règlement ont changé")
    raise AgreementOutdated(
        f"Prêt n° {row['id']} : la convention signée (version {current['version']}) ne "
        f"correspond plus à ce prêt ; {' ; '.join(changes)}.",
        accessories,
    )
