"""Tables for people, as CSV or XLSX, written as their rows come: a table of any length (a
region's 200,000 devices) never sits in memory, only one batch of rows at a time.

A `Table` is a title, typed columns and a source of row batches (an async iterator, read
once). The CSV is the one French format of `inventory.csv_format` (`;`, CRLF, UTF-8 with a
BOM so that Excel reads the accents, every cell protected against formula injection), with
dates as JJ/MM/AAAA and decimals with a comma. The XLSX is written by XlsxWriter in
`constant_memory` mode (each row goes to a temporary file as soon as it is written) and then
read back in chunks: typed cells (numbers, real dates shown JJ/MM/AAAA), and text that starts
with a formula sign stored as text with Excel's quote prefix, so it never runs and shows as
typed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from inventory.csv_format import BOM, CsvExport, format_date, protect_cell

TEXT, INTEGER, DECIMAL, DATE = "text", "integer", "decimal", "date"
CHUNK = 64 * 1024  # bytes of the XLSX file read per chunk sent
MAX_SHEET_NAME = 31  # Excel's limit

Row = Sequence[object]
Batches = AsyncIterator[Sequence[Row]]


@dataclass(frozen=True, slots=True)
class Column:
    title: str  # the header, in French
    kind: str = TEXT
    width: float = 14  # characters, in the XLSX


@dataclass(slots=True)
class Table:
    title: str  # the sheet's name in an XLSX
    columns: Sequence[Column]
    batches: Callable[[], Batches]  # called once, when the table is written


def rows_once(rows: Sequence[Row], size: int = 1000) -> Callable[[], Batches]:
    """A batch source for rows already in memory (the figure tables: a few hundred rows)."""

    async def batches() -> Batches:
        for start in range(0, len(rows), size):
            yield rows[start : start + size]

    return batches


def _csv_cell(kind: str, value: object) -> object:
    if value is None:
        return ""
    if kind == DATE:
        return format_date(value)  # type: ignore[arg-type]
    if kind == DECIMAL:
        return str(value).replace(".", ",")  # what French spreadsheets read as a number
    return value


async def csv_chunks(table: Table) -> AsyncIterator[bytes]:
    """The table as CSV bytes: the header (after the BOM), then one chunk per batch."""
    export = CsvExport()
    kinds = [column.kind for column in table.columns]
    yield (BOM + export.lines([column.title for column in table.columns])).encode()
    async for batch in table.batches():
        lines = export.lines(
            *([_csv_cell(k, v) for k, v in zip(kinds, row, strict=True)] for row in batch)
        )
        yield lines.encode()


class _Sheet:
    """One worksheet of the book, rows written in order (constant memory allows no other)."""

    def __init__(self, book: xlsxwriter.Workbook, formats: dict, table: Table) -> None:
        self.sheet = book.add_worksheet(table.title[:MAX_SHEET_NAME])
        self.formats = formats
        self.kinds = [column.kind for column in table.columns]
        for i, column in enumerate(table.columns):
            self.sheet.set_column(i, i, column.width)
        self.sheet.freeze_panes(1, 0)
        for i, column in enumerate(table.columns):
            self.sheet.write_string(0, i, column.title, formats["header"])
        self.next_row = 1

    def write(self, batch: Sequence[Row]) -> None:
        sheet, formats = self.sheet, self.formats
        for row in batch:
            r = self.next_row
            for c, (kind, value) in enumerate(zip(self.kinds, row, strict=True)):
                if value is None or value == "":
                    continue
                if kind == DATE:
                    sheet.write_datetime(r, c, value, formats["date"])
                elif kind in (INTEGER, DECIMAL) and isinstance(value, int | float):
                    sheet.write_number(r, c, value, formats[kind])
                else:
                    text = str(value)
                    quoted = protect_cell(text) != text  # a formula sign first
                    sheet.write_string(r, c, text, formats["quoted"] if quoted else None)
            self.next_row += 1


def _open_book(path: Path, directory: Path) -> tuple[xlsxwriter.Workbook, dict]:
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "tmpdir": str(directory),
            # Same rows, same bytes: no creation time from the clock in the file's properties.
            "default_date_format": "dd/mm/yyyy",
        },
    )
    book.set_properties({"author": "ordipret", "created": dt.datetime(2000, 1, 1)})
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#E8E8E8", "text_wrap": True}),
        "date": book.add_format({"num_format": "dd/mm/yyyy"}),
        INTEGER: book.add_format({"num_format": "0"}),
        DECIMAL: book.add_format({"num_format": "0.0#"}),
        "quoted": book.add_format({"quote_prefix": True}),
    }
    return book, formats


async def xlsx_chunks(tables: Sequence[Table]) -> AsyncIterator[bytes]:
    """The tables as one XLSX workbook, a sheet each. Rows are read from the database on the
    loop, written in a worker thread batch by batch; the file is built in a temporary
    directory, then sent in chunks and deleted (also when the client goes away)."""
    directory = Path(tempfile.mkdtemp(prefix="ordipret-xlsx-"))
    try:
        path = directory / "export.xlsx"
        book, formats = _open_book(path, directory)
        for table in tables:
            sheet = _Sheet(book, formats, table)
            async for batch in table.batches():
                await asyncio.to_thread(sheet.write, batch)
        await asyncio.to_thread(book.close)
        with path.open("rb") as file:
            while chunk := await asyncio.to_thread(file.read, CHUNK):
                yield chunk
    finally:
        shutil.rmtree(directory, ignore_errors=True)
