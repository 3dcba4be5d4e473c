"""A running quantile of the last N values (the short-term voice, the gain re-basing)."""

from __future__ import annotations

import bisect
import math
from collections import deque


class RunningQuantile:
    """A quantile (default the median) of the last `size` finite values: a sorted list beside a FIFO."""

    def __init__(self, size: int, *, quantile: float = 0.5) -> None:
        self.size = size
        self.quantile = quantile
        self._fifo: deque[float] = deque()
        self._sorted: list[float] = []

    def push(self, value: float) -> float:
        if not math.isnan(value):
            self._fifo.append(value)
            bisect.insort(self._sorted, value)
            if len(self._fifo) > self.size:
                self._sorted.pop(bisect.bisect_left(self._sorted, self._fifo.popleft()))
        return self.value()

    def value(self) -> float:
        """The quantile of the values held now (NaN when empty)."""
        n = len(self._sorted)
        if n == 0:
            return math.nan
        position = self.quantile * (n - 1)  # linear interpolation, as numpy's default percentile
        below = int(position)
        above = min(below + 1, n - 1)
        return self._sorted[below] + (self._sorted[above] - self._sorted[below]) * (position - below)

    def values(self) -> list[float]:
        """The values held, oldest first."""
        return list(self._fifo)

    def __len__(self) -> int:
        return len(self._fifo)

    def clear(self) -> None:
        self._fifo.clear()
        self._sorted.clear()
