"""The directory import (AAF files) at a region's scale: synthetic files of 10,000 and 100,000
students (three files, as real exports come: structures, students, relatives; about 1.5
relatives per student; 1,000 students per lycée), imported as a *Complet* into a fresh
database through the real use-case, then imported again (the idempotent re-run a nightly
job makes, which finds nothing to change).

Memory: a dry run of the same files (everything read, staged, matched and compared, nothing
written) under tracemalloc, whose peak counts every Python allocation of the import; and the
process's peak resident set (ru_maxrss), each size in a process of its own. Flat between the
two sizes is what streaming (iterparse, staging on disk, chunks) buys: a reader holding the
files would grow tenfold.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.fleet import engine_name, fresh_database, migrated_engine
from bench.registry import BenchmarkFailed, Figures, Options, Rows, benchmark

SIZES = (10_000, 100_000)
PER_SCHOOL = 1_000
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">\n'
)


def _uai(number: int) -> str:
    from inventory.uai import CHECK_LETTERS

    digits = f"{900000 + number:07d}"
    return digits + CHECK_LETTERS[int(digits) % 23]


def _request(category: str, identifier: str, attrs: list[tuple[str, list[str]]]) -> str:
    body = "".join(
        f'<attr name="{name}">' + "".join(f"<value>{v}</value>" for v in values) + "</attr>"
        for name, values in attrs
    )
    return (
        '<addRequest><operationalAttributes><attr name="categoriePersonne">'
        f"<value>{category}</value></attr></operationalAttributes>"
        f"<identifier><id>{identifier}</id></identifier><attributes>{body}</attributes>"
        "</addRequest>\n"
    )


def write_files(directory: Path, students: int) -> list[Path]:
    """Three Complet files, written a line at a time; invented people only."""
    schools = max(1, students // PER_SCHOOL)
    paths = [directory / f"ENT_Complet_{kind}.xml" for kind in ("Etab", "Eleve", "PersRelEleve")]
    with paths[0].open("w") as out:
        out.write(HEAD + "<ficAlimMENESR>\n")
        for s in range(schools):
            attrs = [("ENTStructureJointure", [f"S{s}"]), ("ENTStructureUAI", [_uai(s)])]
            out.write(_request("EtabEducNat", f"S{s}", attrs))
        out.write("</ficAlimMENESR>\n")
    with paths[1].open("w") as pupils, paths[2].open("w") as relatives:
        for out in (pupils, relatives):
            out.write(HEAD + "<ficAlimMENESR>\n")
        for n in range(students):
            school = f"S{n % schools}"
            links = [f"R{n}a$1$1$1$1$0"] + ([f"R{n}b$2$0$1$1$0"] if n % 2 else [])
            pupils.write(
                _request(
                    "Eleve",
                    f"E{n}",
                    [
                        ("ENTPersonJointure", [f"AC-BENCH$E{n}"]),
                        ("sn", [f"NOM{n}"]),
                        ("givenName", ["Camille"]),
                        ("ENTPersonDateNaissance", [f"{1 + n % 28:02d}/0{1 + n % 9}/2009"]),
                        ("ENTEleveINE", [f"{n:09d}AB"]),
                        ("ENTPersonStructRattach", [school]),
                        ("ENTEleveClasses", [f"{school}$2NDE{n % 12}"]),
                        ("ENTElevePersRelEleve", links),
                        ("ENTEleveStatutEleve", ["SCOLAIRE"]),
                        ("ENTEleveMEF", ["20010018110"]),
                        ("ENTEleveEnseignements", ["FRANCAIS", "MATHEMATIQUES", "ANGLAIS LV1"]),
                    ],
                )
            )
            for link in links:
                key = link.split("$")[0]
                relatives.write(
                    _request(
                        "PersRelEleve",
                        key,
                        [
                            ("ENTPersonJointure", [f"AC-BENCH${key}"]),
                            ("sn", [f"NOM{n}"]),
                            ("givenName", ["Claire"]),
                            ("mail", [f"{key.lower()}@example.fr"]),
                            ("mobile", ["06 12 34 56 78"]),
                        ],
                    )
                )
        for out in (pupils, relatives):
            out.write("</ficAlimMENESR>\n")
    return paths


async def _measure(url: str, paths: list[Path], students: int) -> dict:
    from inventory import regions
    from inventory.scope import Actor, Scope
    from loans.directory_import import import_directory

    engine = await migrated_engine(url)
    try:
        platform, actor = Scope.platform(), Actor(id=None, name="banc d'essai")
        await regions.create_region(platform, "99", "Région du banc")
        for s in range(max(1, students // PER_SCHOOL)):
            await regions.create_establishment(
                platform, uai=_uai(s), name=f"Lycée {s}", city="Ville", region_code="99"
            )
        files = [(path.name, path) for path in paths]
        now = dt.datetime.now(dt.UTC)
        started = time.perf_counter()
        first = await import_directory(platform, actor, now, "99", files, dry_run=False)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = await import_directory(platform, actor, now, "99", files, dry_run=False)
        again_seconds = time.perf_counter() - started
        tracemalloc.start()
        await import_directory(platform, actor, now, "99", files, dry_run=True)
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        await engine.close_connection_pool()
    if first.added != students or first.error_count or again.added or again.changed:
        raise BenchmarkFailed(f"unexpected reports: {first} / {again}")
    return {
        "seconds": round(seconds, 2),
        "students_per_s": round(students / seconds),
        "guardians": first.guardians_added,
        "tracemalloc_peak_mb": round(traced_peak / 2**20, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "reimport_seconds": round(again_seconds, 2),
        "megabytes_of_xml": round(sum(p.stat().st_size for p in paths) / 2**20, 1),
    }


def _one(students: int, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(Path(tmp), students)
        url = fresh_database(database_url, Path(tmp))
        return asyncio.run(_measure(url, paths, students)) | {"engine": engine_name(url)}


def run_directory_import(database_url: str | None = None, sizes=SIZES) -> Figures:
    figures: Figures = {}
    for size in sizes:
        command = [sys.executable, "-m", "bench.directory_import", "--one", str(size)]
        if database_url:
            command += ["--database-url", database_url]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            raise BenchmarkFailed(f"directory import of {size}: {done.stderr[-2000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        figures["engine"] = result.pop("engine")
        figures |= {f"{key}_{size}": value for key, value in result.items()}
    return figures


def summary_rows(f: Figures) -> Rows:
    rows = [
        (
            f"Complet import ({f['engine']})",
            "students/s",
            "seconds",
            "re-run s",
            "traced peak MB",
            "max RSS MB",
        )
    ]
    for size in SIZES:
        if f"seconds_{size}" in f:
            rows.append(
                (
                    f"{size:,} students, {f[f'guardians_{size}']:,} guardians, "
                    f"{f[f'megabytes_of_xml_{size}']} MB",
                    str(f[f"students_per_s_{size}"]),
                    str(f[f"seconds_{size}"]),
                    str(f[f"reimport_seconds_{size}"]),
                    str(f[f"tracemalloc_peak_mb_{size}"]),
                    str(f[f"max_rss_mb_{size}"]),
                )
            )
    return rows


@benchmark(
    "directory_import",
    "AAF directory import of 10,000 and 100,000 students: time and peak memory",
    table=summary_rows,
)
def directory_import_benchmark(options: Options) -> Figures:
    return run_directory_import(options.database_url)


if __name__ == "__main__":
    if "--one" in sys.argv:
        size = int(sys.argv[sys.argv.index("--one") + 1])
        url = (
            sys.argv[sys.argv.index("--database-url") + 1] if "--database-url" in sys.argv else None
        )
        print(json.dumps(_one(size, url)))
    else:
        from bench.__main__ import main

        sys.exit(main(["directory_import", *sys.argv[1:]]))
