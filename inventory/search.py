"""Searching devices by part of their tag or serial, and people by the beginning of their
names, through indexes on both engines (migrations inventory and loans 2026-12-06T09:31).

Tags and serials are stored upper case (`assets.normalise_tag`, `normalise_serial`), so a
search is upper-cased and compared as it is, never through LOWER() or ILIKE, which no plain
index serves. Per engine:
- a prefix (and so an exact value): PostgreSQL `LIKE 'X%'` on `text_pattern_ops` indexes;
  SQLite a range `>= 'X' AND < 'Y'` (Y: X with its last character incremented) on the plain
  indexes, since SQLite's LIKE ignores case and uses no index of a BINARY column;
- a part of 3 characters or more: PostgreSQL `LIKE '%X%'` on trigram GIN indexes (pg_trgm);
  SQLite an FTS5 `trigram` table (`asset_search`) kept by triggers. Under 3 characters a
  trigram index cannot help and a substring of 1 or 2 characters matches a large part of a
  fleet anyway: the search is then a prefix search.
"""

from __future__ import annotations

from piccolo.columns import Column
from piccolo.columns.combination import Combinable, Or, WhereRaw

from inventory.tables import Asset

# Trigrams need three characters; below that, the search is by prefix only.
SUBSTRING_MINIMUM = 3
# Longer than any tag or serial: what is longer matches nothing, and is cut.
LONGEST = 80


def _engine_type() -> str:
    return Asset._meta.db.engine_type


def _pattern_literal(pattern: str) -> str:
    """A LIKE pattern as an SQL literal, for PostgreSQL. Not a parameter: after five runs of a
    prepared statement PostgreSQL may keep a generic plan, made without knowing the pattern,
    and at region scale it chose to walk the whole tag index in the list's order, filtering
    each row (97 ms for one device found, against 9 ms through the trigram index). With the
    pattern in the text, every search is planned for what it looks for. Quotes are doubled
    (standard_conforming_strings: backslashes are plain characters; and `escape_like` has
    doubled each, so none can escape a quote either way). `pattern` was `_cleaned`."""
    return "'" + pattern.replace("'", "''") + "'"


def _cleaned(text: str) -> str:
    """What is typed, without the characters no tag, serial nor name holds and a query
    would read: "%" (dropped, as the searches before these indexes did), braces (Piccolo's
    templates) and NUL (no PostgreSQL text holds it)."""
    for dropped in "%{}\x00":
        text = text.replace(dropped, "")
    return text


def escape_like(text: str) -> str:
    """`text` as a literal inside a LIKE pattern (backslash is PostgreSQL's escape)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def successor(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with `prefix`, in binary
    (code point, so UTF-8) order: the prefix with its last character incremented, past the
    surrogates no text holds. None when there is none (only the highest characters)."""
    while prefix:
        following = ord(prefix[-1]) + 1
        if 0xD800 <= following <= 0xDFFF:
            following = 0xE000
        if following <= 0x10FFFF:
            return prefix[:-1] + chr(following)
        prefix = prefix[:-1]
    return None


def _column_sql(column: Column) -> str:
    return f'"{column._meta.table._meta.tablename}"."{column._meta.db_column_name}"'


def prefix_clause(column: Column, prefix: str) -> WhereRaw:
    """`column` starts with `prefix` (case-sensitive), read from an index on either engine."""
    name = _column_sql(column)
    if _engine_type() == "postgres":
        return WhereRaw(f"{name} LIKE {_pattern_literal(escape_like(prefix) + '%')}")
    if (beyond := successor(prefix)) is None:
        return WhereRaw(f"{name} >= {{}}", prefix)
    return WhereRaw(f"({name} >= {{}} AND {name} < {{}})", prefix, beyond)


def _fts_phrase(text: str) -> str:
    """An FTS5 phrase matching `text` literally (double quotes doubled inside)."""
    return '"' + text.replace('"', '""') + '"'


def asset_search_clause(search: str | None):
    """Where clause on `Asset`: its tag or serial holds `search` (upper-cased), or starts
    with it when it is shorter than 3 characters. None when nothing is searched."""
    needle = _cleaned(search or "").strip().upper()[:LONGEST]
    if not needle:
        return None
    if len(needle) < SUBSTRING_MINIMUM:
        return Or(prefix_clause(Asset.tag, needle), prefix_clause(Asset.serial, needle))
    if _engine_type() == "postgres":
        pattern = _pattern_literal("%" + escape_like(needle) + "%")
        return WhereRaw(f'("asset"."tag" LIKE {pattern} OR "asset"."serial" LIKE {pattern})')
    return WhereRaw(
        '"asset"."id" IN (SELECT rowid FROM asset_search WHERE asset_search MATCH {})',
        _fts_phrase(needle),
    )


# Names are searched without case nor accents ("LÉA", "lea" and "Léa" are one name), by the
# beginning of each word typed. Per engine:
# - PostgreSQL stores the folded names in generated columns (`<name>_folded`, migration
#   loans 2026-12-06T09:31): accented letters replaced by their base letter (translate), then
#   lower(); indexed. Built-in functions only: unaccent() is an extension, and not immutable.
# - SQLite cannot nest the sixty replace() calls that would take (its parser stops at about
#   twenty), and its lower() folds ASCII only: an FTS5 table (unicode61 tokenizer, diacritics
#   removed, any case) kept by triggers answers there, word by word: "mor" also finds
#   "Dupont-Moretti", whose second word it begins.
_ACCENTED = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŸ"
_BASE = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyyY"
_LIGATURES = {"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss"}
_TRANSLATION = str.maketrans(_ACCENTED, _BASE)
assert len(_ACCENTED) == len(_BASE)


def fold(text: str) -> str:
    """`text` as PostgreSQL's folded expression (`folded_sql`) stores it."""
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    return text.translate(_TRANSLATION).lower()


def folded_sql(column: str) -> str:
    """PostgreSQL's SQL of `fold` applied to `column`: what the generated `<name>_folded`
    columns hold (the migration keeps a copy of the text it wrote)."""
    sql = column
    for ligature, letters in _LIGATURES.items():
        sql = f"replace({sql}, '{ligature}', '{letters}')"
    return f"lower(translate({sql}, '{_ACCENTED}', '{_BASE}'))"


def _folded_prefix(column: Column, prefix: str) -> WhereRaw:
    folded = _column_sql(column)[:-1] + '_folded"'  # "student"."last_name_folded"
    pattern = _pattern_literal(escape_like(fold(prefix)) + "%")
    return WhereRaw(f"{folded} LIKE {pattern}")


def name_search_clause(first: Column, second: Column, fts_table: str, words: list[str]):
    """Every word of `words` begins `first` or `second` (PostgreSQL), or begins a word of
    them (SQLite, through `fts_table`), without case nor accents. None without words."""
    words = [word for word in map(_cleaned, words) if word]
    if not words:
        return None
    if _engine_type() == "postgres":
        clauses = [Or(_folded_prefix(first, word), _folded_prefix(second, word)) for word in words]
        combined: Combinable = clauses[0]
        for clause in clauses[1:]:
            combined = combined & clause
        return combined
    table = first._meta.table._meta.tablename
    match = " ".join(_fts_phrase(word) + "*" for word in words)
    return WhereRaw(
        f'"{table}"."id" IN (SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH {{}})', match
    )
