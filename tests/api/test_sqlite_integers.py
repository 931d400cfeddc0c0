"""SQLite's INTEGER columns are read by ordipret's converter (api/infra/database.py): whole
numbers straight from their bytes, anything else as Piccolo read it before."""

from __future__ import annotations

import sqlite3

import pytest

import api.infra.database  # noqa: F401  # registers the converter, as the app does


def read_back(value) -> object:
    connection = sqlite3.connect(":memory:", detect_types=sqlite3.PARSE_DECLTYPES)
    connection.execute("CREATE TABLE t (n INTEGER)")
    connection.execute("INSERT INTO t VALUES (?)", (value,))
    return connection.execute("SELECT n FROM t").fetchone()[0]


@pytest.mark.parametrize("value", [0, 7, -42, 2**62, "12"])
def test_whole_numbers_are_read_as_ints(value):
    assert read_back(value) == int(value)
    assert type(read_back(value)) is int


def test_a_fraction_stored_in_an_integer_column_is_truncated_as_piccolo_did():
    assert read_back(2.75) == 2


def test_text_that_is_no_number_is_refused_as_before():
    with pytest.raises(Exception):  # noqa: B017, PT011  # Piccolo's Decimal refuses it
        read_back("hello")
