"""Live counters for the worker: frames analysed, drops, overflows, restarts, callback-to-features latency.

Written by the worker thread only; other threads read plain numbers (or get `Stats` through the mailbox).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

LATENCY_WINDOW = 2000  # latest samples kept for percentiles (about 20 s at one per 10 ms block)
HIST_BIN_MS = 0.1
HIST_MAX_MS = 5000.0


class LatencyHistogram:
    """Every latency sample of a long run in fixed memory (0.1 ms bins up to 5 s), for benchmarks."""

    def __init__(self) -> None:
        self.counts = np.zeros(round(HIST_MAX_MS / HIST_BIN_MS) + 1, np.int64)
        self.count = 0
        self.max_ms = math.nan

    def add(self, ms: float) -> None:
        self.counts[min(len(self.counts) - 1, max(0, int(ms / HIST_BIN_MS)))] += 1
        self.count += 1
        self.max_ms = ms if not ms <= self.max_ms else self.max_ms

    def percentile(self, q: float) -> float:
        if not self.count:
            return math.nan
        index = int(np.searchsorted(np.cumsum(self.counts), q / 100.0 * self.count))
        return (index + 0.5) * HIST_BIN_MS


@dataclass
class WorkerMetrics:
    frames: int = 0  # 10 ms frames analysed
    blocks: int = 0  # blocks read from the source
    restarts: int = 0  # worker sessions restarted after an exception
    reopens: int = 0  # audio source (re)opened after a loss
    overflows: int = 0  # device overflows, summed over every source opened
    dropped_blocks: int = 0  # blocks the ring had no room for, summed over every source opened
    latency_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    latency_hist: LatencyHistogram | None = None  # every latency sample, when a benchmark asks for them
    loss_detect_s: list[float] = field(default_factory=list)  # device loss: last audio -> loss noticed
    _base_overflows: int = 0
    _base_dropped: int = 0

    def source_counts(self, overflows: int, dropped: int) -> None:
        """The current source's counters (since it opened); earlier sources' totals are kept."""
        self.overflows = self._base_overflows + overflows
        self.dropped_blocks = self._base_dropped + dropped

    def source_closed(self) -> None:
        self._base_overflows, self._base_dropped = self.overflows, self.dropped_blocks

    def add_latency(self, ms: float) -> None:
        self.latency_ms.append(ms)
        if self.latency_hist is not None:
            self.latency_hist.add(ms)

    def latency_percentiles(self, *qs: float) -> tuple[float, ...]:
        if not self.latency_ms:
            return tuple(math.nan for _ in qs)
        # one call for all: the window is partitioned once (the same values as one call per q)
        return tuple(float(v) for v in np.percentile(np.fromiter(self.latency_ms, float), qs))
