"""Jinja filters that write dates and numbers the French way, in Europe/Paris.

Registered on the app's Jinja environment by `register_filters` (the TemplateConfig's
`engine_callback`), so every template writes `{{ asset.acquired_on | date_fr }}`.
"""

from __future__ import annotations

import datetime as dt

from litestar.plugins.jinja import JinjaTemplateEngine

from api.clock import PARIS

NARROW_NBSP = "\u202f"  # the French thousands separator


def date_fr(value: dt.date | dt.datetime | str | None) -> str:
    """JJ/MM/AAAA; a datetime is first brought to Paris time, an ISO string is parsed."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = _paris(value)
    return value.strftime("%d/%m/%Y")


def datetime_fr(value: dt.datetime | None) -> str:
    """JJ/MM/AAAA HH:MM in Paris time."""
    if value is None:
        return ""
    return _paris(value).strftime("%d/%m/%Y %H:%M")


def iso(value: dt.date | dt.datetime | None) -> str:
    """The machine-readable value of a <time datetime="…"> element."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _paris(value).isoformat(timespec="minutes")
    return value.isoformat()


def number_fr(value: int) -> str:
    """1 234 567, with narrow no-break spaces."""
    return f"{value:,}".replace(",", NARROW_NBSP)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """French rule: 0 and 1 take the singular."""
    return singular if abs(count) < 2 else (plural_form or singular + "s")


def _paris(value: dt.datetime) -> dt.datetime:
    # Naive datetimes only come from SQLite rows written in UTC.
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(PARIS)


FILTERS = {
    "date_fr": date_fr,
    "datetime_fr": datetime_fr,
    "iso": iso,
    "number_fr": number_fr,
    "plural": plural,
}


def register_filters(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters.update(FILTERS)
