"""Label sheets: the cost of a 10,000-label PDF against the cost of bare QR matrices.

Three measures in one run, one process, one core, the same label texts for all:

- `qrcode`: `qrcode.QRCode(error_correction=Q)` with its automatic mask choice, the baseline
  a straightforward implementation would pay per label (about 7.5 ms: on a sample when the
  whole run would take more than ~20 s, then scaled, and said so in the figures);
- `qr_matrix`: the same symbols as `labels.qr` builds them (one fixed mask);
- `sheet`: `render_sheet` of all the labels on Avery L7160, QR matrices, layout and PDF.

The target is a 10,000-label sheet in under 5 s. Wall time counts, but on a busy machine the
process's CPU time (`*_cpu_s`) is the steadier figure; both are given.
"""

from __future__ import annotations

import functools
import random
import time

import qrcode

from bench.registry import Options, benchmark
from labels.layout import LabelContent
from labels.qr import LEVEL, MASK, qr_matrix
from labels.render import render_sheet
from labels.stocks import STOCKS

BASE_URL = "HTTPS://ORDIPRET.EXAMPLE.FR"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
QRCODE_SAMPLE = 500
QRCODE_BUDGET_S = 20.0
STOCK = "L7160"


def _labels(count: int) -> list[LabelContent]:
    rnd = random.Random(2024)
    return [
        LabelContent(
            url=f"{BASE_URL}/A/{''.join(rnd.choice(CODE_ALPHABET) for _ in range(10))}",
            caption=f"CVL-{number:06d}",
            serial=f"5CD{rnd.randrange(10**9):09d}",
            region_name="Centre-Val de Loire",
        )
        for number in range(count)
    ]


def _timed(function, *args) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _qrcode_matrices(texts: list[str], **options) -> None:
    for text in texts:
        qr = qrcode.QRCode(error_correction=LEVEL, border=0, **options)
        qr.add_data(text)
        qr.get_matrix()


def _qr_matrices(texts: list[str]) -> list:
    return [qr_matrix(text) for text in texts]


def _qrcode_cost(texts: list[str]) -> tuple[float, int]:
    """Seconds for qrcode to build every matrix, and how many it actually built."""
    sample = texts[:QRCODE_SAMPLE]
    seconds, _, _ = _timed(_qrcode_matrices, sample)
    if seconds / len(sample) * len(texts) > QRCODE_BUDGET_S:
        return seconds / len(sample) * len(texts), len(sample)
    rest, _, _ = _timed(_qrcode_matrices, texts[len(sample) :])
    return seconds + rest, len(texts)


def _check_same_symbols(texts: list[str], matrices: list) -> None:
    # The comparison only means something if both build the same symbols (for one mask).
    for text, matrix in zip(texts[:20], matrices, strict=False):
        qr = qrcode.QRCode(
            version=matrix.version, error_correction=LEVEL, mask_pattern=MASK, border=0
        )
        qr.add_data(text)
        if qr.get_matrix() != matrix.modules():
            raise RuntimeError(f"qr_matrix differs from qrcode for {text!r}")


def run_labels(count: int = 10_000) -> dict:
    labels = _labels(count)
    texts = [label.url for label in labels]

    qrcode_s, qrcode_built = _qrcode_cost(texts)
    fixed_sample = texts[:QRCODE_SAMPLE]
    fixed = functools.partial(_qrcode_matrices, mask_pattern=MASK)
    fixed_s, _, _ = _timed(fixed, fixed_sample)
    matrix_s, matrix_cpu_s, matrices = _timed(_qr_matrices, texts)
    _check_same_symbols(texts, matrices)
    sheet_s, sheet_cpu_s, pdf = _timed(render_sheet, labels, STOCKS[STOCK])

    per = 1000 / count
    figures = {
        "labels": count,
        "stock": STOCK,
        "qrcode_s": round(qrcode_s, 3),
        "qrcode_ms_per_label": round(qrcode_s * per, 4),
        "qrcode_measured_on": qrcode_built,
        "qrcode_scaled": qrcode_built < count,
        "qrcode_fixed_mask_ms_per_label": round(fixed_s * 1000 / len(fixed_sample), 4),
        "qr_matrix_s": round(matrix_s, 3),
        "qr_matrix_cpu_s": round(matrix_cpu_s, 3),
        "qr_matrix_ms_per_label": round(matrix_s * per, 4),
        "sheet_s": round(sheet_s, 3),
        "sheet_cpu_s": round(sheet_cpu_s, 3),
        "sheet_ms_per_label": round(sheet_s * per, 4),
        "sheet_pages": -(-count // STOCKS[STOCK].per_page),
        "pdf_bytes": len(pdf),
        "pdf_bytes_per_label": round(len(pdf) / count),
        "ratio_qr_matrix_to_qrcode": round(matrix_s / qrcode_s, 4),
        "ratio_sheet_to_qrcode": round(sheet_s / qrcode_s, 4),
        "target_s": 5.0,
        "within_target": sheet_s < 5.0,
    }
    return figures


def summary_rows(f: dict) -> list[tuple[str, ...]]:
    scaled = f" (measured on {f['qrcode_measured_on']}, scaled)" if f["qrcode_scaled"] else ""
    fixed = f["qrcode_fixed_mask_ms_per_label"]
    rows = [
        ("what", "total s", "ms / label", "x qrcode"),
        ("qrcode, automatic mask" + scaled, f["qrcode_s"], f["qrcode_ms_per_label"], 1),
        ("qrcode, fixed mask (sample)", "", fixed, round(fixed / f["qrcode_ms_per_label"], 4)),
        ("labels.qr.qr_matrix", f["qr_matrix_s"], f["qr_matrix_ms_per_label"],
         f["ratio_qr_matrix_to_qrcode"]),
        (f"render_sheet, {f['stock']}, {f['sheet_pages']} pages", f["sheet_s"],
         f["sheet_ms_per_label"], f["ratio_sheet_to_qrcode"]),
        ("target: whole sheet under", f"{f['target_s']} s", "",
         "PASS" if f["within_target"] else "OVER"),
    ]  # fmt: skip
    return [tuple(str(cell) for cell in row) for row in rows]


@benchmark("labels", "a 10,000-label L7160 sheet PDF on one core, beside qrcode's own cost",
           table=summary_rows)  # fmt: skip
def labels_benchmark(options: Options) -> dict:
    return run_labels()
