"""Application logs: one JSON object a line (`ORDIPRET_LOG_FORMAT=json`, the default of
`ordipret serve`) or readable text (dev, tests), each line carrying the id of the request it
belongs to.

The request id lives in a contextvar set by api.infra.request_context for the whole request,
so any line logged while answering it (a domain audit line, an unexpected error) carries it
without being passed around. It is read by a *filter* on the handler that receives the
records in the logging thread of the caller: Litestar hands records to a queue, and they are
formatted in another thread (Python 3.12+) where the contextvar is no longer visible.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import logging
import os
import re
import secrets
from contextvars import ContextVar
from typing import Any

from litestar.logging import LoggingConfig
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: ContextVar[str] = ContextVar("ordipret_request_id", default="")
# What a request id may be when a proxy or a client sends one: short, and nothing that could
# forge a log line or a header (no spaces, quotes, line breaks).
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Fields of the access line (api.infra.request_context), kept in the JSON object when present.
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")


def request_id_from(header: str | None) -> str:
    """The caller's `X-Request-ID` when it is short and safe, else a new one."""
    if header and _SAFE_ID.match(header):
        return header
    return _new_id()


class _Ids:
    """New request ids: 16 random hex digits drawn once per process, then a counter (32 hex
    digits in all). Unique across workers and restarts like a random UUID, without reading
    the system's random source for every request."""

    def __init__(self) -> None:
        self.pid = -1
        self.prefix = ""
        self.count = itertools.count()

    def __call__(self) -> str:
        if self.pid != os.getpid():  # a new process (a forked worker): a new prefix
            self.pid, self.prefix, self.count = os.getpid(), secrets.token_hex(8), itertools.count()
        return f"{self.prefix}{next(self.count):016x}"


_new_id = _Ids()


class RequestIdFilter(logging.Filter):
    """Copies the current request id onto each record, in the thread that logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = REQUEST_ID.get()
        return True


class OrdipretJsonFormatter(JsonFormatter):
    """`{"time", "level", "logger", "message", "request_id", …}`: the record's own fields
    (module, line, thread…) are left out, and so are `extra` fields other than those of the
    access line, so that no caller can put a personal value in a log line by accident."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("%(message)s", *args, json_ensure_ascii=False, **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["time"] = dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.getMessage()
        log_data["request_id"] = getattr(record, "request_id", "") or ""
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                log_data[name] = getattr(record, name)
        if record.exc_info:
            log_data["exception"] = self.formatException(record.exc_info)


TEXT_FORMAT = "%(levelname)s - %(asctime)s - %(name)s - [%(request_id)s] %(message)s"


def logging_config(log_format: str) -> LoggingConfig:
    """The app's logging: the `ordipret` loggers at INFO, in the chosen format."""
    config = LoggingConfig(
        log_exceptions="never",  # errors.py logs unexpected ones, without personal data
        formatters={
            "standard": {"format": TEXT_FORMAT},
            "json": {"()": OrdipretJsonFormatter},
        },
        filters={"request_id": {"()": RequestIdFilter}},
        # Through the root logger's handler (Litestar's queue), where pytest's caplog also
        # listens: a handler of its own would write each line twice.
        loggers={"ordipret": {"level": "INFO"}},
    )
    formatter = "json" if log_format == "json" else "standard"
    # Litestar's default handler entries are shared module-level dicts: change copies.
    config.handlers = copy.deepcopy(config.handlers)
    # The queue handler formats in the caller's thread up to Python 3.11, the console handler
    # behind it from 3.12 on: both get the chosen formatter, the first the filter.
    config.handlers["queue_listener"]["filters"] = ["request_id"]
    config.handlers["console"]["formatter"] = formatter
    if "formatter" in config.handlers["queue_listener"]:
        config.handlers["queue_listener"]["formatter"] = formatter
    return config
