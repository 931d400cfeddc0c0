"""How far a document is drawn, told from the drawing thread and read by the worker's loop."""

from __future__ import annotations

import threading


class Progress:
    """`done` of `total` steps. Drawing code calls `advance(done, total)` (it may be in a
    thread); the worker reads `value` about once a second and writes it to the job row."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = 0
        self._total = 0

    def advance(self, done: int, total: int) -> None:
        with self._lock:
            self._done, self._total = min(done, total), total

    @property
    def value(self) -> tuple[int, int]:
        with self._lock:
            return self._done, self._total
