"""The reports' tallies (loans.reports.tallies): their tables, filled from the rows already
there, and the triggers that keep them in the transaction of every change afterwards.

Hand-written: the tables are not Piccolo tables (only triggers and the reports touch them),
and the triggers differ by engine (a PL/pgSQL function per trigger on PostgreSQL); both come
from the one definition of each tally in loans.reports.tallies.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

from loans.reports import tallies

ID = "2026-12-06T06:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Tallies of the fleet reports, kept by triggers"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="loans", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in [*tallies.create_sql(), *tallies.refill_sql(engine.engine_type)]:
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for statement in tallies.drop_sql(engine.engine_type):
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
