"""UAI (unité administrative immatriculée): 7 digits and a check letter."""

CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def normalise_uai(raw: str) -> str:
    return raw.strip().upper()


def uai_problem(uai: str) -> str | None:
    """None when `uai` is valid, else a French explanation."""
    if len(uai) != 8 or not uai[:7].isdigit() or not uai[7].isalpha():
        return "un UAI s'écrit avec 7 chiffres suivis d'une lettre, par exemple 0750654D"
    expected = CHECK_LETTERS[int(uai[:7]) % 23]
    if uai[7] != expected:
        return f"la lettre de contrôle de {uai[:7]} devrait être {expected}"
    return None
