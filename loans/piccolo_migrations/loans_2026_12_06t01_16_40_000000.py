"""Paper signature dates become paper signatures, then `loan.paper_signed_on` goes.

Hand-written. For every loan with a recorded paper date, an agreement version 1 is created
with no PDF (sha256 NULL: the convention was printed outside the platform), listing the
signers asked on that day (the student; the guardians with legal authority when the student
was a minor that day and the region's policy asks them to co-sign; the head of school), and
one paper signature per signer, `without_scan`, dated noon (Paris) of the recorded day. The
agreement is complete, so the loan keeps its signed status.

Also the invariant the columns cannot declare: one signature per (agreement, role,
guardian), NULL guardian included (COALESCE, on SQLite and PostgreSQL alike).

Piccolo runs `add_raw` before the column changes of the same migration: the dates are copied
before the column is dropped (SQLite ≥ 3.35 drops a plain column in place). Backwards, the
column comes back empty: the dates stay as signatures.
"""

import datetime as dt
import json
import secrets
from zoneinfo import ZoneInfo

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-06T01:16:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "Paper signature dates become paper signatures without scan; drop paper_signed_on"

PARIS = ZoneInfo("Europe/Paris")
SIGNATURE_ONCE = "signature_once_per_signer"
ACTOR = "reprise des signatures papier"


class _Raw(Table, tablename="loan"):
    """Only for `raw()`: runs SQL on the migration's engine."""


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _is_minor(birth: dt.date, day: dt.date) -> bool:
    before = (day.month, day.day) < (birth.month, birth.day)
    return day.year - birth.year - before < 18


async def _copy_paper_dates() -> None:
    # A table class is bound to an engine when it is defined, once per process: point it at
    # the engine migrating now (a process may migrate several databases, as benchmarks do).
    _Raw._meta.db = engine_finder()
    loans = await _Raw.raw(
        "SELECT l.id, l.paper_signed_on, l.created_at, s.id AS student_id, s.first_name, "
        "s.last_name, s.birth_date, s.region FROM loan l JOIN student s ON s.id = l.student "
        "WHERE l.paper_signed_on IS NOT NULL ORDER BY l.id"
    )
    for loan in loans:
        day = _day(loan["paper_signed_on"])
        signed_at = dt.datetime.combine(day, dt.time(12), PARIS).astimezone(dt.UTC)
        policy = await _Raw.raw(
            "SELECT guardian_cosign_for_minors FROM region_policy WHERE region = {}",
            loan["region"],
        )
        cosign = bool(policy[0]["guardian_cosign_for_minors"]) if policy else True
        signers = [
            {
                "role": "student",
                "guardian_id": None,
                "name": f"{loan['first_name']} {loan['last_name'].upper()}",
                "label": None,
            }
        ]
        if cosign and _is_minor(_day(loan["birth_date"]), day):
            guardians = await _Raw.raw(
                "SELECT id, first_name, last_name, legal_authority FROM guardian "
                "WHERE student = {} ORDER BY id",
                loan["student_id"],
            )
            signers += [
                {
                    "role": "guardian",
                    "guardian_id": g["id"],
                    "name": f"{g['first_name']} {g['last_name'].upper()}",
                    "label": None,
                }
                for g in guardians
                if g["legal_authority"]
            ]
        signers.append(
            {
                "role": "head_of_school",
                "guardian_id": None,
                "name": "Le chef d’établissement",
                "label": None,
            }
        )
        agreement = await _Raw.raw(
            "INSERT INTO agreement (loan, version, terms_version, sha256, document, content_key,"
            " required, public_id, issued_at, issued_by_name, superseded_at, completed_at) "
            "VALUES ({}, 1, 1, NULL, NULL, NULL, {}, {}, {}, {}, NULL, {}) RETURNING id",
            loan["id"],
            json.dumps(signers),
            secrets.token_hex(16),
            min(loan["created_at"], signed_at) if loan["created_at"] else signed_at,
            ACTOR,
            signed_at,
        )
        for signer in signers:
            await _Raw.raw(
                "INSERT INTO signature (agreement, role, guardian, signer_name, method, "
                "signed_at, client_address, user_agent, document_sha256, image_sha256, "
                "scan_sha256, without_scan, recorded_by_id, recorded_by_name) "
                "VALUES ({}, {}, {}, {}, 'paper', {}, '', '', NULL, NULL, NULL, {}, NULL, {})",
                agreement[0]["id"],
                signer["role"],
                signer["guardian_id"],
                signer["name"],
                signed_at,
                True,
                ACTOR,
            )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="loans", description=DESCRIPTION)

    async def create_index():
        await engine_finder().run_ddl(
            f"CREATE UNIQUE INDEX {SIGNATURE_ONCE} ON signature "
            "(agreement, role, COALESCE(guardian, 0))"
        )
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX agreement_loan_version ON agreement (loan, version)"
        )

    async def drop_index():
        await engine_finder().run_ddl(f"DROP INDEX {SIGNATURE_ONCE}")
        await engine_finder().run_ddl("DROP INDEX agreement_loan_version")

    manager.add_raw(create_index)
    manager.add_raw(_copy_paper_dates)
    manager.add_raw_backwards(drop_index)
    manager.drop_column(
        table_class_name="Loan",
        tablename="loan",
        column_name="paper_signed_on",
        db_column_name="paper_signed_on",
        schema=None,
    )
    return manager
