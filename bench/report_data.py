"""The region the `reports` benchmark measures, made with bulk inserts.

`api.demo_scale` (the region-scale generator) is not on this branch yet: this builds a
plain region instead, `SCHOOLS` lycées with a distribution campaign each through the
use-cases, then the devices, students and loans with one executemany per table (the date
adapters are Piccolo's, so the rows read back exactly as the app writes them).
"""

from __future__ import annotations

import datetime as dt
import random

from bench.fleet import is_postgres

SCHOOLS = 20
REGION = "24"


def uai_of(n: int) -> str:
    from inventory.uai import CHECK_LETTERS

    digits = f"{450100 + n:07d}"
    return digits + CHECK_LETTERS[int(digits) % 23]


def instant(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


async def reference_rows(now: dt.datetime) -> tuple[int, list[int], list[int], list[str]]:
    """Region, lycées, models and campaigns through the use-cases (a few rows)."""
    from inventory import catalogue, regions
    from inventory.scope import Actor, Scope
    from loans import campaigns

    platform, actor = Scope.platform(), Actor(id=None, name="banc d'essai")
    region_id = (await regions.create_region(platform, REGION, "Centre-Val de Loire")).id
    schools = []
    for n in range(SCHOOLS):
        created = await regions.create_establishment(
            platform, uai=uai_of(n), name=f"Lycée {n}", city="Orléans", region_code=REGION
        )
        schools.append(created.id)
        await campaigns.create_campaign(
            platform,
            actor,
            now,
            establishment_uai=uai_of(n),
            kind="distribution",
            name="Rentrée 2026",
            starts_on=dt.date(2026, 9, 1),
        )
    models, categories = [], []
    for name, category in (
        ("ThinkPad E14", "laptop"),
        ("Latitude 3540", "laptop"),
        ("iPad", "tablet"),
    ):
        model = await catalogue.create_device_model(
            platform, manufacturer="Bench", name=name, category=category, accessories=[]
        )
        models.append(model.id)
        categories.append(category)
    return region_id, schools, models, categories


def region_rows(size: int, region_id: int, schools, models, categories, now, today: dt.date):
    """Assets, students and loans as tuples, student k of a school borrowing its asset k."""
    rng = random.Random(11)
    assets, students, loans = [], [], []
    classes = ("2NDE1", "2NDE2", "1G1", "1G2", "TG1", "TG2", "BTS1SIO")
    conditions = "AAABBCD"
    for k in range(size):
        school = schools[k % SCHOOLS]
        model = rng.randrange(len(models))
        roll = rng.random()
        state = "lost" if roll < 0.02 else "stolen" if roll < 0.03 else "in_stock"
        state = "in_repair" if 0.03 <= roll < 0.05 else state
        acquired = dt.date(2022 + rng.randrange(5), 1 + rng.randrange(12), 1)
        assets.append(
            (
                f"B{k:07d}",
                f"SN{k:09d}",
                "bench",
                models[model],
                region_id,
                school,
                state,
                "A",
                acquired,
                acquired + dt.timedelta(days=3 * 365),
                "",
                now,
                now,
            )
        )
        left = dt.date(2026, 12, 1) if rng.random() < 0.03 else None
        students.append(
            (
                region_id,
                school,
                f"ENT{k}",
                None,
                f"Élève{k}",
                "Camille",
                dt.date(2010, 3, 14),
                rng.choice(classes),
                left,
                now,
            )
        )
        student, asset = k + 1, k + 1  # ids of a fresh database
        category = categories[model]
        handed = instant(dt.date(2025, 9, 1) + dt.timedelta(days=rng.randrange(60)))
        ended = instant(dt.date(2026, 6, 1) + dt.timedelta(days=rng.randrange(30)))
        last_state = "lost" if state == "lost" else "stolen" if state == "stolen" else "returned"
        condition = rng.choice(conditions) if last_state == "returned" else None
        loans.append(
            (
                asset,
                student,
                school,
                last_state,
                category,
                1,
                dt.date(2026, 7, 4),
                "[]",
                "[]",
                "[]",
                condition,
                "",
                handed,
                handed,
                ended,
            )
        )
        if state in ("lost", "stolen") or left:
            continue
        handed = instant(dt.date(2026, 9, 1) + dt.timedelta(days=rng.randrange(60)))
        awaiting = rng.random() < 0.05
        due = dt.date(2027, 7, 4) if rng.random() > 0.1 else today - dt.timedelta(rng.randrange(60))
        loans.append(
            (
                asset,
                student,
                school,
                "awaiting_signature" if awaiting else "active",
                category,
                1,
                due,
                "[]",
                "[]",
                "[]",
                None,
                "",
                handed,
                None if awaiting else handed,
                None,
            )
        )
    return assets, students, loans


_INSERTS = {
    "asset": "tag, serial, manufacturer_key, model, region, establishment, state, condition, "
    "acquired_on, warranty_end, notes, created_at, updated_at",
    "student": "region, establishment, ent_id, ine, last_name, first_name, birth_date, "
    "class_name, left_on, created_at",
    "loan": "asset, student, establishment, state, category, slot, due_on, "
    "accessories_given, accessories_returned, accessories_planned, return_condition, "
    "damage_notes, created_at, handed_over_at, closed_at",
}


async def bulk_insert(url: str, tables: dict[str, list[tuple]]) -> None:
    if is_postgres(url):
        import asyncpg

        connection = await asyncpg.connect(url)
        try:
            for table, rows in tables.items():
                columns = _INSERTS[table]
                marks = ", ".join(f"${i + 1}" for i in range(columns.count(",") + 1))
                await connection.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows
                )
            await connection.execute("ANALYZE")
        finally:
            await connection.close()
        return
    import sqlite3

    import piccolo.engine.sqlite  # noqa: F401 (registers the date and time adapters Piccolo writes with)

    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        for table, rows in tables.items():
            columns = _INSERTS[table]
            marks = ", ".join("?" * (columns.count(",") + 1))
            connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        connection.commit()
        connection.execute("ANALYZE")
    finally:
        connection.close()
