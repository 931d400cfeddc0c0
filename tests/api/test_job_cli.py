"""`ordipret worker` as a real process, and the setting that says where workers run."""

from __future__ import annotations

import pytest

from api.settings import Settings
from tests.cli_process import ordipret


def test_the_worker_run_once_prepares_what_waits_and_stops(migrated):
    result = ordipret(migrated, "worker", "--once")
    assert result.returncode == 0, result.stderr
    assert "0 document(s) préparé(s)" in result.stdout


def test_the_app_runs_its_own_worker_unless_told_otherwise():
    assert Settings.from_env({}).worker == "inline"
    assert Settings.from_env({"ORDIPRET_WORKER": " OFF "}).worker == "off"


def test_an_unknown_worker_mode_is_refused_in_french():
    with pytest.raises(ValueError, match="ORDIPRET_WORKER : inline ou off attendu"):
        Settings.from_env({"ORDIPRET_WORKER": "celery"})
