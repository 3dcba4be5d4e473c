"""A running quantile of the last N values (the short-term voice, the gain re-basing, the music bed's level)."""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import deque


class RunningQuantile:
    """A quantile (default the median) of the last `size` finite values: a sorted list beside a FIFO.

    Fed on every frame by several detector parts, so `add` (no quantile computed) is for callers that read the
    value only now and then; `push` adds and returns it. Both do the same to the state."""

    def __init__(self, size: int, *, quantile: float = 0.5) -> None:
        self.size = size
        self.quantile = quantile
        self._fifo: deque[float] = deque()
        self._sorted: list[float] = []
        self._stale = False  # values were deferred: the sorted list is rebuilt at the next read

    def add(self, value: float) -> None:
        """Takes in one value (NaN is skipped); the oldest leaves once `size` are held."""
        if value == value:  # not NaN
            fifo = self._fifo
            fifo.append(value)
            if self._stale:
                if len(fifo) > self.size:
                    fifo.popleft()
                return
            ordered = self._sorted
            insort(ordered, value)
            if len(fifo) > self.size:
                del ordered[bisect_left(ordered, fifo.popleft())]

    def defer(self, value: float) -> None:
        """`add` for a stretch in which nobody reads the quantile: only the FIFO moves, and the next read sorts the
        values held afresh (the same list: the same values in order). Cheaper than `add` when many values come
        between two reads (a music bed's level while no bed is on: foreground.MusicBed)."""
        if value == value:
            fifo = self._fifo
            fifo.append(value)
            if len(fifo) > self.size:
                fifo.popleft()
            self._stale = True

    def push(self, value: float) -> float:
        """`add`, then the quantile of the values held."""
        self.add(value)
        return self.value()

    def value(self) -> float:
        """The quantile of the values held now (NaN when empty)."""
        if self._stale:
            self._sorted = sorted(self._fifo)
            self._stale = False
        ordered = self._sorted
        n = len(ordered)
        if n == 0:
            return math.nan
        position = self.quantile * (n - 1)  # linear interpolation, as numpy's default percentile
        below = int(position)
        if below + 1 >= n:
            return ordered[below] + (ordered[below] - ordered[below]) * (position - below)
        low = ordered[below]
        return low + (ordered[below + 1] - low) * (position - below)

    def values(self) -> list[float]:
        """The values held, oldest first."""
        return list(self._fifo)

    def __len__(self) -> int:
        return len(self._fifo)

    def clear(self) -> None:
        self._fifo.clear()
        self._sorted.clear()
        self._stale = False
