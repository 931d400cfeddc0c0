"""The seal of signed agreements: its cost per document, beside the cost of the PDF itself.

Measured in one run, one process, one core, on the same small one-page agreement:

- `render`: the agreement drawn by reportlab, the baseline (what the PDF costs anyway);
- `seal_ec`: a PAdES seal with the demonstration key (ECDSA P-256), as on a first start;
- `seal_rsa`: a PAdES seal with an RSA-3072 key, the usual key of a qualified seal;
- `verify`: `loans.sealing.verify` of a sealed document (hash, CMS check, diff of revisions).

CPU time (`*_cpu_ms`) is the steadier figure on a busy machine; wall time is given too.

Run: `python -m bench seal`.
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

from reportlab.pdfgen import canvas

from bench.registry import Options, benchmark
from loans.sealing import load_seal_key, make_demo_seal, seal, verify

DOCUMENTS = 100


def _agreement(number: int) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 760, f"Convention de prêt n° 2026-{number:05d}")
    for line in range(30):
        page.drawString(
            72, 730 - 18 * line, f"Article {line + 1} : l'élève prend soin du matériel."
        )
    page.showPage()
    page.save()
    return buffer.getvalue()


def _timed(function, count: int) -> tuple[float, float, list]:
    """Milliseconds per call, wall and CPU, and the results."""
    wall, cpu = time.perf_counter(), time.process_time()
    results = [function(number) for number in range(count)]
    return (
        (time.perf_counter() - wall) * 1000 / count,
        (time.process_time() - cpu) * 1000 / count,
        results,
    )


def run_seal(count: int = DOCUMENTS) -> dict:
    now = datetime.now(UTC)
    ec_key = load_seal_key(make_demo_seal("Banc d'essai", now), None)
    rsa_key = load_seal_key(make_demo_seal("Banc d'essai", now, key_type="rsa"), None)
    render_ms, render_cpu, pdfs = _timed(_agreement, count)

    def sealer(key):
        return lambda n: seal(pdfs[n], key, reason="Convention", location="Orléans", now=now)

    seal(pdfs[0], ec_key, reason="chauffe", location="", now=now)  # imports, caches
    ec_ms, ec_cpu, sealed = _timed(sealer(ec_key), count)
    rsa_ms, rsa_cpu, _ = _timed(sealer(rsa_key), count)
    verify_ms, verify_cpu, results = _timed(
        lambda n: verify(sealed[n], [ec_key.certificate], now=now), count
    )
    if not all(result.verified for result in results):
        raise RuntimeError("a sealed document did not verify")
    return {
        "documents": count,
        "pdf_bytes": len(pdfs[0]),
        "sealed_bytes": len(sealed[0]),
        "render_ms": round(render_ms, 2),
        "render_cpu_ms": round(render_cpu, 2),
        "seal_ec_ms": round(ec_ms, 2),
        "seal_ec_cpu_ms": round(ec_cpu, 2),
        "seal_rsa_ms": round(rsa_ms, 2),
        "seal_rsa_cpu_ms": round(rsa_cpu, 2),
        "verify_ms": round(verify_ms, 2),
        "verify_cpu_ms": round(verify_cpu, 2),
        "ratio_seal_ec_to_render": round(ec_ms / render_ms, 2),
        "ratio_seal_rsa_to_render": round(rsa_ms / render_ms, 2),
        "ratio_verify_to_render": round(verify_ms / render_ms, 2),
    }


def summary_rows(f: dict) -> list[tuple[str, ...]]:
    rows = [
        ("what", "ms / document", "cpu ms", "x render"),
        ("render the agreement (reportlab)", f["render_ms"], f["render_cpu_ms"], 1),
        ("seal, ECDSA P-256 (demonstration)", f["seal_ec_ms"], f["seal_ec_cpu_ms"],
         f["ratio_seal_ec_to_render"]),
        ("seal, RSA-3072", f["seal_rsa_ms"], f["seal_rsa_cpu_ms"], f["ratio_seal_rsa_to_render"]),
        ("verify a sealed agreement", f["verify_ms"], f["verify_cpu_ms"],
         f["ratio_verify_to_render"]),
        (f"{f['documents']} documents of {f['pdf_bytes']} bytes, "
         f"{f['sealed_bytes'] - f['pdf_bytes']} bytes added by the seal",),
    ]  # fmt: skip
    return [tuple(str(cell) for cell in row) for row in rows]


@benchmark("seal", "PAdES seal and verification of a one-page agreement, per document",
           table=summary_rows)  # fmt: skip
def seal_benchmark(options: Options) -> dict:
    return run_seal()


if __name__ == "__main__":
    import sys

    from bench.__main__ import main

    sys.exit(main(["seal", *sys.argv[1:]]))
