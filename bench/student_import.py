"""The student CSV import at a region's scale, through the real use-case (`ordipret
import-students` calls the same): ten files of 20,000 students imported one after the other
into a fresh database of 150 lycées (the first into an empty table, the fifth into 80,000
students, the tenth into 180,000), then one file of 100,000 new students into the table of
200,000, then that file again (the re-import of the rentrée: every row matched, nothing
changed).

The files look like real ones: two students in three with an ENT identifier, four in five with
an INE, the rest known by school, names and birth date only; one or two guardians each; birth
dates over five years, so that every (school, day) holds a few students. An import time that
grows from the first file to the tenth is the import reading what the table holds instead of
what the file names.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.fleet import engine_name, fresh_database, migrated_engine
from bench.registry import BenchmarkFailed, Figures, Options, Rows, benchmark

SCHOOLS = 150
SMALL, SMALL_FILES, LARGE = 20_000, 10, 100_000
HEADER = (
    "uai;ent_id;ine;last_name;first_name;birth_date;class_name;"
    "guardian1_last_name;guardian1_first_name;guardian1_email;guardian1_phone;"
    "guardian1_legal_authority;guardian2_last_name;guardian2_first_name;guardian2_email;"
    "guardian2_phone;guardian2_legal_authority"
)
LAST = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy", "Moreau")
FIRST = ("Léa", "Hugo", "Emma", "Louis", "Chloé", "Jules", "Inès", "Adam", "Zoé", "Lina")


def _uai(number: int) -> str:
    from inventory.uai import CHECK_LETTERS

    digits = f"{800000 + number:07d}"
    return digits + CHECK_LETTERS[int(digits) % 23]


def student_file(first: int, count: int) -> bytes:
    """Students numbered first … first + count - 1: invented people only."""
    rng = random.Random(first)
    lines = [HEADER]
    for n in range(first, first + count):
        last = f"{LAST[n % len(LAST)]}-{n}"
        born = dt.date(2007, 1, 1) + dt.timedelta(days=rng.randrange(5 * 365))
        guardians = [last, "Claire", f"c{n}@example.fr", "0612345678", "oui"]
        guardians += [last, "Paul", "", "", "oui"] if n % 2 else [""] * 5
        lines.append(
            ";".join(
                [
                    _uai(n % SCHOOLS),
                    f"BENCH{n}" if n % 3 else "",
                    f"{n:09d}AB" if n % 5 else "",
                    last,
                    FIRST[n % len(FIRST)],
                    born.strftime("%d/%m/%Y"),
                    f"2NDE{n % 12}",
                    *guardians,
                ]
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def _cpu_seconds() -> float:
    """This process's CPU time, SQLite's thread included (not PostgreSQL's server): on a
    machine shared with other work the wall time can be twice what the import costs."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


async def _measure(url: str) -> Figures:
    from inventory import regions
    from inventory.scope import Actor, Scope
    from loans.student_import import MAX_ROWS_OFFLINE, import_students

    engine = await migrated_engine(url)
    platform, actor = Scope.platform(), Actor(id=None, name="banc d'essai")
    now = dt.datetime.now(dt.UTC)

    cpu: list[float] = []

    async def timed(data: bytes, created: int, updated: int) -> float:
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        report = await import_students(
            platform, actor, now, data, dry_run=False, max_rows=MAX_ROWS_OFFLINE
        )
        seconds = time.perf_counter() - started
        cpu.append(_cpu_seconds() - cpu_started)
        if report.errors or (report.created, report.updated) != (created, updated):
            raise BenchmarkFailed(f"unexpected report: {report.rows} rows, {report.errors[:3]}")
        return seconds

    try:
        await regions.create_region(platform, "98", "Région du banc")
        for s in range(SCHOOLS):
            await regions.create_establishment(
                platform, uai=_uai(s), name=f"Lycée {s}", city="Ville", region_code="98"
            )
        small = [await timed(student_file(k * SMALL, SMALL), SMALL, 0) for k in range(SMALL_FILES)]
        large = student_file(SMALL * SMALL_FILES, LARGE)
        seconds = await timed(large, LARGE, 0)
        again = await timed(large, 0, LARGE)
    finally:
        await engine.close_connection_pool()
    return {
        "small_file_rows": SMALL,
        "small_file_seconds": [round(s, 2) for s in small],
        "small_file_cpu_s": [round(s, 2) for s in cpu[:SMALL_FILES]],
        "first_small_file_s": round(small[0], 2),
        "fifth_small_file_s": round(small[4], 2),
        "tenth_small_file_s": round(small[-1], 2),
        "students_before_large": SMALL * SMALL_FILES,
        "large_file_rows": LARGE,
        "large_file_s": round(seconds, 2),
        "large_rows_per_s": round(LARGE / seconds),
        "large_file_cpu_s": round(cpu[-2], 2),
        "large_reimport_s": round(again, 2),
        "large_file_mb": round(len(large) / 2**20, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_student_import(database_url: str | None = None) -> Figures:
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database(database_url, Path(tmp))
        return {"engine": engine_name(url)} | asyncio.run(_measure(url))


def _with_cpu(f: Figures, index: int) -> str:
    wall, cpu = f["small_file_seconds"], f["small_file_cpu_s"]
    return f"{wall[index]} (CPU {cpu[index]})"  # type: ignore[index]


def summary_rows(f: Figures) -> Rows:
    return [
        (f"Student import ({f['engine']})", "rows", "students before", "seconds", "rows/s"),
        ("first 20,000-row file", str(SMALL), "0", _with_cpu(f, 0), ""),
        ("fifth", str(SMALL), f"{4 * SMALL:,}", _with_cpu(f, 4), ""),
        ("tenth", str(SMALL), f"{9 * SMALL:,}", _with_cpu(f, 9), ""),
        (
            f"100,000-row file ({f['large_file_mb']} MB)",
            str(LARGE),
            f"{f['students_before_large']:,}",
            str(f["large_file_s"]),
            str(f["large_rows_per_s"]),
        ),
        ("its CPU seconds (this process)", "", "", str(f["large_file_cpu_s"]), ""),
        ("same file again (all matched)", str(LARGE), f"{SMALL * SMALL_FILES + LARGE:,}",
         str(f["large_reimport_s"]), ""),
        ("max RSS MB", str(f["max_rss_mb"]), "", "", ""),
    ]  # fmt: skip


@benchmark(
    "student_import",
    "Student CSV import: 20,000-row files into a growing table, then 100,000 rows into 200,000",
    table=summary_rows,
)
def student_import_benchmark(options: Options) -> Figures:
    return run_student_import(options.database_url)


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["student_import", *sys.argv[1:]]))
