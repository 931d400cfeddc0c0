"""The loan lifecycle as data: states, which are open, and which transition goes where."""

from __future__ import annotations

STATES = {
    "draft": "en préparation",
    "awaiting_signature": "en attente de signature",
    "active": "en cours",
    "returned": "rendu",
    "transferred": "transféré",
    "ceded": "cédé",
    "lost": "perdu",
    "stolen": "volé",
    "cancelled": "annulé",
}
OPEN_STATES = ("draft", "awaiting_signature", "active")
CLOSED_STATES = tuple(state for state in STATES if state not in OPEN_STATES)

# transition name -> (states it starts from, state it leads to)
TRANSITIONS = {
    "issue_agreement": (("draft",), "awaiting_signature"),
    "paper_signature": (("draft", "awaiting_signature"), "awaiting_signature"),
    "hand_over": (("awaiting_signature",), "active"),
    "take_back": (("active",), "returned"),
    "transfer": (("active",), "transferred"),
    "cede": (("active",), "ceded"),
    "declare_loss": (("active",), "lost"),
    "declare_theft": (("active",), "stolen"),
    "cancel": (("draft", "awaiting_signature"), "cancelled"),
}

# Why a transition is refused, in French, by the state the loan is in.
REFUSALS = {
    "hand_over": {
        "draft": "la convention n'a pas encore été émise",
        "active": "l'appareil a déjà été remis",
    },
    "cancel": {"active": "l'appareil a été remis : enregistrez un retour, une perte ou un vol"},
}


def refusal(transition: str, state: str) -> str:
    if state in CLOSED_STATES:
        return f"le prêt est clos ({STATES[state]})"
    reason = REFUSALS.get(transition, {}).get(state)
    return reason or f"impossible depuis l'état « {STATES[state]} »"
