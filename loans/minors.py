"""Age of majority: who must have a guardian co-sign."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

MAJORITY = 18
PARIS = ZoneInfo("Europe/Paris")


def paris_day(now: dt.datetime) -> dt.date:
    """The calendar day in France at the instant `now` (a signature at 23:30 UTC on 31 May
    is made on 1 June)."""
    return now.astimezone(PARIS).date()


def age_on(birth_date: dt.date, on_day: dt.date) -> int:
    """Whole years completed on `on_day`.

    Comparing (month, day) pairs makes a birthday count from its very day, and someone born
    on 29 February gains a year on 1 March in common years (28 February is still the day
    before their birthday): the cautious reading for a signature, since a day too early
    would let a minor sign alone.
    """
    before_birthday = (on_day.month, on_day.day) < (birth_date.month, birth_date.day)
    return on_day.year - birth_date.year - before_birthday


def is_minor(birth_date: dt.date, on_day: dt.date) -> bool:
    """Under 18 on `on_day` (the day of signature; see `paris_day`)."""
    return age_on(birth_date, on_day) < MAJORITY
