"""A running quantile of the last N values (the short-term voice, the gain re-basing, the music bed's level)."""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import deque

# a read after at most this many deferred values sorts them into the list held (an insertion each); after more, it
# sorts the values held afresh (one sort of `size` values costs about as much as a few dozen insertions)
MERGE_MAX = 32


class RunningQuantile:
    """A quantile (default the median) of the last `size` finite values: a sorted list beside a FIFO.

    Fed on every frame by several detector parts, so `add` (no quantile computed) is for callers that read the
    value only now and then; `push` adds and returns it. Both do the same to the state."""

    def __init__(self, size: int, *, quantile: float = 0.5) -> None:
        self.size = size
        self.quantile = quantile
        self._fifo: deque[float] = deque()
        self._sorted: list[float] = []
        self._stale = False  # values were deferred: the sorted list is brought up to date at the next read
        # while stale: the values deferred and those that left the FIFO meanwhile, for the next read to merge;
        # None once more than MERGE_MAX were deferred (the next read sorts afresh)
        self._pending: list[float] | None = []
        self._left: list[float] = []

    def add(self, value: float) -> None:
        """Takes in one value (NaN is skipped); the oldest leaves once `size` are held."""
        if value == value:  # not NaN
            fifo = self._fifo
            if self._stale:
                self.defer(value)
                return
            fifo.append(value)
            ordered = self._sorted
            insort(ordered, value)
            if len(fifo) > self.size:
                del ordered[bisect_left(ordered, fifo.popleft())]

    def defer(self, value: float) -> None:
        """`add` for a stretch in which nobody reads the quantile: only the FIFO moves, and the next read brings
        the sorted list up to date (the same list: the same values in order). Cheaper than `add` when many values
        come between two reads (a music bed's level while no bed is on: foreground.MusicBed; a line's pauses,
        read when the voice comes back: linefloor.LineFloor), and no dearer when few do."""
        if value == value:
            fifo, pending = self._fifo, self._pending
            fifo.append(value)
            gone = fifo.popleft() if len(fifo) > self.size else None
            if pending is not None:
                if len(pending) < MERGE_MAX:
                    pending.append(value)
                    if gone is not None:
                        self._left.append(gone)
                else:
                    self._pending = None
                    self._left.clear()
            self._stale = True

    def push(self, value: float) -> float:
        """`add`, then the quantile of the values held."""
        self.add(value)
        return self.value()

    def value(self) -> float:
        """The quantile of the values held now (NaN when empty)."""
        if self._stale:
            self._catch_up()
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

    def _catch_up(self) -> None:
        """The sorted list after deferred values: each inserted and each that left taken out (every one that left
        is held by then, as a value or an equal one), or the FIFO sorted afresh after many."""
        pending, ordered = self._pending, self._sorted
        if pending is None:
            self._sorted = sorted(self._fifo)
        else:
            for value in pending:
                insort(ordered, value)
            for value in self._left:
                del ordered[bisect_left(ordered, value)]
        self._pending, self._left, self._stale = [], [], False

    def shift(self, delta: float) -> None:
        """Every value held moves by `delta` (a gain change moved everything it measured): same order, same count."""
        if self._stale:
            self._catch_up()
        self._fifo = deque(value + delta for value in self._fifo)
        self._sorted = [value + delta for value in self._sorted]

    def values(self) -> list[float]:
        """The values held, oldest first."""
        return list(self._fifo)

    def __len__(self) -> int:
        return len(self._fifo)

    def clear(self) -> None:
        self._fifo.clear()
        self._sorted.clear()
        self._pending, self._left, self._stale = [], [], False
