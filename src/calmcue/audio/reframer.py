"""Any block size in, whole 10 ms hops out, each with the analysis window that ends at it.

Frame k covers the samples up to 160 (k + 1); the window is the last `HISTORY` samples, zeros before the start.
The hops are cut from one continuous stream, so the frames never depend on the block sizes that arrived.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from calmcue.audio.signal import HISTORY, HOP


class Reframer:
    def __init__(self, *, channels: int) -> None:
        self.channels = channels
        self._history = np.zeros((channels, HISTORY), np.float32)
        self._pending = np.zeros((channels, 0), np.float32)
        self.frames_out = 0

    def push(self, block: np.ndarray) -> np.ndarray:
        """Takes (n, channels) float32; returns windows (hops, channels, HISTORY), possibly zero hops."""
        samples = np.concatenate([self._pending, np.asarray(block, np.float32).reshape(-1, self.channels).T],
                                 axis=1)
        hops = samples.shape[1] // HOP
        self._pending = samples[:, hops * HOP:]
        if hops == 0:
            return np.zeros((0, self.channels, HISTORY), np.float32)
        stream = np.concatenate([self._history, samples[:, : hops * HOP]], axis=1)
        windows = sliding_window_view(stream, HISTORY, axis=1)[:, HOP::HOP]  # (channels, hops, HISTORY)
        self._history = stream[:, -HISTORY:].copy()
        self.frames_out += hops
        return np.ascontiguousarray(windows.transpose(1, 0, 2))
