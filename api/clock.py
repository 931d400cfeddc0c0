"""The one place the API reads the clock; use-cases take `now` as an argument."""

import datetime as dt

from loans.minors import PARIS, paris_day

__all__ = ["PARIS", "today", "utcnow"]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today(now: dt.datetime | None = None) -> dt.date:
    """The calendar day in France at `now` (the request's instant when it has one, so that
    its day and its writes agree), else at this instant."""
    return paris_day(utcnow() if now is None else now)
