"""What the student pages share: their address, who may change a student, and the French
words for the history of a student's record and for the kinds of documents."""

from __future__ import annotations

from dataclasses import dataclass

from api.accounts.staff import Principal
from api.pages.formatting import date_fr
from loans.student_history import StudentEventView

LIST = "/eleves"
EDIT_ROLES = frozenset({"admin", "region_manager", "it_staff"})  # as EDIT_STUDENTS

ACTIONS = {
    "created": "inscription",
    "updated": "fiche modifiée",
    "left": "départ de l'établissement",
    "guardian_added": "représentant ajouté",
    "guardian_updated": "représentant modifié",
    "guardian_removed": "représentant retiré",
    "imported": "inscription par import CSV",
    "import_updated": "fiche modifiée par import CSV",
    "ent_linked": "compte ENT lié (proposition confirmée)",
    "directory_created": "inscription par l'annuaire (AAF)",
    "directory_updated": "fiche modifiée par l'annuaire (AAF)",
    "directory_left": "départ noté par l'annuaire (absent de l'import complet)",
    "erased": "données personnelles effacées",
    "erasure_refused": "effacement refusé",
    "legal_hold_placed": "conservation légale posée",
    "legal_hold_lifted": "conservation légale levée",
    "personal_data_exported": "export des données personnelles (RGPD)",
    "correction_requested": "rectification demandée depuis l'espace ENT",
    "correction_applied": "rectification appliquée",
    "correction_refused": "rectification refusée",
}
FIELDS = {
    "last_name": "nom",
    "first_name": "prénom",
    "birth_date": "date de naissance",
    "class_name": "classe",
    "ine": "INE",
    "ent_id": "identifiant ENT",
    "establishment_uai": "établissement (UAI)",
    "left_on": "parti le",
    "guardians": "représentants",
    "guardian": "représentant",
    "email": "courriel",
    "phone": "téléphone",
    "legal_authority": "autorité parentale",
    "created": "fiche créée",
    "counts": "éléments supprimés",
    "evidence_kept_until": "preuves gardées jusqu'à leur échéance",
    "reason": "motif",
    "hold": "conservation",
    "placed_on": "date du fait",
    "run": "tâche de conservation",
}
DOCUMENT_KINDS = {
    "agreement": "Convention",
    "sealed_agreement": "Convention signée (scellée)",
    "receipt": "Reçu de retour",
    "signature": "Image de signature",
    "paper_scan": "Scan de la convention papier",
    "photo": "Photo au retour",
}


@dataclass(frozen=True, slots=True)
class HistoryChange:
    field: str
    before: str | None
    after: str | None  # None for both: the field changed, its values are not kept


@dataclass(frozen=True, slots=True)
class StudentHistoryLine:
    event: StudentEventView
    action: str
    changes: list[HistoryChange]


def may_edit(principal: Principal) -> bool:
    """The pages hide the buttons the guard would refuse (a head of school reads only)."""
    return principal.role in EDIT_ROLES


def _value(name: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if name == "left_on":
        return date_fr(str(value))
    return str(value)


def history_lines(events: list[StudentEventView]) -> list[StudentHistoryLine]:
    lines = []
    for event in events:
        changes = []
        for name, pair in event.changes.items():
            before, after = pair if isinstance(pair, list) else (None, None)
            changes.append(
                HistoryChange(FIELDS.get(name, name), _value(name, before), _value(name, after))
            )
        lines.append(StudentHistoryLine(event, ACTIONS.get(event.action, event.action), changes))
    return lines
