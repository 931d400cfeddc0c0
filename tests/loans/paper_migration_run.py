"""Run in a process of its own by test_paper_migration.py, on a database of its own: migrate
up to just before the paper-date migration, write loans with paper dates the old way, run
the rest, and print what became of them (JSON on stdout)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys

from piccolo.apps.migrations.commands.forwards import run_forwards

from api.infra.database import engine_for
from api.infra.piccolo_conf import bind

BEFORE = "2026-12-06T01:16:39:415423"  # agreements exist, loan.paper_signed_on still does


async def main(url: str) -> None:
    bind(engine_for(url))
    for app, until in (("inventory", "all"), ("loans", BEFORE)):
        result = await run_forwards(app_name=app, migration_id=until, fake=False)
        assert result.success, result.message

    from inventory import catalogue, regions
    from inventory.tables import Asset
    from loans.agreement_records import signed_states
    from loans.tables import Guardian, Loan, Signature
    from tests.factories import NOW, PLATFORM, UAI_A, make_asset

    region = await regions.create_region(PLATFORM, "24", "Centre-Val de Loire")
    await regions.create_establishment(
        PLATFORM, uai=UAI_A, name="Lycée A", city="Orléans", region_code=region.code
    )
    model = await catalogue.create_device_model(
        PLATFORM, manufacturer="Lenovo", name="E14", category="laptop", accessories=[]
    )
    from loans.tables import Student

    loans = {}
    for name, birth in (
        ("minor", dt.date(2010, 3, 14)),
        ("adult", dt.date(2007, 3, 14)),
        ("unsigned", dt.date(2010, 1, 1)),
    ):
        establishment = (await regions.establishment_key(PLATFORM, UAI_A)).id
        # In SQL too, as the schema was then: today's Student table has columns added since.
        student = (
            await Student.raw(
                "INSERT INTO student (region, establishment, last_name, first_name, birth_date, "
                "created_at) VALUES ({}, {}, 'Martin', {}, {}, {}) RETURNING id",
                region.id,
                establishment,
                name,
                birth,
                NOW,
            )
        )[0]["id"]
        if name == "minor":
            for first, authority in (("Claire", True), ("Paul", False)):
                await Guardian.insert(
                    Guardian(
                        student=student,
                        last_name="Martin",
                        first_name=first,
                        legal_authority=authority,
                    )
                )
        await make_asset(f"P-{name}", UAI_A, model.id)
        asset = await Asset.select(Asset.id).order_by(Asset.id, ascending=False).first()
        # Written in SQL, as the schema was then: today's Loan table has columns added since.
        await Loan.raw(
            "INSERT INTO loan (asset, student, establishment, state, category, slot, "
            "accessories_given, accessories_returned, damage_notes, circumstances, "
            "police_report_ref, created_at) VALUES ({}, {}, {}, 'awaiting_signature', "
            "'laptop', 1, '[]', '[]', '', '', '', {})",
            asset["id"],
            student,
            establishment,
            NOW,
        )
        loans[name] = (await Loan.raw("SELECT max(id) AS id FROM loan"))[0]["id"]
        if name != "unsigned":
            await Loan.raw(
                "UPDATE loan SET paper_signed_on = {} WHERE id = {}",
                dt.date(2026, 6, 15),
                loans[name],
            )

    result = await run_forwards(app_name="loans", migration_id="all", fake=False)
    assert result.success, result.message
    states = await signed_states(list(loans.values()))
    signatures = await Signature.select(
        Signature.agreement.loan.as_alias("loan"),
        Signature.role,
        Signature.signer_name,
        Signature.method,
        Signature.without_scan,
        Signature.signed_at,
    ).order_by(Signature.id)
    columns = (await Loan.raw("SELECT * FROM loan WHERE id = {}", loans["minor"]))[0].keys()
    print(
        json.dumps(
            {
                "signed": {name: states[i].signed for name, i in loans.items()},
                "paper_day": {name: str(states[i].paper_signed_on) for name, i in loans.items()},
                "signatures": [
                    [
                        next(n for n, i in loans.items() if i == s["loan"]),
                        s["role"],
                        s["signer_name"],
                        s["method"],
                        bool(s["without_scan"]),
                    ]
                    for s in signatures
                ],
                "paper_column_left": "paper_signed_on" in columns,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
