"""Signed conventions back from the scanner: one PDF of a whole stack of paper, split by loan.

A class's or a campaign's conventions are printed as one PDF (`loans.agreement_pdf`), every
page with its own loan's QR code in the footer. Once signed, the school scans the whole stack
as one PDF. `read_stack` reads the QR code of each page, `match_stack` groups the pages by
loan (the caller says which loan a code names: no database here), and `split_pages` cuts out
the pages of one loan, to be stored as its signed scan.

Reading: each page is rasterised in grey at READ_DPI (3 pixels per module of the footer's
22 mm code, and still read after a one-pixel blur, which 100 dpi is not), one page at a time.
zxing looks in the bottom band first, where the code is, then the top band (a sheet fed upside
down), then the whole page (a sheet fed sideways). zxing reads codes at any angle and tells
it, so a page turned a few degrees or upside down needs no second rendering; a page where
none is found and that is not blank is rendered again at RETRY_DPI and read with a second
binariser before it is called unreadable.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal

import msgspec
import pypdfium2
import zxingcpp
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from inventory.errors import Invalid

# pdfium must not be entered by two threads at once, whichever module calls it: one lock for
# the process, the one label rendering already takes.
from labels.pdfium import PDFIUM

READ_DPI = 150
RETRY_DPI = 200
BAND = 0.25  # share of the page's height searched first, at the bottom then at the top
MAX_PAGES = 2_000  # a whole school's rentrée is about 1,500 sheets
MAX_BYTES = 600 * 2**20  # a school's 1,500 sheets in 200 dpi grey JPEG: ~360 KB each
MAX_PIXELS = 6_000_000  # a page rendered no larger than A3 at 150 dpi, whatever its size says
DARK = 128  # grey level under which a pixel is ink
BLANK_INK = 0.001  # share of dark pixels under which a page is blank (a printed line is ~0.2 %)
REOPEN_EVERY = 25  # pages read from one opening of the document (see read_stack)
EDGE = 0.05  # border left out of the blank test: scanner lids shadow the edges

Verdict = Literal["read", "blank", "unreadable"]
LoanKey = int | str
Progress = Callable[[int, int], None]


class ScannedPage(msgspec.Struct, frozen=True):
    index: int  # position in the scan, from 0 (people are shown index + 1)
    verdict: Verdict
    text: str | None = None  # the QR code's text, when read
    rotation: int | None = None  # degrees clockwise the code lay, when read: ~180 upside down


class LoanPages(msgspec.Struct, frozen=True):
    loan: LoanKey
    pages: list[int]  # every page of the loan, in scan order
    inferred: list[int] = []  # those without a readable code, placed by their neighbours


class UnknownCode(msgspec.Struct, frozen=True):
    text: str  # a code that names no loan the caller knows (another school, an old print)
    pages: list[int]


class StackMatch(msgspec.Struct, frozen=True):
    loans: list[LoanPages]  # in order of their first page
    unmatched: list[int]  # pages with no code and no sure place: to attach by hand
    blank: list[int]
    unknown: list[UnknownCode]


def _check_file(pdf: bytes, max_bytes: int) -> None:
    # The PDF header may follow up to 1 KB of junk (the standard allows it; some tools do).
    if b"%PDF-" not in pdf[:1024]:
        raise Invalid({"file": "le fichier n’est pas un PDF : déposez le scan en PDF"})
    if len(pdf) > max_bytes:
        raise Invalid(
            {
                "file": f"fichier trop volumineux ({len(pdf) // 2**20} Mo, au plus "
                f"{max_bytes // 2**20} Mo) : scannez en niveaux de gris à 200 dpi, "
                "ou déposez la pile en plusieurs fois"
            }
        )


def _unreadable_file() -> Invalid:
    return Invalid({"file": "PDF illisible, endommagé ou protégé par un mot de passe"})


def _render(document: pypdfium2.PdfDocument, index: int, dpi: int) -> Image.Image | None:
    """Page `index` in grey, or None if pdfium cannot draw it."""
    with PDFIUM:
        try:
            page = document[index]
        except pypdfium2.PdfiumError:
            return None
        try:
            width, height = page.get_size()
            if width <= 0 or height <= 0:
                return None
            scale = min(dpi / 72, math.sqrt(MAX_PIXELS / (width * height)))
            bitmap = page.render(scale=scale, grayscale=True)
            try:
                return bitmap.to_pil().copy()  # the bitmap's memory goes with it
            finally:
                bitmap.close()
        except pypdfium2.PdfiumError:
            return None
        finally:
            page.close()


_QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def _decode(
    image: Image.Image, binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage
) -> ScannedPage | None:
    for code in zxingcpp.read_barcodes(image, formats=_QR, binarizer=binarizer):
        if code.valid and code.text:
            return ScannedPage(-1, "read", code.text, round(code.orientation))
    return None


def _is_blank(image: Image.Image) -> bool:
    width, height = image.size
    dx, dy = round(width * EDGE), round(height * EDGE)
    histogram = image.crop((dx, dy, width - dx, height - dy)).histogram()
    return sum(histogram[:DARK]) < BLANK_INK * sum(histogram)


def _read_page(document: pypdfium2.PdfDocument, index: int) -> ScannedPage:
    image = _render(document, index, READ_DPI)
    if image is None:
        return ScannedPage(index, "unreadable")
    width, height = image.size
    band = round(height * BAND)
    found = (
        _decode(image.crop((0, height - band, width, height)))
        or _decode(image.crop((0, 0, width, band)))
        or _decode(image)
    )
    if found is None:
        if _is_blank(image):
            return ScannedPage(index, "blank")
        del image  # one page image in memory at a time
        sharper = _render(document, index, RETRY_DPI)
        if sharper is not None:
            found = _decode(sharper) or _decode(sharper, zxingcpp.Binarizer.GlobalHistogram)
    if found is None:
        return ScannedPage(index, "unreadable")
    return msgspec.structs.replace(found, index=index)


def read_stack(
    pdf: bytes,
    *,
    progress: Progress | None = None,
    max_pages: int = MAX_PAGES,
    max_bytes: int = MAX_BYTES,
) -> list[ScannedPage]:
    """What the QR code of each page of a scanned stack says, page by page, in order.
    Refuses (`Invalid` on `file`) what is not a PDF, a PDF pdfium cannot open, more than
    `max_pages` pages or `max_bytes` bytes. `progress(done, total)` after each page.
    CPU-bound (about 45 ms a page of a 200 dpi grey scan, nearly all of it pdfium
    decoding the page's image): run it off the event loop, in a job for a whole stack."""
    _check_file(pdf, max_bytes)
    document = _open(pdf)
    try:
        with PDFIUM:
            count = len(document)
        if count == 0:
            raise Invalid({"file": "le PDF n’a aucune page"})
        if count > max_pages:
            raise Invalid(
                {
                    "file": f"{count} pages ; au plus {max_pages} par dépôt : "
                    "déposez la pile en plusieurs fois"
                }
            )
        pages = []
        for index in range(count):
            if index and index % REOPEN_EVERY == 0:
                # pdfium keeps what it parsed of a document (each page's image data
                # included) until it is closed: about the scan's size by the end of it.
                _close(document)
                document = _open(pdf)
            pages.append(_read_page(document, index))
            if progress:
                progress(index + 1, count)
        return pages
    finally:
        _close(document)


def _open(pdf: bytes) -> pypdfium2.PdfDocument:
    with PDFIUM:
        try:
            return pypdfium2.PdfDocument(pdf)
        except pypdfium2.PdfiumError:
            raise _unreadable_file() from None


def _close(document: pypdfium2.PdfDocument) -> None:
    with PDFIUM:
        document.close()


# What a non-blank page belongs to, as far as its own code says: a loan, an unknown code, or
# nothing read (None).
_Owner = tuple[Literal["loan", "unknown"], LoanKey] | None


def _neighbours(owners: Sequence[_Owner]) -> list[tuple[_Owner, _Owner]]:
    """For each position, the nearest known owner before it and after it."""
    before: list[_Owner] = []
    last: _Owner = None
    for owner in owners:
        before.append(last)
        last = owner or last
    after: list[_Owner] = []
    last = None
    for owner in reversed(owners):
        after.append(last)
        last = owner or last
    return list(zip(before, reversed(after), strict=True))


def match_stack(
    pages: Iterable[ScannedPage], resolve: Callable[[str], LoanKey | None]
) -> StackMatch:
    """The pages of a scanned stack grouped by loan. `resolve(text)` names the loan of a
    code's text, or None; it is asked once per distinct text (so a caller may look them all
    up at once first and pass `dict.get`). A page without a code is placed with its
    neighbours when the nearest read pages before and after it (blank pages aside) belong to
    the same loan, and flagged as inferred; otherwise it is unmatched. Blank pages are only
    listed."""
    resolved: dict[str, LoanKey | None] = {}
    blank: list[int] = []
    indices: list[int] = []
    owners: list[_Owner] = []
    for page in sorted(pages, key=lambda p: p.index):
        if page.verdict == "blank":
            blank.append(page.index)
            continue
        owner: _Owner = None
        if page.text is not None:
            if page.text not in resolved:
                resolved[page.text] = resolve(page.text)
            key = resolved[page.text]
            owner = ("unknown", page.text) if key is None else ("loan", key)
        indices.append(page.index)
        owners.append(owner)

    loans: dict[LoanKey, LoanPages] = {}
    unknown: dict[LoanKey, UnknownCode] = {}
    unmatched: list[int] = []
    for index, owner, (before, after) in zip(indices, owners, _neighbours(owners), strict=True):
        if owner is None:
            if before is None or before != after or before[0] != "loan":
                unmatched.append(index)
                continue
            owner = before
            loans[owner[1]].inferred.append(index)
        kind, key = owner
        if kind == "unknown":
            unknown.setdefault(key, UnknownCode(str(key), [])).pages.append(index)
        else:
            loans.setdefault(key, LoanPages(key, [])).pages.append(index)
    return StackMatch(list(loans.values()), unmatched, blank, list(unknown.values()))


def upright_turns(pages: Iterable[ScannedPage]) -> dict[int, int]:
    """Page index -> clockwise degrees (90, 180, 270) that set upright the pages whose code
    was read sideways or upside down; for `split_pages`."""
    turns: dict[int, int] = {}
    for page in pages:
        if page.rotation is not None:
            turn = -round(page.rotation / 90) * 90 % 360
            if turn:
                turns[page.index] = turn
    return turns


def split_pages(
    pdf: bytes, indices: Sequence[int], *, turns: Mapping[int, int] | None = None
) -> bytes:
    """A new PDF of the pages `indices` (from 0, in that order) of the scan `pdf`, each page
    of `turns` turned clockwise by its degrees (see `upright_turns`). The pages are copied,
    not rasterised again: the scan as the school made it."""
    _check_file(pdf, MAX_BYTES)
    try:
        reader = PdfReader(io.BytesIO(pdf))
        count = len(reader.pages)
    except (PyPdfError, ValueError):
        raise _unreadable_file() from None
    if not indices:
        raise Invalid({"pages": "aucune page choisie"})
    outside = [str(i + 1) for i in indices if not 0 <= i < count]
    if outside:
        raise Invalid({"pages": f"le scan a {count} pages ; hors du scan : {', '.join(outside)}"})
    writer = PdfWriter()
    for index in indices:
        page = writer.add_page(reader.pages[index])
        turn = (turns or {}).get(index, 0)
        if turn:
            page.rotate(turn)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
