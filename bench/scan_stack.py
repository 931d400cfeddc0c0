"""A scanned stack of signed conventions read back and matched to its loans: the cost of
`read_stack` + `match_stack` against bare pdfium rendering of the same pages, one process,
one core.

The stack is built once: 99 conventions (3 pages each) printed by `render_agreements`, then
scanned by the simulated copier (`bench.scanner`) at 200 dpi in grey, JPEG pages, as a school
would: every sheet turned up to 4 degrees, one in 25 upside down, the code of one page in
33 smudged (always a middle page), 3 blank sheets slipped in: 300 pages.

- `render`: pdfium renders every page at `READ_DPI` and nothing else: the floor any reader
  pays (the JPEG decoding is most of it).
- `read`: `read_stack`, then `match_stack` (a dict as `resolve`); the result must be exact
  (every page on its loan, smudged pages inferred, blank pages listed) or the bench fails.

Target: the whole stack read and matched in under 60 s. Memory: `read_stack` in a fresh
interpreter, the resident set's rise while reading (Linux: high-water mark reset just before)
and its peak, for the first 30 pages and for all 300: the rises should be close, one page
image at a time.
"""

from __future__ import annotations

import ast
import io
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypdf
import pypdfium2

from bench.agreements import agreement
from bench.registry import BenchmarkFailed, Options, benchmark
from bench.scanner import Handling, scan
from loans.agreement_pdf import render_agreement, render_agreements
from loans.scan_stack import READ_DPI, LoanPages, match_stack, read_stack, split_pages

PAGES, BLANKS, SCAN_DPI, TARGET_S = 300, 3, 200, 60.0
FIRST = 30  # pages read for the memory comparison


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Resets the resident set's high-water mark (VmHWM), Linux ≥ 4.0."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def read_peak(path: str) -> tuple[float, float] | None:
    """In this process: `read_stack` of the PDF at `path`; the resident set's rise while
    reading and its peak, in MB (the interpreter, the libraries and the PDF's bytes count in
    the peak, not in the rise)."""
    pdf = Path(path).read_bytes()
    reset, before = _reset_peak(), _status_kb("VmRSS")
    read_stack(pdf)
    peak = _status_kb("VmHWM")
    if not reset or before is None or peak is None:
        return None
    return round((peak - before) / 1024, 1), round(peak / 1024, 1)


def _peak_in_fresh_process(pdf: bytes) -> tuple[float, float] | tuple[None, None]:
    """`read_peak` in a new interpreter: this one's resident set holds what building the
    stack freed but kept, and would hide the reader's own rise."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "stack.pdf"
        path.write_bytes(pdf)
        code = "import sys; from bench.scan_stack import read_peak; print(read_peak(sys.argv[1]))"
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
        ).stdout
    figures = ast.literal_eval(out.strip().splitlines()[-1])
    return figures if figures else (None, None)


def build_stack(pages: int = PAGES, blanks: int = BLANKS) -> tuple[bytes, list[LoanPages], list]:
    """The scanned stack, the loans it must match to (by reference), its blank pages."""
    per = len(pypdf.PdfReader(io.BytesIO(render_agreement(agreement(0)))).pages)
    batch = [agreement(n) for n in range((pages - blanks) // per)]
    rnd = random.Random(2026)
    handling: dict[int, Handling] = {}
    for page in range(len(batch) * per):
        handling[page] = Handling(
            angle=round(rnd.uniform(-4, 4), 1),
            upside_down=rnd.random() < 1 / 25,
            smudged_qr=page % per == 1 and rnd.random() < 1 / 33 * per,
        )
    blank_before = set(rnd.sample(range(1, len(batch) * per), blanks))
    stack = scan(render_agreements(batch), handling, blank_before=blank_before, dpi=SCAN_DPI)

    def scanned(printed: int) -> int:
        return printed + sum(b <= printed for b in blank_before)

    expected = [
        LoanPages(
            data.reference,
            [scanned(n * per + p) for p in range(per)],
            [scanned(n * per + p) for p in range(per) if handling[n * per + p].smudged_qr],
        )
        for n, data in enumerate(batch)
    ]
    blank = sorted(scanned(b) - 1 for b in blank_before)
    return stack, expected, blank


def _render_only(pdf: bytes) -> int:
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            page.render(scale=READ_DPI / 72, grayscale=True).to_pil().copy()
            page.close()
        return len(document)
    finally:
        document.close()


def _timed(function, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run_scan_stack(pages: int = PAGES) -> dict:
    build_s, _, (stack, expected, blank) = _timed(build_stack, pages)
    resolve = {f"https://ordipret.example.fr/v/{n:08d}": e.loan for n, e in enumerate(expected)}
    render_s, render_cpu_s, count = _timed(_render_only, stack)

    first_rise, first_peak = _peak_in_fresh_process(split_pages(stack, list(range(FIRST))))
    all_rise, all_peak = _peak_in_fresh_process(stack)
    read_s, read_cpu_s, scanned = _timed(read_stack, stack)
    match_s, match_cpu_s, match = _timed(match_stack, scanned, resolve.get)
    if match.loans != expected or match.blank != blank or match.unmatched or match.unknown:
        raise BenchmarkFailed(f"the stack was not matched exactly: {match}")
    total_s = read_s + match_s
    return {
        "pages": count,
        "scan_dpi": SCAN_DPI,
        "read_dpi": READ_DPI,
        "scan_bytes": len(stack),
        "build_s": round(build_s, 2),
        "loans": len(match.loans),
        "upside_down": sum(p.rotation is not None and abs(p.rotation) > 90 for p in scanned),
        "inferred": sum(len(loan.inferred) for loan in match.loans),
        "blank": len(match.blank),
        "render_s": round(render_s, 2),
        "render_cpu_s": round(render_cpu_s, 2),
        "render_pages_per_s": round(count / render_s, 1),
        "read_s": round(read_s, 2),
        "read_cpu_s": round(read_cpu_s, 2),
        "match_ms": round(match_s * 1000, 2),
        "pages_per_s": round(count / total_s, 1),
        "pages_per_cpu_s": round(count / (read_cpu_s + match_cpu_s), 1),
        "ratio_read_to_render": round(read_s / render_s, 2),
        "ratio_read_to_render_cpu": round(read_cpu_s / render_cpu_s, 2),
        "first_pages": FIRST,
        "first_rise_mb": first_rise,
        "first_peak_mb": first_peak,
        "all_rise_mb": all_rise,
        "all_peak_mb": all_peak,
        "within_target": total_s < TARGET_S,
        "within_target_cpu": read_cpu_s + match_cpu_s < TARGET_S,
    }


def summary_rows(f: dict) -> list[tuple[str, ...]]:
    pages = f["pages"]
    rows = [
        ("what", "pages/s", "pages/s (CPU)", "wall", "CPU", "x render", "RSS rise (peak)",
         "target"),
        (f"pdfium render only, {f['read_dpi']} dpi", f["render_pages_per_s"],
         round(pages / f["render_cpu_s"], 1), f"{f['render_s']} s", f"{f['render_cpu_s']} s",
         1, "", ""),
        (f"read_stack + match_stack, {pages} pages", f["pages_per_s"], f["pages_per_cpu_s"],
         f"{f['read_s']} s + {f['match_ms']} ms", f"{f['read_cpu_s']} s",
         f"{f['ratio_read_to_render']} / {f['ratio_read_to_render_cpu']}",
         f"+{f['all_rise_mb']} MB ({f['all_peak_mb']} MB)", f"< {TARGET_S:.0f} s"),
        (f"read_stack, first {f['first_pages']} pages only", "", "", "", "", "",
         f"+{f['first_rise_mb']} MB ({f['first_peak_mb']} MB)", ""),
        ("target met (wall / CPU)", "", "", "", "", "", "",
         f"{'PASS' if f['within_target'] else 'OVER'} / "
         f"{'PASS' if f['within_target_cpu'] else 'OVER'}"),
        (f"stack: {f['loans']} loans, scanned at {f['scan_dpi']} dpi grey JPEG "
         f"({f['scan_bytes'] // 1024} KB), {f['upside_down']} pages upside down, "
         f"{f['inferred']} smudged codes inferred, {f['blank']} blank; built in {f['build_s']} s",),
    ]  # fmt: skip
    return [tuple(str(cell) for cell in row) for row in rows]


@benchmark(
    "scan_stack",
    "a scanned stack of 300 signed conventions read (QR per page) and matched to its loans, "
    "beside bare pdfium rendering",
    table=summary_rows,
)
def scan_stack_benchmark(options: Options) -> dict:
    return run_scan_stack()
