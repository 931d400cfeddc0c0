"""The one place the API reads the clock; use-cases take `now` as an argument."""

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
