"""`handover`: la rentrée at one school, through the API, on the real server.

1,500 devices and 1,500 students of one lycée; desks working at once (IT staff with a
scanner each), every device going through the four calls a desk makes:
scan (`GET /api/v1/scan?code=TAG`), prepare (`POST /api/v1/loans`), paper signature
(`POST /api/v1/loans/{id}/paper-signature`) and hand-over (`POST /api/v1/loans/{id}/hand-over`).
Every answer must be 2xx, or the benchmark fails. At the end the campaign's progress, read
through the API, must show every student equipped.

Target: the 6,000 calls in under 60 s end to end on SQLite, 2 workers.

The desks run in a process of their own (`python -m bench.handover`, a JSON spec on stdin),
over keep-alive connections, so that the client never shares an event loop with the server.
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
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.fleet import engine_name, fresh_database, migrated_engine
from bench.loadgen import _parse_head, _read_chunked, percentile
from bench.registry import BenchmarkFailed, Figures, Options, Rows, benchmark
from bench.server import production_server

DEVICES = 1_500
DESKS = 12
TARGET_S = 60.0
STEPS = ("scan", "prepare", "sign", "hand_over")
STEP_LABELS = {
    "scan": "GET /api/v1/scan?code=TAG",
    "prepare": "POST /api/v1/loans",
    "sign": "POST /api/v1/loans/{id}/paper-signature",
    "hand_over": "POST /api/v1/loans/{id}/hand-over",
}
TAG_PREFIX = "HND"
CLASSES = [f"2NDE{n}" for n in range(1, 11)] + [f"1G{n}" for n in range(1, 11)]


# The school ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class School:
    token: str
    pairs: list[tuple[str, int]]  # (asset tag, student id): who gets which device
    campaign_id: int


def _asset_csv(school_uai: str) -> bytes:
    from api.demo import MODELS, REGION
    from inventory.csv_format import COLUMNS, DELIMITER

    manufacturer, model, _, _ = MODELS[0]
    lines = [DELIMITER.join(COLUMNS)]
    for n in range(1, DEVICES + 1):
        values = {
            "tag": f"{TAG_PREFIX}-{n:06d}",
            "serial": f"HND{n:08d}",
            "manufacturer": manufacturer,
            "model": model,
            "establishment_uai": school_uai,
            "region_code": REGION[0],
            "state": "in_stock",
            "condition": "A",
        }
        lines.append(DELIMITER.join(values.get(column, "") for column in COLUMNS))
    return ("\n".join(lines) + "\n").encode()


async def _prepare_school(url: str, now: dt.datetime) -> School:
    """The demo region, then 1,500 devices of its first lycée through the real CSV import,
    1,500 students (direct inserts), the region's policy, a running distribution campaign,
    and an API token of the school's IT staff."""
    from api.accounts.staff import create_token
    from api.accounts.tables import Account
    from api.demo import ACCOUNTS, LYCEES, load_demo, uai
    from inventory.asset_import import import_assets
    from inventory.scope import Actor, Scope
    from inventory.tables import Establishment
    from loans.campaigns import create_campaign
    from loans.minors import paris_day
    from loans.policy import policy_for_region
    from loans.tables import Student

    engine = await migrated_engine(url)
    try:
        platform, actor = Scope.platform(), Actor(id=None, name="banc d'essai")
        await load_demo(now, asset_count=8)
        school_uai = uai(LYCEES[0][0])
        report = await import_assets(platform, actor, now, _asset_csv(school_uai), dry_run=False)
        if report.errors:
            raise BenchmarkFailed(f"device import refused: {report.errors[:3]}")
        school = (
            await Establishment.select(Establishment.id, Establishment.region)
            .where(Establishment.uai == school_uai)
            .first()
        )
        students = [
            Student(
                region=school["region"],
                establishment=school["id"],
                last_name=f"Élève{n:04d}",
                first_name="Camille",
                birth_date=dt.date(2010, 1, 1) + dt.timedelta(days=n % 365),
                class_name=CLASSES[n % len(CLASSES)],
                created_at=now,
            )
            for n in range(DEVICES)
        ]
        ids = [row["id"] for row in await Student.insert(*students).returning(Student.id)]
        await policy_for_region(school["region"], now)  # made once, not by the first desks
        today = paris_day(now)
        campaign = await create_campaign(
            platform,
            actor,
            now,
            establishment_uai=school_uai,
            kind="distribution",
            name="Rentrée (banc d'essai)",
            starts_on=today - dt.timedelta(days=1),
        )
        it_staff = next(email for email, role, _ in ACCOUNTS if role == "it_staff")
        account = await Account.select(Account.id).where(Account.email == it_staff).first()
        _, token = await create_token(account["id"], "bench", now)
    finally:
        await engine.close_connection_pool()
    tags = [f"{TAG_PREFIX}-{n:06d}" for n in range(1, DEVICES + 1)]
    return School(
        token=token, pairs=list(zip(tags, sorted(ids), strict=True)), campaign_id=campaign.id
    )


# The desks (run in their own process) ------------------------------------------------------


@dataclass
class DeskSpec:
    host: str
    port: int
    token: str
    pairs: list[tuple[str, int]]
    desks: int
    signed_on: str


@dataclass
class DeskResult:
    wall_s: float = 0.0
    requests: int = 0
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    failure: str = ""
    client_cpu_s: float = 0.0


class _Failed(Exception):
    pass


class _Connection:
    """One keep-alive HTTP/1.1 connection: a desk makes its calls one after the other."""

    def __init__(self, spec: DeskSpec) -> None:
        self.spec = spec
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        payload = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.spec.host}:{self.spec.port}\r\n"
            f"Authorization: Bearer {self.spec.token}\r\nAccept: application/json\r\n"
        )
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        request = (head + "\r\n").encode("latin-1") + payload
        for attempt in (1, 2):  # a connection the server closed in between: reopen once
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(
                    self.spec.host, self.spec.port
                )
            try:
                self.writer.write(request)
                raw_head = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
                continue
            status, length, chunked, close = _parse_head(raw_head)
            if chunked:
                answer = await _read_chunked(self.reader)
            else:
                answer = await self.reader.readexactly(length) if length > 0 else b""
            if close:
                self.close()
            return status, answer
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _desk(spec: DeskSpec, queue: asyncio.Queue, result: DeskResult) -> None:
    connection = _Connection(spec)
    clock = time.perf_counter

    async def step(name: str, method: str, path: str, body: dict | None = None) -> bytes:
        started = clock()
        status, answer = await connection.call(method, path, body)
        result.latencies_ms[name].append((clock() - started) * 1000)
        result.requests += 1
        if not 200 <= status < 300:
            raise _Failed(
                f"{method} {path} answered {status}: {answer[:300].decode(errors='replace')}"
            )
        return answer

    try:
        while not result.failure:
            try:
                tag, student_id = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            scanned = json.loads(await step("scan", "GET", f"/api/v1/scan?code={tag}"))
            if (scanned.get("asset") or {}).get("tag") != tag:
                raise _Failed(f"scan of {tag} answered another device: {scanned!r:.300}")
            loan = json.loads(
                await step(
                    "prepare", "POST", "/api/v1/loans", {"asset_tag": tag, "student_id": student_id}
                )
            )
            loan_path = f"/api/v1/loans/{loan['id']}"
            await step(
                "sign", "POST", f"{loan_path}/paper-signature", {"signed_on": spec.signed_on}
            )
            await step("hand_over", "POST", f"{loan_path}/hand-over", {"accessories": ["chargeur"]})
    except (_Failed, OSError, ValueError, asyncio.IncompleteReadError) as error:
        result.failure = result.failure or f"{type(error).__name__}: {error}"
    finally:
        connection.close()


async def run_desks(spec: DeskSpec) -> DeskResult:
    queue: asyncio.Queue = asyncio.Queue()
    for pair in spec.pairs:
        queue.put_nowait(tuple(pair))
    result = DeskResult()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    await asyncio.gather(*(_desk(spec, queue, result) for _ in range(spec.desks)))
    result.wall_s = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.client_cpu_s = usage.ru_utime + usage.ru_stime - cpu_before
    return result


def _main() -> None:
    """`python -m bench.handover`: a DeskSpec as JSON on stdin, a DeskResult on stdout."""
    raw = json.load(sys.stdin)
    raw["pairs"] = [tuple(pair) for pair in raw["pairs"]]
    spec = DeskSpec(**raw)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        result = asyncio.run(run_desks(spec))
    else:
        result = uvloop.run(run_desks(spec))
    json.dump(asdict(result), sys.stdout)


def run_desks_in_process(spec: DeskSpec, timeout: float) -> DeskResult:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.handover"],
        cwd=Path(__file__).resolve().parent.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = process.communicate(json.dumps(asdict(spec)).encode(), timeout=timeout)
    finally:
        if process.poll() is None:  # timeout, Ctrl-C: the desks go with us
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"the desks exited with {process.returncode}: {err.decode()[-2000:]}")
    return DeskResult(**json.loads(out))


# The benchmark -----------------------------------------------------------------------------


def _get_json(server, path: str, token: str) -> dict:
    import urllib.request

    request = urllib.request.Request(server.url(path), headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def table(figures: Figures) -> Rows:
    rows: Rows = [("step", "p50 ms", "p99 ms")]
    for step in STEPS:
        rows.append(
            (
                STEP_LABELS[step],
                f"{figures[f'{step}_p50_ms']:.1f}",
                f"{figures[f'{step}_p99_ms']:.1f}",
            )
        )
    rows.append(
        (
            f"{figures['devices']:,} hand-overs ({figures['requests']:,} requests) in "
            f"{figures['handover_s']:.1f} s = {figures['rps']:,.0f} req/s, "
            f"{figures['devices_per_min']:,.0f} devices/min; target < {figures['target_s']:g} s: "
            f"{figures['verdict']}",
        )
    )
    rows.append(
        (
            f"{figures['engine']}, {figures['workers']} workers, {figures['desks']} desks at once; "
            f"campaign progress after the run: {figures['handed_over']:,} students equipped; "
            f"client CPU {figures['client_cpu_pct']:.0f} %",
        )
    )
    rows.append(
        (f"setup {figures['setup_s']:.1f} s, server start {figures['server_start_s']:.1f} s",)
    )
    return rows


@benchmark(
    "handover",
    "la rentrée through the API: scan, prepare, paper-sign, hand over 1,500 devices of a school",
    table=table,
)
def handover(options: Options) -> Figures:
    desks = max(1, min(DESKS, options.connections))
    with tempfile.TemporaryDirectory(prefix="ordipret-bench-") as tmp:
        tmp_dir = Path(tmp)
        var_dir = tmp_dir / "var"
        started = time.perf_counter()
        url = fresh_database(options.database_url, tmp_dir)
        now = dt.datetime.now(dt.UTC)
        print(f"· {engine_name(url)}: a school with {DEVICES:,} devices and students…", flush=True)
        school = asyncio.run(_prepare_school(url, now))
        setup_s = time.perf_counter() - started

        print(f"· starting ordipret serve --workers {options.workers}…", flush=True)
        server_started = time.perf_counter()
        with production_server(url, var_dir, workers=options.workers) as server:
            server_start_s = time.perf_counter() - server_started
            print(f"· {desks} desks handing over {DEVICES:,} devices…", flush=True)
            spec = DeskSpec(
                host=server.host,
                port=server.port,
                token=school.token,
                pairs=school.pairs,
                desks=desks,
                signed_on=now.date().isoformat(),
            )
            result = run_desks_in_process(spec, timeout=10 * TARGET_S)
            if result.failure:
                raise BenchmarkFailed(f"after {result.requests} requests: {result.failure}")
            progress = _get_json(
                server, f"/api/v1/campaigns/{school.campaign_id}/progress", school.token
            )
    counts = progress.get("counts", {})
    if counts.get("handed_over") != DEVICES or counts.get("missing") != 0:
        raise BenchmarkFailed(f"campaign progress after the run: {counts}")
    figures: Figures = {
        "engine": engine_name(url),
        "workers": options.workers,
        "devices": DEVICES,
        "desks": desks,
        "requests": result.requests,
        "handover_s": round(result.wall_s, 2),
        "rps": round(result.requests / result.wall_s, 1),
        "devices_per_min": round(60 * DEVICES / result.wall_s, 1),
    }
    for step in STEPS:
        latencies = sorted(result.latencies_ms[step])
        figures[f"{step}_p50_ms"] = round(percentile(latencies, 0.50), 2)
        figures[f"{step}_p99_ms"] = round(percentile(latencies, 0.99), 2)
    figures.update(
        {
            "target_s": TARGET_S,
            "verdict": "PASS" if result.wall_s < TARGET_S else "BELOW",
            "handed_over": counts["handed_over"],
            "client_cpu_pct": round(100 * result.client_cpu_s / result.wall_s, 1),
            "setup_s": round(setup_s, 1),
            "server_start_s": round(server_start_s, 1),
        }
    )
    return figures


if __name__ == "__main__":
    _main()
