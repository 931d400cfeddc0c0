"""The student search by name without case nor accents ("LÉA", "lea" and "Léa" are one name),
through an index on both engines (inventory.search.name_search_clause). It replaces the
indexes of migration `student_search` (lower() on PostgreSQL, NOCASE on SQLite: neither ignored
accents, and NOCASE folds ASCII letters only, so "LÉA" did not find "Léa").

- PostgreSQL: the folded names in stored generated columns (`last_name_folded`,
  `first_name_folded`, unknown to Piccolo: computed by the database on every write, whoever
  writes), indexed. Not expression indexes: PostgreSQL re-computes the expression for each
  row a bitmap scan reads, 125 ms for the 25,000 students of a region whose names begin with
  "le", against 46 ms from a column. The expressions are frozen below as
  `inventory.search.folded_sql` wrote them: the search folds what is typed the same way
  (`fold`), so a change of either needs a new migration. Name first, then the establishment:
  one index serves a school's staff and a region's manager.
- SQLite: an FTS5 table over the two names (unicode61 tokenizer, diacritics removed, prefix
  indexes), its content read from `student` and kept in step by triggers.

And, on both engines, the index of the loans' closing dates (loans.reports.tallies) now leaves
the open loans out. SQLite's statistics hold one average per index: 6 loans per closing date
at region scale, where the open ones (closing date NULL) are 165,000. Once analysed, SQLite
read every open loan through that index to find the open loans of a page of 50 devices (90 ms
of the asset list's 113). Without NULLs the index still serves every range of dates.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T09:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Student search by name without case nor accents"

FOLDED = {}
FOLDED['last_name'] = (
    "lower(translate(replace(replace(replace(replace(replace(last_name, 'Œ', 'OE'), 'œ', 'oe'), 'Æ', 'AE'), 'æ', 'ae'), 'ß', 'ss'), 'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŸ', 'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyyY'))"
)
FOLDED['first_name'] = (
    "lower(translate(replace(replace(replace(replace(replace(first_name, 'Œ', 'OE'), 'œ', 'oe'), 'Æ', 'AE'), 'æ', 'ae'), 'ß', 'ss'), 'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŸ', 'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyyY'))"
)

CLOSED_AT = (
    "DROP INDEX loan_closed_at",
    "CREATE INDEX loan_closed_at ON loan (closed_at) WHERE closed_at IS NOT NULL",
)
CLOSED_AT_BACKWARDS = ("DROP INDEX loan_closed_at", "CREATE INDEX loan_closed_at ON loan (closed_at)")

POSTGRES = (
    *CLOSED_AT,
    "DROP INDEX student_search_last",
    "DROP INDEX student_search_first",
    "ALTER TABLE student "
    f"ADD COLUMN last_name_folded text GENERATED ALWAYS AS ({FOLDED['last_name']}) STORED, "
    f"ADD COLUMN first_name_folded text GENERATED ALWAYS AS ({FOLDED['first_name']}) STORED",
    "CREATE INDEX student_name_last ON student (last_name_folded text_pattern_ops, establishment)",
    "CREATE INDEX student_name_first ON student "
    "(first_name_folded text_pattern_ops, establishment)",
)
POSTGRES_BACKWARDS = (
    *CLOSED_AT_BACKWARDS,
    "ALTER TABLE student DROP COLUMN last_name_folded, DROP COLUMN first_name_folded",
    "CREATE INDEX student_search_last ON student "
    "(lower(last_name) text_pattern_ops, establishment)",
    "CREATE INDEX student_search_first ON student "
    "(lower(first_name) text_pattern_ops, establishment)",
)
SQLITE = (
    *CLOSED_AT,
    "DROP INDEX student_search_last",
    "DROP INDEX student_search_first",
    "CREATE VIRTUAL TABLE student_name USING fts5(last_name, first_name, content='student', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')",
    "CREATE TRIGGER student_name_insert AFTER INSERT ON student BEGIN "
    "INSERT INTO student_name (rowid, last_name, first_name) "
    "VALUES (new.id, new.last_name, new.first_name); END",
    "CREATE TRIGGER student_name_delete AFTER DELETE ON student BEGIN "
    "INSERT INTO student_name (student_name, rowid, last_name, first_name) "
    "VALUES ('delete', old.id, old.last_name, old.first_name); END",
    "CREATE TRIGGER student_name_update AFTER UPDATE OF last_name, first_name ON student BEGIN "
    "INSERT INTO student_name (student_name, rowid, last_name, first_name) "
    "VALUES ('delete', old.id, old.last_name, old.first_name); "
    "INSERT INTO student_name (rowid, last_name, first_name) "
    "VALUES (new.id, new.last_name, new.first_name); END",
    "INSERT INTO student_name (student_name) VALUES ('rebuild')",
)
SQLITE_BACKWARDS = (
    *CLOSED_AT_BACKWARDS,
    "DROP TRIGGER student_name_update",
    "DROP TRIGGER student_name_delete",
    "DROP TRIGGER student_name_insert",
    "DROP TABLE student_name",
    "CREATE INDEX student_search_last ON student (establishment, last_name COLLATE NOCASE)",
    "CREATE INDEX student_search_first ON student (establishment, first_name COLLATE NOCASE)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="loans", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in POSTGRES if engine.engine_type == "postgres" else SQLITE:
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        backwards = POSTGRES_BACKWARDS if engine.engine_type == "postgres" else SQLITE_BACKWARDS
        for statement in backwards:
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
