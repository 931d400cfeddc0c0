"""What a convention de prêt prints: plain values, filled by the callers from the database.

Nothing here queries anything, so the PDF can be rendered (and tested, and benchmarked) from
values alone. Field names are English, printed wording French (see `loans.agreement_pdf`).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import msgspec

from loans.terms import Block

SignerRole = Literal["student", "guardian", "head_of_school"]

ROLE_LABELS: dict[str, str] = {
    "student": "L’élève",
    "guardian": "Représentant légal",
    "head_of_school": "Le chef d’établissement",
}


class RegionParty(msgspec.Struct, frozen=True):
    name: str  # "Région Centre-Val de Loire"
    address: str | None = None  # one line: "9 rue Saint-Pierre-Lentin, 45041 Orléans"


class SchoolParty(msgspec.Struct, frozen=True):
    name: str
    uai: str
    city: str
    head_name: str  # the chef d'établissement who signs for the school


class StudentParty(msgspec.Struct, frozen=True):
    last_name: str
    first_name: str
    class_name: str  # "2nde 3"
    birth_date: date
    ent_id: str | None = None  # the student's ENT account, when linked

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"


class Guardian(msgspec.Struct, frozen=True):
    last_name: str
    first_name: str
    legal_authority: str  # "mère, titulaire de l'autorité parentale", "tuteur"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"


class DeviceInfo(msgspec.Struct, frozen=True):
    manufacturer: str
    model: str
    serial: str
    asset_tag: str
    category: str  # printed as given: "Ordinateur portable", "Tablette"


class SignatureBlock(msgspec.Struct, frozen=True):
    role: SignerRole
    name: str
    label: str | None = None  # overrides the role's label: "Représentante légale (mère)"

    @property
    def title(self) -> str:
        return self.label or ROLE_LABELS[self.role]


class AgreementData(msgspec.Struct, frozen=True):
    reference: str  # the loan's reference, printed on every page
    document_version: int  # version of this agreement document for the loan
    issue_date: date  # printed, and the PDF's creation date (same data, same bytes)
    region: RegionParty
    school: SchoolParty
    student: StudentParty
    guardians: list[Guardian]  # those who must sign; empty for an adult student
    device: DeviceInfo
    accessories: list[str]  # planned: "Chargeur", "Housse"
    start_date: date
    due_date: date
    end_rule: str  # "Le matériel est rendu à la fin de l'année scolaire de terminale."
    cession_terms: str | None  # None: the region does not allow cession
    terms: list[Block]
    terms_version: int
    data_protection_notice: str  # short; names the region's DPO and how to reach them
    signatures: list[SignatureBlock]  # one per required signer, in signing order
    verification_url: str  # printed, and in the QR code of every page
