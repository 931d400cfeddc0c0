"""Retention periods, written as data on each region's policy (`region_policy.retention_*`),
with the French defaults, their bounds and the date arithmetic that turns them into
deadlines. Checked here, edited through `loans.policy` (history in `policy_event`).

Defaults (justified in the README, « Durées de conservation »):
- a student's personal data: 12 months after they left the school or their last loan closed,
  whichever is later;
- damage photos: 12 months after their loan closed;
- a loan's evidence (conventions, signatures, sealed records, receipts): 60 months after the
  loan closed — the common limitation period (art. 2224 du Code civil: 5 ans);
- the access log: 12 months;
- anonymised fleet figures (loans, conditions, losses per model): kept without limit.
"""

from __future__ import annotations

import calendar
import datetime as dt

FIELDS = {
    # field: (default months, least, most)
    "retention_student_months": (12, 1, 120),
    "retention_photo_months": (12, 1, 120),
    "retention_evidence_months": (60, 12, 240),
    "retention_access_log_months": (12, 1, 120),
}
LABELS = {
    "retention_student_months": "données personnelles des élèves",
    "retention_photo_months": "photos des dommages",
    "retention_evidence_months": "conventions, signatures et reçus",
    "retention_access_log_months": "journal des consultations",
}


def check_retention_fields(fields: dict, errors: dict[str, str]) -> None:
    """Whole months within each field's bounds; adds a French message per bad field."""
    for name, (_, least, most) in FIELDS.items():
        if name not in fields:
            continue
        value = fields[name]
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
            errors[name] = f"nombre entier de mois entre {least} et {most}"


def months_before(day: dt.date, months: int) -> dt.date:
    """`day` minus whole months, the day of the month kept (the month's last day when it has
    fewer: 31 March minus one month is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def months_after(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months (the month's last day when it has fewer)."""
    return months_before(day, -months)
