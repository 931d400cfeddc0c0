"""A class's conventions on paper through the real use-case: 35 loans of one class, their
conventions issued (each rendered and stored, as `issue_agreement` does) then printed as one
PDF (`loans.agreement_batches.print_agreements`), on a fresh database; then the same print
again, when every convention is already issued and only the batch is rendered.

Figures: wall and CPU time of the first print (issue + render) and of a reprint, per
convention; beside them the seal's cost per document (`bench.seal`, measured in the same run),
to read what sealing each convention once signed adds to the paper path.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
import time
from pathlib import Path

from bench.fleet import engine_name, fresh_database, migrated_engine
from bench.registry import BenchmarkFailed, Figures, Options, Rows, benchmark
from bench.seal import run_seal

CLASS_SIZE = 35
CLASS = "2NDE3"


async def _class(now: dt.datetime, storage_dir: Path) -> tuple[float, float, float, float, int]:
    from api.demo import LYCEES, load_demo, uai
    from inventory.scope import Actor, Scope
    from inventory.tables import Asset
    from loans import lifecycle, students
    from loans.agreement_batches import print_agreements, selection
    from loans.storage import DirectoryStorage

    platform, actor = Scope.platform(), Actor(id=None, name="banc d'essai")
    await load_demo(now, asset_count=CLASS_SIZE * 12)
    school = uai(LYCEES[0][0])
    tags = [
        row["tag"]
        for row in await Asset.select(Asset.tag)
        .where((Asset.establishment.uai == school) & (Asset.state == "in_stock"))
        .order_by(Asset.tag)
        .limit(CLASS_SIZE)
    ]
    for number, tag in enumerate(tags):
        fields: dict = {
            "establishment_uai": school,
            "last_name": f"Élève{number:02d}",
            "first_name": "Camille",
            "birth_date": dt.date(2010, 3, 14) if number % 2 else dt.date(2006, 3, 14),
            "class_name": CLASS,
        }
        if number % 2:
            fields["guardians"] = [
                {"last_name": f"Élève{number:02d}", "first_name": "Claire", "legal_authority": True}
            ]
        student = await students.create_student(platform, actor, now, fields)
        await lifecycle.prepare_loan(
            platform, actor, now, asset_tag=tag, student_id=student.id, max_open_per_category=9
        )
    storage = DirectoryStorage(storage_dir)
    filters = selection(establishment_uai=school, class_name=CLASS)
    url = "https://ordipret.example.fr"

    async def timed() -> tuple[float, float, int]:
        wall, cpu = time.perf_counter(), time.process_time()
        printed, pdf = await print_agreements(storage, platform, actor, now, filters, url)
        return time.perf_counter() - wall, time.process_time() - cpu, len(printed)

    first_wall, first_cpu, count = await timed()
    again_wall, again_cpu, _ = await timed()
    return first_wall, first_cpu, again_wall, again_cpu, count


def run_agreement_batch(database_url: str | None = None) -> Figures:
    now = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database(database_url, Path(tmp))

        async def measure():
            engine = await migrated_engine(url)
            try:
                return await _class(now, Path(tmp) / "documents")
            finally:
                await engine.close_connection_pool()

        first_wall, first_cpu, again_wall, again_cpu, count = asyncio.run(measure())
    if count != CLASS_SIZE:
        raise BenchmarkFailed(f"{count} conventions printed, {CLASS_SIZE} expected")
    seal = run_seal(count=5)
    per = 1000 / count
    return {
        "engine": engine_name(url),
        "conventions": count,
        "issue_and_print_ms": round(first_wall * 1000, 1),
        "issue_and_print_cpu_ms": round(first_cpu * 1000, 1),
        "issue_and_print_per_convention_ms": round(first_wall * per, 2),
        "reprint_ms": round(again_wall * 1000, 1),
        "reprint_per_convention_ms": round(again_wall * per, 2),
        "seal_per_document_ms": seal["seal_ec_ms"],
        "ratio_seal_to_issue_per_convention": round(seal["seal_ec_ms"] / (first_wall * per), 2),
    }


def summary_rows(f: Figures) -> Rows:
    rows = [
        (f"class of {f['conventions']} ({f['engine']})", "wall ms", "per convention ms"),
        ("issue + print, one PDF", f["issue_and_print_ms"], f["issue_and_print_per_convention_ms"]),
        ("reprint (already issued)", f["reprint_ms"], f["reprint_per_convention_ms"]),
        ("seal once signed (bench.seal)", "", f["seal_per_document_ms"]),
    ]
    return [tuple(str(cell) for cell in row) for row in rows]


@benchmark(
    "agreement_batch",
    "A class of 35 conventions issued and printed as one PDF, and the seal per document",
    table=summary_rows,
)
def agreement_batch_benchmark(options: Options) -> Figures:
    return run_agreement_batch(options.database_url)


if __name__ == "__main__":
    import sys

    from bench.__main__ import main

    sys.exit(main(["agreement_batch", *sys.argv[1:]]))
