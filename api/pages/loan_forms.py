"""What every loan page shares: addresses, French words for the loan's codes, and reading
plain HTML forms (dates typed either way, checkbox lists, domain errors put next to fields)."""

from __future__ import annotations

import datetime as dt

from api.pages import wording
from api.pages.formatting import date_fr, datetime_fr
from inventory import regions
from inventory.errors import DomainError, Invalid, NotFound
from inventory.scope import Scope
from loans.agreement_records import METHODS, ROLE_NAMES
from loans.loan_views import LoanEventView
from loans.reports.target import paris_midnight
from loans.states import STATES

LIST = "/prets"
STATE_CHOICES = {
    "open": "en cours ou à remettre",
    "pending": "à remettre (en préparation ou en attente de signature)",
    **STATES,
}
CONDITION_CHOICES = {
    "A": "A – comme neuf",
    "B": "B – bon état (traces d'usage)",
    "C": "C – usé (rayures, touches usées)",
    "D": "D – endommagé (à réparer)",
}
DONE = {
    "remise": "Appareil remis : le prêt est en cours.",
    "perte": "Perte déclarée : l'appareil est marqué perdu.",
    "vol": "Vol déclaré : l'appareil est marqué volé.",
    "annulation": "Prêt annulé : l'appareil est de nouveau disponible.",
    "transfert": "Prêt transféré : il se poursuit dans le nouvel établissement.",
    "cession": "Appareil cédé à l'élève : il quitte le parc.",
    "signee": "Convention signée par toutes les parties : l'appareil peut être remis.",
    "lien": "Lien de signature envoyé par courriel (valable 7 jours, une seule fois).",
    "papier": "Convention signée sur papier enregistrée, avec son scan.",
}
ACTIONS = {
    "prepare_loan": "préparation du prêt",
    "issue_agreement": "convention émise",
    "paper_signature": "convention signée sur papier",
    "hand_over": "remise de l'appareil",
    "take_back": "retour de l'appareil",
    "transfer": "transfert vers un autre établissement",
    "transfer_in": "arrivée par transfert",
    "cede": "cession à l'élève",
    "declare_loss": "perte déclarée",
    "declare_theft": "vol déclaré",
    "cancel": "annulation",
    "photos_added": "photos ajoutées",
    "agreement_issued": "convention émise",
    "accessories_planned": "accessoires prévus modifiés",
    "sign": "signature de la convention",
}
FIELDS = {
    "state": "état du prêt",
    "asset_tag": "appareil",
    "paper_signed_on": "signature papier",
    "handed_over_at": "remis le",
    "accessories_planned": "accessoires prévus",
    "accessories_given": "accessoires remis",
    "due_on": "à rendre le",
    "accessories_returned": "accessoires rendus",
    "return_condition": "état physique au retour",
    "damage_notes": "dégâts constatés",
    "incident_on": "date des faits",
    "circumstances": "circonstances",
    "override_reason": "motif de la dérogation",
    "police_report_ref": "récépissé de plainte",
    "police_report_on": "plainte déposée le",
    "establishment_id": "établissement",
    "previous_loan": "prêt d'origine",
    "photos": "photos",
    "agreement_version": "version de la convention",
    "signer": "signataire",
    "role": "qualité",
    "method": "mode de signature",
}
_ORDER = {name: n for n, name in enumerate(FIELDS)}


# Reading forms ------------------------------------------------------------------------------


def parse_day(raw: str | None, name: str, errors: dict[str, str], required: bool = True):
    """A day typed as AAAA-MM-JJ (date inputs) or JJ/MM/AAAA (where there is no date picker)."""
    text = (raw or "").strip()
    if not text:
        if required:
            errors[name] = "Indiquez la date (JJ/MM/AAAA)."
        return None
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = "Date invalide : écrivez-la JJ/MM/AAAA."
        return None


def ended_between(chosen: dict[str, str], errors: dict[str, str]):
    """The instants (UTC) a list of loans ended between: midnight in Paris of `ended_from`,
    midnight after `ended_to` (included); None for a bound not given."""
    first = parse_day(chosen["ended_from"], "ended_from", errors, required=False)
    last = parse_day(chosen["ended_to"], "ended_to", errors, required=False)
    return (
        paris_midnight(first) if first else None,
        paris_midnight(last + dt.timedelta(days=1)) if last else None,
    )


def text_of(form, name: str, limit: int) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def texts_of(form, name: str) -> list[str]:
    return [v for v in form.getall(name, []) if isinstance(v, str) and v.strip()][:20]


def problem_status(error: DomainError) -> int:
    """The status of a form shown again. The page exists: what the form names is missing, so
    a NotFound there is a bad request (400), not a missing page."""
    return DomainError.status if isinstance(error, NotFound) else error.status


def field_errors(error: DomainError) -> dict[str, str]:
    """The error's messages next to their fields, as sentences (Invalid's are fragments)."""
    if isinstance(error, Invalid):
        return {
            name: message[:1].upper() + message[1:] + "." for name, message in error.fields.items()
        }
    return error.fields


# Wording ------------------------------------------------------------------------------------


def state_label(code: str) -> str:
    return STATES.get(code, code)


def _value(name: str, value: object) -> str:
    if value is None or value == "" or value == []:
        return "(vide)"
    if name == "state":
        return state_label(str(value))
    if name == "return_condition":
        return wording.condition_label(str(value))
    if name == "handed_over_at":
        try:
            return datetime_fr(dt.datetime.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if name in ("paper_signed_on", "due_on", "incident_on", "police_report_on"):
        return date_fr(str(value))
    if name == "role":
        return ROLE_NAMES.get(str(value), str(value))
    if name == "method":
        return METHODS.get(str(value), str(value))
    if name == "previous_loan":
        return f"prêt n° {value}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def history_lines(
    events: list[LoanEventView], schools: dict[int, str]
) -> list[wording.HistoryLine]:
    lines = []
    for event in events:
        changes = []
        for name in sorted(event.changes, key=lambda n: _ORDER.get(n, 99)):
            pair = event.changes[name]
            before, after = (
                (list(pair) + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            )
            if before is not None and before == after:  # e.g. a signature on a signed state
                continue
            if name == "establishment_id":
                before, after = (schools.get(v, "un autre établissement") for v in (before, after))
            changes.append(
                wording.Change(
                    field=FIELDS.get(name, name),
                    before=None if before is None else _value(name, before),
                    after=_value(name, after),
                )
            )
        lines.append(
            wording.HistoryLine(
                event=event, action=ACTIONS.get(event.action, event.action), changes=changes
            )
        )
    return lines


async def school_name(scope: Scope, uai: str) -> str:
    """« Lycée A (UAI 0450001G) », or the UAI alone for a school outside the scope."""
    for school in await regions.list_establishments(scope):
        if school.uai == uai:
            return f"{school.name} (UAI {uai})"
    return f"UAI {uai}"
