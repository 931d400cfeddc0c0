"""`ordipret migrate-photos`, run as a real process on its own SQLite file."""

from __future__ import annotations

from tests.cli_process import ordipret


def test_migrating_photos_with_none_left_to_move_says_so(migrated):
    result = ordipret(migrated, "migrate-photos")
    assert result.returncode == 0, result.stderr
    assert "0 photo(s) rangée(s)" in result.stdout
