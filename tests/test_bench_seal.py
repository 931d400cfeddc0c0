"""The seal benchmark runs and checks what it measures (no timing asserted here)."""

from __future__ import annotations

from bench.seal import run_seal, summary_rows


def test_the_seal_benchmark_seals_and_verifies_every_document():
    figures = run_seal(count=2)
    assert figures["documents"] == 2
    assert figures["sealed_bytes"] > figures["pdf_bytes"]
    assert summary_rows(figures)[0][0] == "what"
