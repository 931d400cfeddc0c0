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

from dataclasses import dataclass

from piccolo.columns import Column
from piccolo.columns.combination import Combinable, Or, WhereRaw
from piccolo.query import Select
from piccolo.querystring import QueryString

from inventory.keyset import COUNT_CAP, capped_count
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
    doubled each, so none can escape a quote either way). Braces are doubled too: the literal
    lands in a Piccolo template, where a lone `{` or `}` is a placeholder (a ValueError, a 500:
    an INE searched for with a brace in it)."""
    literal = "'" + pattern.replace("'", "''") + "'"
    return literal.replace("{", "{{").replace("}", "}}")


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


def _needle(search: str | None) -> str:
    return _cleaned(search or "").strip().upper()[:LONGEST]


def asset_search_clause(search: str | None):
    """Where clause on `Asset`: its tag or serial holds `search` (upper-cased), or starts
    with it when it is shorter than 3 characters. None when nothing is searched."""
    needle = _needle(search)
    if not needle:
        return None
    if len(needle) < SUBSTRING_MINIMUM:
        return Or(prefix_clause(Asset.tag, needle), prefix_clause(Asset.serial, needle))
    if _engine_type() == "postgres":
        pattern = _pattern_literal("%" + escape_like(needle) + "%")
        return WhereRaw(f'("asset"."tag" LIKE {pattern} OR "asset"."serial" LIKE {pattern})')
    return WhereRaw(_FTS_IDS, _fts_phrase(needle))


_FTS_IDS = '"asset"."id" IN (SELECT rowid FROM asset_search WHERE asset_search MATCH {})'

# SQLite: from this many devices holding the part searched, the search is "broad". An FTS5
# query answers the ids of every match before SQLite can sort them: 64,000 devices of a region
# whose serial holds "LE240" took 60 ms for a page and 38 ms more for its count. A broad
# search instead reads the list in its own order (its index) and tests each device's tag and
# serial, stopping at the page's end: matches are then dense, so the page reads a few hundred
# rows. Below, the ids found are the list: a search reads its FTS matches once, not per query.
BROAD = 2_000


@dataclass(frozen=True, slots=True)
class AssetSearch:
    """A device search resolved for one list: `where` selects its rows; `broad_phrase`, for a
    broad search on SQLite, is the FTS5 query its count is driven from (`capped_search_count`)."""

    where: Combinable
    broad_phrase: str | None = None


async def resolve_asset_search(search: str | None) -> AssetSearch | None:
    """The search of a list, resolved against the index once (see BROAD). None without one."""
    needle = _needle(search)
    if len(needle) < SUBSTRING_MINIMUM or _engine_type() == "postgres":
        clause = asset_search_clause(needle)
        return None if clause is None else AssetSearch(clause)
    phrase = _fts_phrase(needle)
    found = await Asset.raw(
        f"SELECT rowid AS id FROM asset_search WHERE asset_search MATCH {{}} LIMIT {BROAD}", phrase
    )
    if len(found) < BROAD:  # integers read from the index: safe inline, one query plan
        ids = ",".join(str(row["id"]) for row in found)
        return AssetSearch(WhereRaw(f'"asset"."id" IN ({ids})'))
    holds = '(instr("asset"."tag", {}) > 0 OR instr("asset"."serial", {}) > 0)'
    return AssetSearch(WhereRaw(holds, needle, needle), broad_phrase=phrase)


async def capped_search_count(select: Select, search: AssetSearch | None) -> tuple[int, bool]:
    """`keyset.capped_count` of `select` (the list's rows without the search) and `search`;
    a broad search on SQLite counted by `broad_count_query`."""
    if search is None or search.broad_phrase is None:
        return await capped_count(select if search is None else select.where(search.where))
    found = (await Asset._meta.db.run_querystring(broad_count_query(select, search)))[0]["n"]
    return min(found, COUNT_CAP), found <= COUNT_CAP


def broad_count_query(select: Select, search: AssetSearch) -> QueryString:
    """Up to COUNT_CAP + 1 of a broad search's FTS matches, each looked up by id among the
    rows of `select` (which SQLite flattens: no list of them is built first)."""
    return QueryString(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM asset_search CROSS JOIN ({}) AS listed"
        " ON listed.id = asset_search.rowid WHERE asset_search MATCH {} LIMIT {}) AS counted",
        select.querystrings[0],
        search.broad_phrase,
        COUNT_CAP + 1,
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
