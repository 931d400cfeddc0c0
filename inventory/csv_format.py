"""The asset CSV format, shared by export and import so that an export re-imports as is.

French spreadsheets expect `;` as separator, a UTF-8 BOM and dates as JJ/MM/AAAA.
"""

from __future__ import annotations

import datetime as dt

COLUMNS = (
    "tag",
    "serial",
    "manufacturer",
    "model",
    "establishment_uai",
    "region_code",
    "state",
    "condition",
    "acquired_on",
    "warranty_end",
    "notes",
)
REQUIRED = ("tag", "serial", "manufacturer", "model")
DELIMITER = ";"
BOM = "\ufeff"


# A cell starting with one of these runs as a formula in a spreadsheet (CSV injection): the
# export prefixes it with an apostrophe, which spreadsheets hide and the import removes.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def protect_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def unprotect_cell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_STARTS) else text


def format_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def parse_date(text: str) -> dt.date | None:
    """JJ/MM/AAAA or AAAA-MM-JJ; empty is None; anything else raises ValueError."""
    text = text.strip()
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError("date invalide : JJ/MM/AAAA attendu")
