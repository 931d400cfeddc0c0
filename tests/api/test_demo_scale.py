"""The scale demo (`ordipret demo --scale`), built at a tiny size on the test database (SQLite,
or PostgreSQL with ORDIPRET_TEST_DATABASE_URL): its rows keep every invariant the app relies
on, and the app's own use-cases work on them."""

from __future__ import annotations

import datetime as dt

from api.accounts.staff import create_token
from api.clock import utcnow
from api.demo_scale import SCALES, build, database_is_empty
from inventory.tables import Asset, AssetEvent, Establishment, Region
from inventory.uai import uai_problem
from loans import desk, lifecycle
from loans.tables import Loan, Student
from tests.cli_process import ordipret
from tests.conftest import client_for
from tests.database import truncate_all
from tests.factories import ACTOR, PLATFORM, make_account
from tests.report_tallies import assert_tallies_match_a_recount

FIXED_NOW = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)


async def count(sql: str, *args) -> int:
    rows = await Loan.raw(sql, *args)
    return next(iter(rows[0].values()))


async def test_the_tiny_demo_fills_an_empty_database_with_three_schools(app):
    assert await database_is_empty()
    built = await build(Region._meta.db, "tiny", 7, FIXED_NOW)
    size = SCALES["tiny"]
    assert built.counts["establishment"] == size.establishments
    assert built.counts["student"] == await Student.count() == size.students
    assert await Asset.count() == size.devices
    # Three school years: about three loans per student, each with its history.
    assert 2 * size.students < await Loan.count() < 4 * size.students
    assert not await database_is_empty()
    for row in await Establishment.select(Establishment.uai, Establishment.name):
        assert uai_problem(row["uai"]) is None
        assert row["name"].startswith("Lycée")


async def test_the_generated_loans_and_devices_keep_the_invariants_of_the_app(app):
    await build(Region._meta.db, "tiny", 7, FIXED_NOW)
    # One open loan per device, one per student and category (the partial unique indexes
    # would have refused the insert otherwise, so also check that loans exist at all).
    assert await count("SELECT COUNT(*) AS n FROM loan WHERE closed_at IS NULL") > 100
    lent_elsewhere = """SELECT COUNT(*) AS n FROM loan l JOIN asset a ON a.id = l.asset
        WHERE l.closed_at IS NULL AND a.state <> 'in_stock'"""
    assert await count(lent_elsewhere) == 0
    overlapping = """SELECT COUNT(*) AS n FROM loan a JOIN loan b ON a.asset = b.asset
        AND a.id < b.id WHERE a.created_at < COALESCE(b.closed_at, {})
        AND b.created_at < COALESCE(a.closed_at, {})"""
    far = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)
    assert await count(overlapping, far, far) == 0
    # A lost or stolen device is so because its loan ended so, and the other way round.
    for state in ("lost", "stolen"):
        loans = await Loan.count().where(Loan.state == state)
        assert loans > 0
        assert loans == await Asset.count().where(Asset.state == state)
        mismatched = """SELECT COUNT(*) AS n FROM loan l JOIN asset a ON a.id = l.asset
            WHERE l.state = {} AND a.state <> l.state"""
        assert await count(mismatched, state) == 0
    # Returned: accessories back recorded and a condition; a damaged one went to repair.
    assert (
        await count(
            "SELECT COUNT(*) AS n FROM loan WHERE state = 'returned' AND return_condition IS NULL"
        )
        == 0
    )
    returns = await (
        AssetEvent.select(AssetEvent.changes)
        .where(AssetEvent.action == "take_back")
        .output(load_json=True)
    )
    assert any(r["changes"].get("state") == ["in_stock", "in_repair"] for r in returns)
    # Every device handed over was signed for by all parties, on paper, without a scan.
    unsigned = """SELECT COUNT(*) AS n FROM loan l WHERE l.handed_over_at IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM agreement g WHERE g.loan = l.id
        AND g.completed_at IS NOT NULL)"""
    assert await count(unsigned) == 0
    assert (
        await count(
            "SELECT COUNT(*) AS n FROM signature WHERE method <> 'paper' OR without_scan = {}",
            False,
        )
        == 0
    )
    # Each transition has its loan event, each hand-over its asset event.
    for action, where in (("prepare_loan", "TRUE"), ("hand_over", "handed_over_at IS NOT NULL")):
        missing = f"""SELECT COUNT(*) AS n FROM loan l WHERE {where} AND NOT EXISTS
            (SELECT 1 FROM loan_event e WHERE e.loan = l.id AND e.action = '{action}')"""
        assert await count(missing) == 0, action
    assert await count(
        "SELECT COUNT(*) AS n FROM asset_event WHERE action = 'hand_over'"
    ) == await count("SELECT COUNT(*) AS n FROM loan WHERE handed_over_at IS NOT NULL")
    assert (
        await count(
            "SELECT COUNT(*) AS n FROM asset_event WHERE actor_name <> 'Données de démonstration'"
        )
        == 0
    )
    # Nothing happens after now; some loans are overdue now, some await their signatures.
    assert await count("SELECT COUNT(*) AS n FROM loan_event WHERE at > {}", FIXED_NOW) == 0
    today = FIXED_NOW.date()
    assert await Loan.count().where((Loan.state == "active") & (Loan.due_on < today)) > 0
    assert await Loan.count().where(Loan.state == "awaiting_signature") > 0


async def test_students_are_in_classes_of_the_three_levels_and_minors_have_a_legal_guardian(app):
    await build(Region._meta.db, "tiny", 7, FIXED_NOW)
    enrolled = await Student.select(Student.class_name).where(Student.left_on.is_null())
    assert {row["class_name"].rstrip("0123456789") for row in enrolled} == {"2NDE", "1RE", "TLE"}
    assert await Student.count().where(Student.left_on.is_not_null()) > 0
    without_guardian = """SELECT COUNT(*) AS n FROM student s WHERE NOT EXISTS
        (SELECT 1 FROM guardian g WHERE g.student = s.id AND g.legal_authority = {})"""
    assert await count(without_guardian, True) == 0
    assert await count("SELECT COUNT(DISTINCT ine) AS n FROM student") == await Student.count()


async def test_the_same_seed_builds_the_same_data(app):
    def snapshot():
        return Loan.select(Loan.asset, Loan.student, Loan.state, Loan.created_at).order_by(Loan.id)

    await build(Region._meta.db, "tiny", 11, FIXED_NOW)
    first = await snapshot()
    await truncate_all(Region._meta.db)
    await build(Region._meta.db, "tiny", 11, FIXED_NOW)
    assert await snapshot() == first
    await truncate_all(Region._meta.db)
    await build(Region._meta.db, "tiny", 12, FIXED_NOW)
    assert await snapshot() != first


async def test_a_hand_over_and_a_return_succeed_on_generated_data(app):
    now = FIXED_NOW + dt.timedelta(hours=1)
    await build(Region._meta.db, "tiny", 7, FIXED_NOW)
    # An enrolled student without a laptop, and a laptop in stock in their school.
    student = (
        await Student.raw(
            """SELECT s.id, s.establishment FROM student s WHERE s.left_on IS NULL
            AND NOT EXISTS (SELECT 1 FROM loan l WHERE l.student = s.id
            AND l.category = 'laptop' AND l.closed_at IS NULL) ORDER BY s.id LIMIT 1"""
        )
    )[0]
    free = await Asset.raw(
        """SELECT a.tag FROM asset a JOIN device_model m ON m.id = a.model
        WHERE a.state = 'in_stock' AND m.category = 'laptop' AND a.establishment = {}
        AND NOT EXISTS (SELECT 1 FROM loan l WHERE l.asset = a.id AND l.closed_at IS NULL)
        ORDER BY a.id LIMIT 1""",
        student["establishment"],
    )
    loan_id = await lifecycle.prepare_loan(
        PLATFORM,
        ACTOR,
        now,
        asset_tag=free[0]["tag"],
        student_id=student["id"],
        max_open_per_category=1,
    )
    await lifecycle.record_paper_signature(PLATFORM, ACTOR, now, loan_id, now.date())
    await desk.hand_over(PLATFORM, ACTOR, now, loan_id, None)
    assert await Loan.select(Loan.state).where(Loan.id == loan_id).first() == {"state": "active"}
    # A generated convention signed on paper, its device not yet handed over: it can be.
    signed = await Loan.raw(
        """SELECT l.id FROM loan l JOIN agreement g ON g.loan = l.id
        WHERE l.state = 'awaiting_signature' AND g.completed_at IS NOT NULL ORDER BY l.id"""
    )
    assert signed
    await desk.hand_over(PLATFORM, ACTOR, now, signed[0]["id"], None)
    assert await Loan.select(Loan.state).where(Loan.id == signed[0]["id"]).first() == {
        "state": "active"
    }
    # A generated active loan comes back damaged: its device goes to repair.
    generated = (
        await Loan.select(Loan.id, Loan.asset, Loan.accessories_given)
        .where((Loan.state == "active") & (Loan.id != loan_id))
        .first()
        .output(load_json=True)
    )
    result = await desk.take_back(
        PLATFORM,
        ACTOR,
        now,
        generated["id"],
        accessories_returned=generated["accessories_given"],
        condition="D",
    )
    assert result.device_state == "in_repair" and result.missing_accessories == []
    asset = await Asset.select(Asset.state).where(Asset.id == generated["asset"]).first()
    assert asset == {"state": "in_repair"}
    # The reports' tallies, counted once after the bulk load, then kept by their triggers.
    await assert_tallies_match_a_recount()


async def test_the_loan_and_asset_lists_answer_on_generated_data(app):
    built = await build(Region._meta.db, "tiny", 7, FIXED_NOW)
    admin = await make_account("admin@demo.test", "admin")
    _, token = await create_token(admin, "tests", utcnow())
    async with client_for(app, Authorization=f"Bearer {token}") as client:
        overdue = await client.get("/api/v1/loans", params={"overdue": "true"})
        assert overdue.status_code == 200, overdue.text
        assert overdue.json()["total"] > 0
        school = await client.get(
            "/api/v1/loans", params={"establishment": built.first_school, "state": "open"}
        )
        assert school.status_code == 200 and school.json()["total"] > 0
        assets = await client.get("/api/v1/assets", params={"state": "in_repair"})
        assert assets.status_code == 200 and assets.json()["total"] > 0


def test_the_command_builds_the_demo_then_refuses_to_build_it_again(migrated):
    built = ordipret(migrated, "demo", "--scale", "tiny", "--no-serve")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "Démonstration « tiny » construite" in built.stdout
    assert "Prêts" in built.stdout and "region@demo.ordipret.fr" in built.stdout
    again = ordipret(migrated, "demo", "--scale", "tiny", "--no-serve")
    assert again.returncode == 1
    assert "La base de données n'est pas vide" in again.stdout


def test_the_national_demo_is_refused_on_sqlite_in_french(migrated):
    refused = ordipret(migrated, "demo", "--scale", "national", "--no-serve")
    assert refused.returncode == 2
    assert "demande PostgreSQL" in refused.stdout
    assert "Prêts" not in refused.stdout
