"""Conventions to print: plain values, as the callers fill them from the database."""

from __future__ import annotations

from datetime import date

from loans.agreement_data import (
    AgreementData,
    DeviceInfo,
    Guardian,
    RegionParty,
    SchoolParty,
    SignatureBlock,
    StudentParty,
)
from loans.default_terms import DEFAULT_TERMS_VERSION, default_terms

BASE_URL = "https://ordipret.example.fr/v/"
NOTICE = (
    "Responsable du traitement : Région Centre-Val de Loire. Délégué à la protection des "
    "données : dpo@centrevaldeloire.example.fr, 9 rue Saint-Pierre-Lentin, 45041 Orléans. "
    "Les données du prêt sont conservées un an après sa fin."
)
FIRST_NAMES = ("Léa", "Maël", "Chloé", "Noé", "Zoé", "Jérôme", "Inès", "François")
LAST_NAMES = ("Lefèvre", "Bénard", "Nguyễn", "Ñúñez", "Dupont-Gaël", "Œuvray", "Çelik", "Hô")


def agreement(number: int = 0, *, guardians: int = 2, cession: bool = True) -> AgreementData:
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    last = LAST_NAMES[number % len(LAST_NAMES)]
    reps = [
        Guardian(last, "Hélène", "mère, titulaire de l’autorité parentale"),
        Guardian(last, "Grégoire", "père, titulaire de l’autorité parentale"),
    ][:guardians]
    signers = [SignatureBlock("student", f"{first} {last.upper()}")]
    signers += [SignatureBlock("guardian", g.display_name) for g in reps]
    signers.append(SignatureBlock("head_of_school", "Mme Françoise Aubépine"))
    return AgreementData(
        reference=f"CVL-2026-{number:06d}",
        document_version=1,
        issue_date=date(2026, 9, 2),
        region=RegionParty(
            "Région Centre-Val de Loire", "9 rue Saint-Pierre-Lentin, 45041 Orléans"
        ),
        school=SchoolParty("Lycée Jean-Zay", "0450042X", "Orléans", "Mme Françoise Aubépine"),
        student=StudentParty(last, first, "2nde 3", date(2010, 3, 14), f"ent.{number:05d}"),
        guardians=reps,
        device=DeviceInfo(
            "Lenovo",
            "ThinkPad E14 Gen 5",
            f"PF4SN{number:05d}Z",
            f"CVL-{number:06d}",
            "Ordinateur portable",
        ),
        accessories=["Chargeur USB-C 65 W", "Housse de protection"],
        start_date=date(2026, 9, 3),
        due_date=date(2029, 7, 4),
        end_rule="Le matériel est rendu à l’établissement à la fin de la classe de terminale, "
        "ou plus tôt si l’élève quitte l’établissement.",
        cession_terms=(
            "À la fin du prêt, la Région cède le matériel à l’élève pour un euro symbolique, "
            "s’il a suivi sa scolarité jusqu’au baccalauréat."
            if cession
            else None
        ),
        terms=default_terms(),
        terms_version=DEFAULT_TERMS_VERSION,
        data_protection_notice=NOTICE,
        signatures=signers,
        verification_url=f"{BASE_URL}{number:08d}",
    )
