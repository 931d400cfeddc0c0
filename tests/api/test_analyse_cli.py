"""`ordipret analyse`, run from cron: the planner's statistics refreshed (inventory.statistics)."""

from __future__ import annotations

import sqlite3

from tests.cli_process import ordipret


def test_analyse_leaves_statistics_for_the_planner_and_says_so_in_french(migrated):
    result = ordipret(migrated, "analyse")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Statistiques de la base mises à jour." in result.stdout
    with sqlite3.connect(migrated / "cli.sqlite") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_schema")}
    assert "sqlite_stat1" in tables
