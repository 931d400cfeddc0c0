"""The asset CSV format, shared by export and import so that an export re-imports as is.

French spreadsheets expect `;` as separator, a UTF-8 BOM and dates as JJ/MM/AAAA.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

import msgspec

from inventory.text import forbidden_character, forbidden_character_message

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
# Written by the export after COLUMNS, read nowhere (derived from the open loan, see
# inventory.lending; the location is set by moving the device): an import accepts and ignores
# them, so that an export re-imports as is.
EXPORT_ONLY = ("status", "loan_state", "borrower_class", "due_on", "location")
REQUIRED = ("tag", "serial", "manufacturer", "model")
DELIMITER = ";"
BOM = "\ufeff"


# A cell starting with one of these runs as a formula in a spreadsheet (CSV injection): the
# export prefixes it with an apostrophe, which spreadsheets hide and the import removes.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def protect_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class CsvExport:
    """The one way ordipret writes CSV for people: French delimiter, CRLF, and every cell
    protected against formula injection — whatever column it comes from, since any free text
    (a model name, a scanner's display name, a code read) may start with a formula sign."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=DELIMITER, lineterminator="\r\n")

    def lines(self, *rows: Sequence[object]) -> str:
        """The CSV text of `rows` (None is an empty cell)."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerows(
            [protect_cell("" if cell is None else str(cell)) for cell in row] for row in rows
        )
        return self._buffer.getvalue()


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


# Reading any import file ------------------------------------------------------------------

MAX_ERRORS = 1_000  # past this the file is plainly wrong; a longer list helps nobody


class LineError(msgspec.Struct, frozen=True):
    line: int
    column: str
    message: str


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:  # French Excel's "CSV (séparateur : point-virgule)"
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    header = next((line for line in text.splitlines() if line.strip()), "")
    if DELIMITER not in header and "," in header:
        return ","
    return DELIMITER


class Unreadable(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line


def read_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the file line each starts on (a quoted note may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    last = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # a field over csv.field_size_limit(), a stray quote...
            raise Unreadable(max(reader.line_num, 1), str(error)) from error
        start, last = last + 1, reader.line_num
        if any(cell.strip() for cell in record):
            yield start, record


def refuse_control_characters(values: dict[str, str], errors: dict[str, str]) -> None:
    """Name in `errors` each cell holding a control character (tab and line breaks are text;
    NUL and the others are refused, the same way on both engines), and take the character out
    of the value so that the checks that follow never send it to the database."""
    for column, value in values.items():
        if code := forbidden_character(value):
            errors[column] = forbidden_character_message(code)
            values[column] = "".join(ch for ch in value if not forbidden_character(ch))


def line_errors(rows: Iterable, columns: Sequence[str]) -> list[LineError]:
    """Each row's `errors` ({column: message}) in file order, columns in header order, at most
    MAX_ERRORS of them and a last line saying how many more there are."""
    order = {name: i for i, name in enumerate(columns)}
    errors = [
        LineError(row.line, column, message)
        for row in rows
        for column, message in sorted(row.errors.items(), key=lambda item: order.get(item[0], -1))
    ]
    if len(errors) > MAX_ERRORS:
        hidden = len(errors) - MAX_ERRORS
        message = f"{hidden} autres erreurs, à partir de cette ligne, ne sont pas affichées"
        errors = [*errors[:MAX_ERRORS], LineError(errors[MAX_ERRORS].line, "", message)]
    return errors


def read_header(
    line: int,
    cells: list[str],
    columns: Sequence[str],
    required: Sequence[str],
    known: str,
    aliases: dict[str, str] | None = None,
) -> tuple[dict[str, int], list[LineError]]:
    """Column name -> position, and the header's problems. Names are matched without case or
    surrounding spaces; `known` lists the accepted columns in the French message."""
    positions: dict[str, int] = {}
    errors = []
    for position, cell in enumerate(cells):
        name = cell.strip().casefold()
        name = (aliases or {}).get(name, name)
        if not name:
            continue  # a trailing separator; values under it must stay empty
        if name not in columns:
            message = f"colonne inconnue ; colonnes possibles : {known}"
            errors.append(LineError(line, cell.strip(), message))
        elif name in positions:
            errors.append(LineError(line, name, "colonne en double"))
        else:
            positions[name] = position
    for name in required:
        if name not in positions:
            errors.append(LineError(line, name, "colonne obligatoire absente"))
    return positions, errors


Row = TypeVar("Row")
Header = Callable[[int, list[str]], tuple[dict[str, int], list[LineError]]]


def read_file(
    data: bytes,
    header: Header,
    max_rows: int,
    make_row: Callable[[int, list[str], dict[str, int]], Row],
) -> tuple[int, list[Row], list[LineError]]:
    """(number of data rows, the rows, file-level errors) of an import file. `header` reads the
    first record into column positions; `make_row(line, cells, positions)` builds each row,
    none once the header is wrong or past `max_rows` rows (they are only counted)."""
    records = read_records(decode(data))
    try:
        header_line, cells = next(records, (1, []))
        if not cells:
            return (
                0,
                [],
                [LineError(1, "", "fichier vide : la première ligne doit nommer les colonnes")],
            )
        positions, errors = header(header_line, cells)
        rows, count = [], 0
        for line, record in records:
            count += 1
            if count <= max_rows and not errors:
                rows.append(make_row(line, record, positions))
    except Unreadable as error:
        return 0, [], [LineError(error.line, "", f"fichier CSV illisible : {error}")]
    if count > max_rows:
        cap = f"{max_rows:,}".replace(",", " ")
        message = (
            f"{count} lignes de données : un import en accepte {cap} au plus, découpez le fichier"
        )
        errors.append(LineError(header_line, "", message))
    return count, rows, errors
