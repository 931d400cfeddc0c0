"""CI step: fail when the Piccolo tables and the committed migrations differ.

For every app of Piccolo's registry, this replays the app's committed migrations into a
schema snapshot and diffs it with the app's table classes: exactly what
`piccolo migrations new APP --auto` compares, without writing any migration file. Each app
that needs a migration is listed with the statements Piccolo would generate for it.

The apps come from the registry of the Piccolo configuration module, not from paths: that is
PICCOLO_CONF when set, else the one `piccolo_conf.py` inside the project's packages. The
database is a throwaway SQLite file (the diff itself reads none; importing the configuration
builds an engine).

Run from the repository root: `.venv/bin/python .ci/migration_drift.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "inventory", "loans", "labels")


def conf_module() -> str:
    if os.environ.get("PICCOLO_CONF"):
        return os.environ["PICCOLO_CONF"]
    found = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("piccolo_conf.py"))
    if len(found) != 1:
        sys.exit(f"migration drift: expected one piccolo_conf.py, found {found or 'none'}")
    return ".".join(found[0].relative_to(ROOT).with_suffix("").parts)


async def drift() -> dict[str, list[str]]:
    """App name -> the statements a new auto migration of that app would hold."""
    from piccolo.apps.migrations.commands.new import AutoMigrationManager
    from piccolo.conf.apps import Finder

    changed: dict[str, list[str]] = {}
    app_configs = Finder().get_app_registry().app_configs
    if not app_configs:
        sys.exit("migration drift: the Piccolo registry lists no app")
    for name, app_config in sorted(app_configs.items()):
        # "n": a renamed column counts as a drop and an add; either way it is a change.
        manager = AutoMigrationManager(auto_input="n")
        with contextlib.redirect_stdout(io.StringIO()):  # Piccolo's summary table, all zeros
            alter_statements = await manager.get_alter_statements(app_config=app_config)
        statements = [s for alter in alter_statements for s in alter.statements]
        print(f"  {name}: {'needs a migration' if statements else 'no changes'}")
        if statements:
            changed[name] = statements
    return changed


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory(prefix="migration-drift-") as scratch:
        os.environ["ORDIPRET_DATABASE_URL"] = f"sqlite:///{scratch}/drift.sqlite"
        os.environ["PICCOLO_CONF"] = conf_module()
        print(f"PICCOLO_CONF={os.environ['PICCOLO_CONF']}")
        changed = asyncio.run(drift())
    if not changed:
        return 0
    print(
        "\nMIGRATION DRIFT: the tables of these apps differ from their committed migrations:",
        file=sys.stderr,
    )
    for name, statements in changed.items():
        print(f"\n--- {name}", file=sys.stderr)
        for statement in statements:
            print(f"    {statement}", file=sys.stderr)
    apps = " ".join(changed)
    print(
        f"\nCreate them with: piccolo migrations new <app> --auto (apps: {apps}).",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
