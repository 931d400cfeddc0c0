"""`ordipret migrate-photos`, run as a real process on its own SQLite file."""

from __future__ import annotations

from tests.api.test_cli import migrated, ordipret  # noqa: F401 (the fixture)


def test_migrating_photos_with_none_left_to_move_says_so(migrated):  # noqa: F811
    result = ordipret(migrated, "migrate-photos")
    assert result.returncode == 0, result.stderr
    assert "0 photo(s) rangée(s)" in result.stdout
