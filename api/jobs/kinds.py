"""What each kind of job makes. A kind takes the job's arguments (JSON, written by the request
that checked them) and its owner's rights as they are now, and returns the file to keep.

The arguments hold what the request already decided, so that running a job again after a
crash prints the same thing: the label sheet's contents (blank codes are created once, by the
request), the loans whose conventions to print.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import msgspec

from api.accounts.staff import Principal
from api.clock import PARIS
from api.jobs.progress import Progress
from inventory import stocktake_report, stocktakes
from labels import sheets
from labels.layout import LabelContent
from labels.stocks import STOCKS
from loans.agreement_batches import print_loans
from loans.storage import Storage

PDF = "application/pdf"


@dataclass(frozen=True, slots=True)
class Work:
    """What a job runs with: its owner's rights, the app's storage and address, the time the
    job was claimed, and where to tell its progress."""

    principal: Principal
    storage: Storage
    public_url: str
    now: dt.datetime
    progress: Progress


@dataclass(frozen=True, slots=True)
class Made:
    content: bytes
    file_name: str
    media_type: str = PDF


async def stocktake_report_pdf(work: Work, arguments: dict[str, Any]) -> Made:
    status = await stocktakes.stocktake_status(work.principal.scope, arguments["stocktake_id"])
    pdf = await asyncio.to_thread(stocktake_report.pdf_report, status, PARIS, work.progress.advance)
    return Made(pdf, stocktake_report.filename(status.stocktake, "pdf"))


def label_arguments(
    contents: list[LabelContent],
    template: str,
    offset: int,
    calibration_mm: tuple[float, float],
    file_name: str,
) -> dict[str, Any]:
    return {
        "labels": msgspec.to_builtins(contents),
        "template": template,
        "offset": offset,
        "calibration": list(calibration_mm),
        "file_name": file_name,
    }


async def label_sheet_pdf(work: Work, arguments: dict[str, Any]) -> Made:
    contents = msgspec.convert(arguments["labels"], list[LabelContent])
    x, y = arguments["calibration"]
    sheet = await asyncio.to_thread(
        partial(
            sheets.render,
            contents,
            STOCKS[arguments["template"]],
            arguments["offset"],
            (x, y),
            work.progress.advance,
        )
    )
    return Made(sheet.pdf, arguments["file_name"])


async def agreements_pdf(work: Work, arguments: dict[str, Any]) -> Made:
    pdf = await print_loans(
        work.storage,
        work.principal.scope,
        work.principal.actor,
        work.now,
        arguments["loan_ids"],
        work.public_url,
        work.progress.advance,
    )
    return Made(pdf, arguments["file_name"])


Kind = Callable[[Work, dict[str, Any]], Awaitable[Made]]

KINDS: dict[str, Kind] = {
    "stocktake_report": stocktake_report_pdf,
    "label_sheet": label_sheet_pdf,
    "agreements": agreements_pdf,
}

# What the page says while each kind is prepared.
TITLES = {
    "stocktake_report": "Rapport d'inventaire",
    "label_sheet": "Planche d'étiquettes",
    "agreements": "Conventions à signer",
}
