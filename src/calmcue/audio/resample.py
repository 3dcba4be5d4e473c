"""Streaming resampling to the analysis rate, the same for files and live audio (python-soxr).

soxr keeps its filter state between calls, so the output does not depend on how the input is cut into blocks.
"""

from __future__ import annotations

import numpy as np
import soxr

from calmcue.timebase import ANALYSIS_RATE_HZ


class StreamResampler:
    """Converts float32 blocks of shape (n, channels) at `in_rate_hz` to the analysis rate."""

    def __init__(self, *, in_rate_hz: int, channels: int) -> None:
        self.in_rate_hz = int(in_rate_hz)
        self.channels = channels
        self._stream: soxr.ResampleStream | None = None
        if self.in_rate_hz != ANALYSIS_RATE_HZ:
            self._stream = soxr.ResampleStream(self.in_rate_hz, ANALYSIS_RATE_HZ, channels,
                                               dtype="float32", quality="HQ")

    def process(self, block: np.ndarray, *, last: bool = False) -> np.ndarray:
        block = np.ascontiguousarray(block, dtype=np.float32).reshape(-1, self.channels)
        if self._stream is None:
            return block
        out = self._stream.resample_chunk(block, last=last)
        return np.asarray(out, dtype=np.float32).reshape(-1, self.channels)

    def flush(self) -> np.ndarray:
        """The samples still held in the filter at the end of a stream."""
        return self.process(np.zeros((0, self.channels), np.float32), last=True)
