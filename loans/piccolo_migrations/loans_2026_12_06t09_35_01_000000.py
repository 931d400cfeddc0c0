"""Indexes of the loans' lists read by cursor (inventory.keyset): a campaign's students by
class and name (its to-do list), the campaigns newest first, a delivery's receipts newest
first, the students' requests (ENT link proposals, loss declarations) of a state oldest
first; each ends with the id the sort ends with, so that a page seeks to its first row.

Hand-written raw SQL; the same statements run on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T09:35:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes of the campaign and delivery lists read by cursor"

INDEXES = {
    "student_campaign_todo": "student (establishment, class_name, last_name, first_name, id)",
    "campaign_starts_on_id": "campaign (starts_on, id)",
    "delivery_item_delivery_id": "delivery_item (delivery, id)",
    "ent_link_proposal_state_created": "ent_link_proposal (state, created_at, id)",
    "loss_declaration_state_created": "loss_declaration (state, created_at, id)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="loans", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX {name} ON {target}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
