"""A region's loan terms as structured text: headings, paragraphs and bulleted lists.

Region managers type the terms in a plain textarea, with a friendly markup:

    # Article 1 — Objet            a heading
    Un paragraphe, sur une ou       a paragraph: its lines are joined by one space;
    plusieurs lignes.               a blank line ends it
    - un élément de liste           a bulleted list (also "* " or "• "); a line that
    - un autre élément              follows an item without a marker continues it

A paragraph whose text begins with one of the marker characters is written with a
backslash in front (`\\- 5 % …`), and the backslash is dropped on reading, so that
`parse_terms(format_terms(blocks)) == blocks` for every valid list of blocks.

The blocks are msgspec Structs in a tagged union (`{"kind": "heading", "text": …}`), so the
API can take them as JSON too; `check_blocks` applies the same limits to those.
No HTML anywhere: the PDF and the pages escape the text they print.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import msgspec

from inventory.errors import Invalid

# Generous for a convention (the default terms are about 9,000 characters) and small enough
# that a pasted file or a runaway script is refused before it reaches a PDF of 80 pages.
MAX_CHARS = 40_000
MAX_BLOCKS = 200
MAX_TEXT = 4_000  # one paragraph or one list item
MAX_HEADING = 200
MAX_ITEMS = 50  # items of one list

ITEM_MARKERS = ("- ", "* ", "• ")
ESCAPED_STARTS = ("#", "-", "*", "•", "\\")
FIELD = "terms"


class Heading(msgspec.Struct, frozen=True, tag="heading", tag_field="kind"):
    text: str


class Paragraph(msgspec.Struct, frozen=True, tag="paragraph", tag_field="kind"):
    text: str


class Items(msgspec.Struct, frozen=True, tag="items", tag_field="kind"):
    items: list[str]


Block = Heading | Paragraph | Items


def _refuse(message: str, where: str | None = None) -> Invalid:
    return Invalid({FIELD: f"{message} ({where})" if where else message})


def _bad_character(text: str) -> str | None:
    """The first character a printed convention must not hold: control and format
    characters (including the invisible bidirectional overrides that can reorder what the
    reader sees), unassigned and private-use code points, surrogates."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"):
            return char
    return None


def _check_text(text: str, limit: int, what: str, where: str) -> None:
    if not text.strip():
        raise _refuse(f"{what} est vide", where)
    if text != text.strip():
        raise _refuse(f"{what} commence ou finit par des espaces", where)
    if len(text) > limit:
        raise _refuse(f"{what} dépasse {limit} caractères", where)
    char = _bad_character(text)
    if char is not None:
        raise _refuse(f"caractère de contrôle interdit (U+{ord(char):04X})", where)
    if not unicodedata.is_normalized("NFC", text):
        raise _refuse(f"{what} n'est pas en Unicode normalisé (NFC)", where)


class _Parser:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.paragraph: list[str] = []
        self.items: list[str] = []
        self.start = 0  # line where the open paragraph or list began

    def add(self, block: Block, line: int) -> None:
        if len(self.blocks) == MAX_BLOCKS:
            raise _refuse(f"plus de {MAX_BLOCKS} blocs", f"ligne {line}")
        self.blocks.append(block)

    def close(self) -> None:
        if self.paragraph:
            self.add(Paragraph(" ".join(self.paragraph)), self.start)
        elif self.items:
            self.add(Items(self.items), self.start)
        self.paragraph, self.items = [], []

    def line(self, number: int, line: str) -> None:
        if not line:
            self.close()
        elif line.startswith("#"):
            self.close()
            text = line.lstrip("#").strip()
            if not text:
                raise _refuse("titre vide", f"ligne {number}")
            if len(text) > MAX_HEADING:
                raise _refuse(f"titre de plus de {MAX_HEADING} caractères", f"ligne {number}")
            self.add(Heading(text), number)
        elif line.startswith(ITEM_MARKERS) or line in ("-", "*", "•"):
            if self.paragraph:
                self.close()
            text = line[1:].strip()
            if not text:
                raise _refuse("élément de liste vide", f"ligne {number}")
            if not self.items:
                self.start = number
            self.items.append(text)
            if len(self.items) > MAX_ITEMS:
                raise _refuse(f"liste de plus de {MAX_ITEMS} éléments", f"ligne {number}")
        else:
            if line.startswith("\\"):
                line = line[1:]
            if self.items:  # lazy continuation of the last item, as in Markdown
                self.items[-1] = f"{self.items[-1]} {line}"
                text = self.items[-1]
            else:
                if not self.paragraph:
                    self.start = number
                self.paragraph.append(line)
                text = " ".join(self.paragraph)
            if len(text) > MAX_TEXT:
                raise _refuse(
                    f"paragraphe ou élément de plus de {MAX_TEXT} caractères",
                    f"ligne {self.start}",
                )


def parse_terms(text: str) -> list[Block]:
    """The blocks of `text` typed in the markup above. Raises `Invalid({"terms": …})`, in
    French and naming the line, for an empty or too long text, control characters, or
    too many blocks. Tabs count as spaces, any line ending is accepted, text is NFC."""
    if len(text) > MAX_CHARS:
        raise _refuse(f"le texte dépasse {MAX_CHARS} caractères ({len(text)})")
    text = unicodedata.normalize("NFC", text.replace("\t", " "))
    parser = _Parser()
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        char = _bad_character(raw)
        if char is not None:
            raise _refuse(f"caractère de contrôle interdit (U+{ord(char):04X})", f"ligne {number}")
        parser.line(number, raw.strip())
    parser.close()
    if not parser.blocks:
        raise _refuse("le texte des conditions est vide")
    return parser.blocks


def _escaped(text: str) -> str:
    return "\\" + text if text.startswith(ESCAPED_STARTS) else text


def format_terms(blocks: Sequence[Block]) -> str:
    """The markup of `blocks`, one blank line between blocks, each text on one line."""
    parts = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"# {block.text}")
        elif isinstance(block, Paragraph):
            parts.append(_escaped(block.text))
        else:
            parts.append("\n".join(f"- {item}" for item in block.items))
    return "\n\n".join(parts) + "\n"


def check_blocks(blocks: Sequence[Block]) -> None:
    """The limits `parse_terms` applies, for blocks that came as JSON: raises
    `Invalid({"terms": "… (bloc N)"})`. Texts are single lines without surrounding spaces,
    so that every valid list of blocks survives `format_terms` then `parse_terms`."""
    if not blocks:
        raise _refuse("le texte des conditions est vide")
    if len(blocks) > MAX_BLOCKS:
        raise _refuse(f"plus de {MAX_BLOCKS} blocs")
    total = 0
    for number, block in enumerate(blocks, start=1):
        where = f"bloc {number}"
        if isinstance(block, Heading):
            _check_text(block.text, MAX_HEADING, "le titre", where)
            if block.text.startswith("#"):
                raise _refuse("le titre commence par #", where)
            total += len(block.text)
        elif isinstance(block, Paragraph):
            _check_text(block.text, MAX_TEXT, "le paragraphe", where)
            total += len(block.text)
        elif isinstance(block, Items):
            if not block.items:
                raise _refuse("liste sans élément", where)
            if len(block.items) > MAX_ITEMS:
                raise _refuse(f"liste de plus de {MAX_ITEMS} éléments", where)
            for item in block.items:
                _check_text(item, MAX_TEXT, "un élément de liste", where)
                total += len(item)
        else:  # pragma: no cover - the union is closed; guards a caller's stray object
            raise _refuse("bloc inconnu", where)
    if total > MAX_CHARS:
        raise _refuse(f"le texte dépasse {MAX_CHARS} caractères ({total})")
