"""The ring buffer between an audio callback (or a reader thread) and the worker: the producer copies and
counts, nothing else; the consumer pops whole blocks."""

from __future__ import annotations

import numpy as np

STAMPS = 512  # callback time stamps kept (for callback-to-features latency)


class Ring:
    """Preallocated SPSC ring of float32 frames (capacity, channels) with monotonic write/read indices."""

    def __init__(self, *, capacity_frames: int, channels: int) -> None:
        self.capacity = int(capacity_frames)
        self.channels = channels
        self.buf = np.zeros((self.capacity, channels), np.float32)
        self.write = 0  # frames ever written (producer only)
        self.read = 0  # frames ever read (consumer only)
        self.callbacks = 0  # blocks offered by the producer
        self.dropped_blocks = 0  # blocks that did not fit
        self.stamp_end = np.full(STAMPS, -1, np.int64)  # write index after callback k % STAMPS ...
        self.stamp_time = np.zeros(STAMPS, np.float64)  # ... and the stream time at that callback

    # -- producer (audio callback): copy and count, nothing else -------------------------------------------
    def push(self, block: np.ndarray, stamp: float) -> None:
        n = block.shape[0]
        w = self.write
        if w + n - self.read > self.capacity:
            self.dropped_blocks += 1
            self.callbacks += 1
            return
        i = w % self.capacity
        first = min(n, self.capacity - i)
        self.buf[i : i + first] = block[:first]
        if first < n:
            self.buf[: n - first] = block[first:]
        k = self.callbacks % STAMPS
        self.stamp_end[k] = w + n
        self.stamp_time[k] = stamp
        self.write = w + n
        self.callbacks += 1

    # -- consumer (worker thread) --------------------------------------------------------------------------
    def available(self) -> int:
        return self.write - self.read

    def pop(self, frames: int, *, into: np.ndarray | None = None) -> np.ndarray:
        """Copies out the oldest `frames` frames (at most what is available), into a new array or into the first
        rows of `into` (frames, channels) - e.g. a column of the block the caller hands on; returns those rows."""
        frames = min(frames, self.available())
        i = self.read % self.capacity
        first = min(frames, self.capacity - i)
        out = np.empty((frames, self.channels), np.float32) if into is None else into[:frames]
        out[:first] = self.buf[i : i + first]
        if first < frames:
            out[first:] = self.buf[: frames - first]
        self.read += frames
        return out

    def skip(self, frames: int) -> None:
        self.read += min(frames, self.available())

    def stamp_of(self, end_index: int) -> float | None:
        """The stream time of the callback whose block ended at or after `end_index` (None if forgotten)."""
        hits = np.nonzero(self.stamp_end >= end_index)[0]
        if hits.size == 0:
            return None
        return float(self.stamp_time[hits[np.argmin(self.stamp_end[hits])]])
