"""What a loan's convention says, read from the database: the parties, the device, the dates,
the terms, and who must sign it.

Who signs (`required_signers`):
- the student, always;
- each guardian *with legal authority*, when the student is a minor on the day the agreement
  is issued and the region's policy asks guardians to co-sign (`guardian_cosign_for_minors`);
  a guardian without legal authority is never asked; with none recorded, an unnamed legal
  guardian's slot that only a paper signature fills;
- the head of school (or staff holding that delegation: the web layer decides who).

`content_key` is the SHA-256 of everything the convention says except its version, issue
date and verification URL: a new version is issued when, and only when, it changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import msgspec

from inventory.catalogue import CATEGORIES
from inventory.tables import Asset, Establishment, Region
from loans.agreement_data import (
    AgreementData,
    DeviceInfo,
    Guardian,
    RegionParty,
    SchoolParty,
    SignatureBlock,
    SignerRole,
    StudentParty,
)
from loans.minors import is_minor, paris_day
from loans.policy import END_RULES, accessories_for, due_date, policy_for_region
from loans.tables import Guardian as GuardianRow
from loans.tables import Student
from loans.terms_versions import TermsVersionView, stored_terms, terms_for_agreement
from loans.views import PolicyView

HEAD_LABEL = "Le chef d’établissement"
LEGAL_AUTHORITY = "titulaire de l’autorité parentale"
UNRECORDED_GUARDIAN = "Représentant légal non enregistré"
CESSION_TERMS = (
    "À la fin de la scolarité de l’élève, la Région peut lui céder le matériel ; il devient "
    "alors sa propriété (article 7)."
)


class Signer(msgspec.Struct, frozen=True):
    """One party asked to sign, as kept on the agreement (`Agreement.required`)."""

    role: SignerRole
    name: str
    guardian_id: int | None = None
    label: str | None = None

    @property
    def key(self) -> tuple[str, int | None]:
        return (self.role, self.guardian_id)


async def terms_for(
    region_id: int, now: dt.datetime, version: int | None = None
) -> TermsVersionView:
    """The terms an agreement is made from: `version` when given (an agreement already
    issued, read again: it never changes), else the region's version in force, stored the
    first time an agreement is made from it (`loans.terms_versions.terms_for_agreement`),
    so that the number the agreement records always names one stored text."""
    if version is not None:
        return await stored_terms(region_id, version)
    return await terms_for_agreement(region_id, now)


def display_name(first_name: str, last_name: str) -> str:
    return f"{first_name} {last_name.upper()}"


def required_signers(
    student: dict, guardians: list[dict], policy: PolicyView, head_name: str, on_day: dt.date
) -> list[Signer]:
    """In signing order: the student, the guardians asked, the head of school."""
    signers = [Signer("student", display_name(student["first_name"], student["last_name"]))]
    if policy.guardian_cosign_for_minors and is_minor(student["birth_date"], on_day):
        signers += [
            Signer(
                "guardian",
                display_name(g["first_name"], g["last_name"]),
                guardian_id=g["id"],
                label="Représentant légal",
            )
            for g in guardians
            if g["legal_authority"]
        ]
        if not any(g["legal_authority"] for g in guardians):
            # A minor's convention is never complete without a legal guardian: with none
            # recorded, a slot nobody can sign online stays open (a paper convention carries
            # the signature by hand; recording the guardian issues a version naming them).
            signers.append(Signer("guardian", UNRECORDED_GUARDIAN, label="Représentant légal"))
    signers.append(Signer("head_of_school", head_name.strip() or HEAD_LABEL))
    return signers


async def _guardians(student_id: int) -> list[dict]:
    return await (
        GuardianRow.select(
            GuardianRow.id,
            GuardianRow.first_name,
            GuardianRow.last_name,
            GuardianRow.legal_authority,
        )
        .where(GuardianRow.student == student_id)
        .order_by(GuardianRow.id)
    )


async def _student(student_id: int) -> dict:
    row = await Student.select(*Student.all_columns()).where(Student.id == student_id).first()
    assert row is not None  # a loan's student (foreign key)
    return row


async def _head_name(establishment_id: int) -> str:
    row = (
        await Establishment.select(Establishment.head_name)
        .where(Establishment.id == establishment_id)
        .first()
    )
    return row["head_name"] if row else ""


async def signers_for_loan(loan: dict, now: dt.datetime) -> list[Signer]:
    """Who must sign the loan's agreement issued at `now` (a loan row of `loans.records`)."""
    policy = await policy_for_region(loan["region_id"], now)
    return required_signers(
        await _student(loan["student"]),
        await _guardians(loan["student"]),
        policy,
        await _head_name(loan["establishment"]),
        paris_day(now),
    )


async def agreement_data(
    loan: dict,
    now: dt.datetime,
    *,
    version: int,
    verification_url: str,
    terms_version: int | None = None,
) -> tuple[AgreementData, list[Signer]]:
    """The convention of a loan (a row of `loans.records.loan_row`) issued at `now`, under
    the region's terms in force, or under `terms_version` (an issued agreement's)."""
    today = paris_day(now)
    policy = await policy_for_region(loan["region_id"], now)
    student = await _student(loan["student"])
    guardians = await _guardians(loan["student"])
    school = (
        await Establishment.select(
            Establishment.name,
            Establishment.uai,
            Establishment.city,
            Establishment.head_name,
            Establishment.region,
        )
        .where(Establishment.id == loan["establishment"])
        .first()
    )
    assert school is not None  # a loan's school (foreign key)
    region = (
        await Region.select(Region.name, Region.code).where(Region.id == school["region"]).first()
    )
    assert region is not None
    asset = (
        await Asset.select(
            Asset.serial,
            Asset.tag,
            Asset.model.id.as_alias("model_id"),
            Asset.model.manufacturer.as_alias("manufacturer"),
            Asset.model.name.as_alias("model_name"),
            Asset.model.category.as_alias("category"),
            Asset.model.accessories.as_alias("accessories"),
        )
        .where(Asset.id == loan["asset"])
        .first()
    )
    assert asset is not None  # assets are never deleted
    signers = required_signers(student, guardians, policy, school["head_name"], today)
    asked = {g.guardian_id for g in signers if g.role == "guardian"}
    terms = await terms_for(loan["region_id"], now, terms_version)
    if loan["handed_over_at"]:
        accessories = list(loan["accessories_given"] or [])
    elif loan.get("accessories_planned") is not None:
        accessories = list(loan["accessories_planned"])
    else:
        accessories = accessories_for(policy, asset["model_id"], asset["accessories"])
    category: str = CATEGORIES.get(asset["category"]) or asset["category"] or ""
    data = AgreementData(
        reference=f"{region['code']}-{loan['id']:06d}",
        document_version=version,
        issue_date=today,
        region=RegionParty(region["name"]),
        school=SchoolParty(
            school["name"], school["uai"], school["city"], school["head_name"] or HEAD_LABEL
        ),
        student=StudentParty(
            student["last_name"],
            student["first_name"],
            student["class_name"],
            student["birth_date"],
            student["ent_id"],
        ),
        guardians=[
            Guardian(g["last_name"], g["first_name"], LEGAL_AUTHORITY)
            for g in guardians
            if g["id"] in asked
        ],
        device=DeviceInfo(
            asset["manufacturer"],
            asset["model_name"],
            asset["serial"],
            asset["tag"],
            category[:1].upper() + category[1:],
        ),
        accessories=accessories,
        # The day it was prepared until handed over: the same on any day it is issued.
        start_date=paris_day(loan["handed_over_at"] or loan["created_at"]),
        due_date=loan["due_on"] or due_date(policy, student["class_name"], today),
        end_rule=f"Le matériel est rendu à l’établissement à la {END_RULES[policy.end_rule]}, "
        "ou plus tôt si l’élève quitte l’établissement.",
        cession_terms=CESSION_TERMS if policy.cession_allowed else None,
        terms=terms.blocks,
        terms_version=terms.version,
        data_protection_notice=(
            f"Responsable du traitement : {region['name']}. Pour exercer vos droits, écrivez au "
            "délégué à la protection des données de la Région, ou à l’établissement."
        ),
        signatures=[SignatureBlock(s.role, s.name, s.label) for s in signers],
        verification_url=verification_url,
    )
    return data, signers


def content_key(data: AgreementData) -> str:
    """What the convention says, without what changes with each issue."""
    stable = msgspec.structs.replace(
        data, document_version=0, issue_date=dt.date(2000, 1, 1), verification_url=""
    )
    return hashlib.sha256(msgspec.json.encode(stable)).hexdigest()
